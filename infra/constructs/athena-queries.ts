/**
 * The named queries GTM teams run in Athena over the ledger archive's `decisions` table (one row per
 * decision snapshot, i.e. per version, partitioned by `dt`, the UTC date the snapshot was written).
 *
 * Every query reads only the partitions of a date window it is given as its first two parameters
 * (Athena prepared-statement parameters: `EXECUTE q USING '2026-03-01', '2026-03-31'`, or the
 * console's parameter fields), so it never scans the whole archive. Only plain fields are read:
 * personal fields are ciphertext in `sealed` and never appear here.
 *
 * Arrays of structs are unnested the way Athena's engine (Trino) requires: `UNNEST` over an
 * `ARRAY(ROW(...))` expands each field of the row into its own column, so the alias list after
 * `AS t (...)` names every field, in the order the Glue column declares them (Trino docs, SELECT,
 * "UNNEST ... in combination with an ARRAY of ROW type structures for expanding each field of the ROW
 * into a corresponding column": https://trino.io/docs/current/sql/select.html#unnest). A one-name
 * list (`AS t (c)`) is rejected by the engine ("Column alias list has 1 entries but 't' has 6 columns
 * available"). test/infra/athena-queries.test.ts checks this against the Glue types and executes
 * every query over archived rows.
 */
export interface AthenaQuery {
  id: string;
  name: string;
  description: string;
  /** What each `?` of the SQL stands for, in order (also spelled out in the description). */
  params: string[];
  sql: string;
}

const WINDOW_PARAMS = [
  "first date of the window (YYYY-MM-DD, inclusive)",
  "last date of the window (YYYY-MM-DD, inclusive)",
];
const WINDOW_DOC =
  "Parameters: the first and last date (YYYY-MM-DD) of the window; only those dt partitions are read.";

/**
 * Each decision of the window as it stands at the window's end: its latest snapshot in the window,
 * for the decisions made in it (their first snapshot, version 1, is in the window). Outcomes that
 * arrive after the last date are not counted, so a window compared on outcomes should end the
 * attribution period after the decisions it compares.
 */
const LATEST = `latest AS (
  SELECT decisionid,
         max_by(agentid, version) AS agentid,
         max_by(actiontype, version) AS actiontype,
         max_by(actionkind, version) AS actionkind,
         max_by(status, version) AS status,
         max_by(decidedat, version) AS decidedat,
         max_by(specversion, version) AS specversion,
         max_by(arm, version) AS arm,
         max_by(outcomes, version) AS outcomes
  FROM decisions
  WHERE dt BETWEEN ? AND ?
  GROUP BY decisionid
  HAVING min(version) = 1
)`;

/** Outcomes of the window's decisions, per value of one decision field (spec version or A/B arm). */
function outcomesBy(field: "specversion" | "arm"): string {
  const key = field === "arm" ? "coalesce(arm, '-')" : "specversion";
  return `WITH ${LATEST},
per_decision AS (
  SELECT ${key} AS ${field},
         actionkind = 'touch' AND status = 'executed' AS touched,
         ${["replied", "meeting_booked", "unsubscribed", "complaint", "bounced"]
           .map((t) => `cardinality(filter(outcomes, o -> o.type = '${t}')) > 0 AS ${t}`)
           .join(",\n         ")}
  FROM latest
)
SELECT ${field},
       count(*) AS decisions,
       count_if(touched) AS touches,
       count_if(touched AND replied) AS replies,
       count_if(touched AND meeting_booked) AS meetings,
       count_if(touched AND unsubscribed) AS unsubscribes,
       count_if(touched AND complaint) AS complaints,
       count_if(touched AND bounced) AS bounces,
       round(CAST(count_if(touched AND replied) AS double) / nullif(count_if(touched), 0), 4) AS reply_rate,
       round(CAST(count_if(touched AND meeting_booked) AS double) / nullif(count_if(touched), 0), 4) AS meeting_rate
FROM per_decision
GROUP BY ${field}
ORDER BY ${field}`;
}

