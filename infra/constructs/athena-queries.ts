/**
 * The named queries. Decision rows are snapshots (one per version), so most queries first take each
 * decision's latest version with max_by.
 */
export interface AthenaQuery {
  id: string;
  name: string;
  description: string;
  sql: string;
}

const LATEST = `latest AS (
  SELECT decisionid,
         max_by(agentid, version) AS agentid,
         max_by(status, version) AS status,
         max_by(decidedat, version) AS decidedat,
         max_by(specversion, version) AS specversion,
         max_by(outcomes, version) AS outcomes
  FROM decisions
  GROUP BY decisionid
)`;

export const ATHENA_QUERIES: AthenaQuery[] = [
  {
    id: "ByAgentWeek",
    name: "decisions-and-outcomes-by-agent-and-week",
    description: "Decisions, how they ended and the outcomes they earned, per agent per week",
    sql: `WITH ${LATEST}
SELECT agentid,
       date_trunc('week', from_iso8601_timestamp(decidedat)) AS week,
       count(*) AS decisions,
       count_if(status = 'executed') AS executed,
       count_if(status IN ('blocked', 'deferred')) AS stopped,
       count_if(status IN ('vetoed', 'rejected', 'expired')) AS not_approved,
       sum(cardinality(outcomes)) AS outcomes,
       sum(cardinality(filter(outcomes, o -> o.type IN ('replied', 'meeting_booked', 'deal_created')))) AS positive_outcomes
FROM latest
GROUP BY 1, 2
ORDER BY week DESC, agentid`,
  },
  {
    id: "StoppedByRule",
    name: "blocked-and-deferred-decisions-by-rule",
    description: "Which checks and spec rules block or defer proposals, most frequent first",
    sql: `SELECT d.status,
       c."check" AS check_name,
       coalesce(c.rule, '-') AS rule,
       count(DISTINCT d.decisionid) AS decisions
FROM decisions d
CROSS JOIN UNNEST(d.checks) AS t (c)
WHERE d.version = 1
  AND d.status IN ('blocked', 'deferred')
  AND c.result = 'fail'
  AND coalesce(c.shadow, false) = false
GROUP BY 1, 2, 3
ORDER BY decisions DESC`,
  },
  {
    id: "OutcomesBySpec",
    name: "outcomes-by-spec-version",
    description: "Outcomes per spec version, to compare policies",
    sql: `WITH ${LATEST}
SELECT specversion,
       o.type AS outcome,
       count(*) AS outcomes,
       count(DISTINCT decisionid) AS decisions
FROM latest
CROSS JOIN UNNEST(outcomes) AS t (o)
GROUP BY 1, 2
ORDER BY specversion DESC, outcomes DESC`,
  },
  {
    id: "PersonContacts",
    name: "every-contact-with-one-person",
    description: "Every decision to touch one person and how it ended; run with the person id as parameter",
    sql: `SELECT decisionid,
       max_by(agentid, version) AS agentid,
       max_by(actiontype, version) AS actiontype,
       max_by(channel, version) AS channel,
       min(decidedat) AS decidedat,
       max_by(status, version) AS status,
       max_by(execution.at, version) AS executedat,
       max_by(outcomes, version) AS outcomes
FROM decisions
WHERE personid = ?
GROUP BY decisionid
ORDER BY decidedat`,
  },
];