export const ATHENA_QUERIES: AthenaQuery[] = [
  {
    id: "ByAgentWeek",
    name: "decisions-and-outcomes-by-agent-and-week",
    description: `Decisions made in a window, how they ended and the outcomes they earned, per agent per ISO week. ${WINDOW_DOC}`,
    params: WINDOW_PARAMS,
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
    description: `Which checks and spec rules blocked or deferred the proposals of a window (enforced rules only; shadow rules are in flips-by-shadow-rule), most frequent first. ${WINDOW_DOC}`,
    params: WINDOW_PARAMS,
    sql: `SELECT d.status,
       c."check" AS check_name,
       coalesce(c.rule, '-') AS rule,
       count(DISTINCT d.decisionid) AS decisions
FROM decisions d
CROSS JOIN UNNEST(d.checks) AS c ("check", rule, result, shadow, effect, detail)
WHERE d.dt BETWEEN ? AND ?
  AND d.version = 1
  AND d.status IN ('blocked', 'deferred')
  AND c.result = 'fail'
  AND coalesce(c.shadow, false) = false
GROUP BY 1, 2, 3
ORDER BY decisions DESC, check_name, rule`,
  },
  {
    id: "FlipsByShadowRule",
    name: "flips-by-shadow-rule",
    description: `For each shadow rule, the decisions of a window it would have changed (actual verdict -> verdict with the rule enforced), per day, agent and action type. ${WINDOW_DOC}`,
    params: WINDOW_PARAMS,
    sql: `SELECT s.rule AS rule,
       s."check" AS check_name,
       d.verdict AS actual_verdict,
       s.verdict AS verdict_with_rule,
       substr(d.decidedat, 1, 10) AS day,
       d.agentid,
       d.actiontype,
       count(*) AS decisions
FROM decisions d
CROSS JOIN UNNEST(d.shadow) AS s (rule, "check", verdict)
WHERE d.dt BETWEEN ? AND ?
  AND d.version = 1
  AND s.verdict <> d.verdict
GROUP BY 1, 2, 3, 4, 5, 6, 7
ORDER BY rule, day, agentid, actiontype, actual_verdict, verdict_with_rule`,
  },
  {
    id: "OutcomesBySpec",
    name: "outcomes-by-spec-version",
    description: `Touches of a window and the outcomes they earned, with rates, per spec version, to compare policies. ${WINDOW_DOC}`,
    params: WINDOW_PARAMS,
    sql: outcomesBy("specversion"),
  },
  {
    id: "OutcomesByArm",
    name: "outcomes-by-experiment-arm",
    description: `Touches of a window and the outcomes they earned, with rates, per experiment arm ('-' for decisions outside any experiment). ${WINDOW_DOC}`,
    params: WINDOW_PARAMS,
    sql: outcomesBy("arm"),
  },
  {
    id: "PersonContacts",
    name: "every-contact-with-one-person",
    description: `Every decision about one person with a snapshot in a window, and how it ended (an email's delivery as SES reported it). Parameters: the first and last date (YYYY-MM-DD) of the window (only those dt partitions are read), then the person id.`,
    params: [...WINDOW_PARAMS, "person id"],
    sql: `SELECT decisionid,
       max_by(agentid, version) AS agentid,
       max_by(actiontype, version) AS actiontype,
       max_by(channel, version) AS channel,
       min(decidedat) AS decidedat,
       max_by(status, version) AS status,
       max_by(execution.at, version) AS executedat,
       max_by(execution.deliveredat, version) AS deliveredat,
       max_by(outcomes, version) AS outcomes
FROM decisions
WHERE dt BETWEEN ? AND ?
  AND personid = ?
GROUP BY decisionid
ORDER BY decidedat, decisionid`,
  },
];
