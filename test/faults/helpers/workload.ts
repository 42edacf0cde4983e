/**
 * What the agents and the people do during a fault run, all through the HTTP API: the knowledge base
 * loaded by an admin, a spec with short override windows and a volume cap, agents pinned at each
 * autonomy level proposing concurrently (and retrying the same proposalId on 503s and dropped
 * connections, as an agent must), and an approver working the queue.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { type Answer, call, patiently, sleep, waitFor } from "./http.ts";

const HOUR = 3_600_000;

/** Agent × action at each autonomy level; the capped writer has its own daily cap in the run's spec. */
export const AGENTS = {
  auto: { id: "faults-writer-auto", action: "email.send", level: 3 },
  window: { id: "faults-writer-window", action: "email.send", level: 2 },
  review: { id: "faults-linkedin-review", action: "linkedin.message", level: 1 },
  audience: { id: "faults-audience", action: "linkedin.audience.add", level: 2 },
  crm: { id: "faults-crm", action: "crm.update", level: 3 },
  capped: { id: "faults-writer-capped", action: "email.send", level: 3 },
} as const;
export const CAPPED_PER_DAY = 3;
/** Accounts per round that only the capped writer targets (more than its cap). */
export const CAPPED_ACCOUNTS = 5;
/** One in this many approvals is rejected instead (its reservation is given back). */
const REJECT_ONE_IN = 8;

export interface Proposal {
  proposalId: string;
  agentId: string;
  action: { type: string };
  target: { accountId: string; personId: string };
  payload: Record<string, unknown>;
  reasoning: string;
  confidence: number;
}

/** The run's spec: the shipped default with short override windows and a cap for the capped writer. */
export function faultSpec(windowSeconds: number): unknown {
  const path = fileURLToPath(new URL("../../../shared/specs/default.yaml", import.meta.url));
  const spec = parseYaml(readFileSync(path, "utf8"));
  spec.name = "fault-suite";
  for (const action of Object.values(spec.autonomy.actions) as { overrideWindowMinutes?: number }[])
    if (action.overrideWindowMinutes !== undefined) action.overrideWindowMinutes = windowSeconds / 60;
  spec.volume.perAgentPerDay = { default: 500, agents: { [AGENTS.capped.id]: CAPPED_PER_DAY } };
  spec.volume.perChannelPerDay = { email: 5_000, linkedin: 5_000 };
  return spec;
}

const person = (accountId: string) => ({
  personId: `${accountId}-jane`,
  email: `jane@${accountId}.example.com`,
  linkedinUrl: `https://www.linkedin.com/in/${accountId}-jane`,
});

/** Load a round's accounts as an admin: in ICP, a VP, three pricing-page visits in the last hours. */
export async function seedAccounts(url: string, admin: string, accountIds: string[]): Promise<void> {
  const now = Date.now();
  for (const accountId of accountIds) {
    const p = person(accountId);
    const steps: [string, string, unknown][] = [
      [
        "PUT",
        `/v1/accounts/${accountId}`,
        {
          name: `Fault Co ${accountId}`,
          domain: `${accountId}.example.com`,
          industry: "Software",
          employees: 250,
          country: "US",
          timezone: "America/New_York",
          lifecycle: "prospect",
        },
      ],
      [
        "PUT",
        `/v1/people/${p.personId}`,
        {
          accountId,
          email: p.email,
          firstName: "Jane",
          lastName: "Doe",
          title: "VP Sales",
          linkedinUrl: p.linkedinUrl,
        },
      ],
      [
        "POST",
        "/v1/signals",
        {
          signals: [1, 2, 3].map((h) => ({
            accountId,
            personId: p.personId,
            type: "pricing_page_visit",
            occurredAt: new Date(now - h * HOUR).toISOString(),
          })),
        },
      ],
    ];
    for (const [method, path, body] of steps) {
      const res = await patiently(url, admin, method, path, body);
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    }
  }
}

const draft = (accountId: string) => ({
  body: "Hi Jane, saw your team comparing plans this week. Happy to share how similar teams rolled out in two weeks.",
  variant: "fact-led",
  companyName: `Fault Co ${accountId}`,
  groundedOn: [],
  persona: "vp",
  model: "fault-suite/v1",
});

function proposal(
  runId: string,
  agentId: string,
  type: string,
  accountId: string,
  payload: object,
): Proposal {
  return {
    proposalId: `${runId}-${agentId}-${accountId}`,
    agentId,
    action: { type },
    target: { accountId, personId: person(accountId).personId },
    payload: payload as Record<string, unknown>,
    reasoning: "Three pricing page visits this week from the VP Sales.",
    confidence: 0.9,
  };
}

/** A round's proposals: per account an email (level 3 or 2), a LinkedIn message that collides with it (level 1), an audience add and a CRM log; plus the capped writer's. */
export function roundProposals(runId: string, accountIds: string[], cappedIds: string[]): Proposal[] {
  const out: Proposal[] = [];
  accountIds.forEach((accountId, i) => {
    const p = person(accountId);
    const writer = i % 2 === 0 ? AGENTS.auto.id : AGENTS.window.id;
    out.push(
      proposal(runId, writer, "email.send", accountId, {
        to: p.email,
        subject: "Your pricing research",
        ...draft(accountId),
      }),
    );
    out.push(
      proposal(runId, AGENTS.review.id, "linkedin.message", accountId, {
        linkedinUrl: p.linkedinUrl,
        ...draft(accountId),
      }),
    );
    out.push(
      proposal(runId, AGENTS.audience.id, "linkedin.audience.add", accountId, {
        audienceId: "faults-vp-sales",
        personId: p.personId,
        email: p.email,
        firstName: "Jane",
        lastName: "Doe",
        companyName: `Fault Co ${accountId}`,
        persona: "vp",
      }),
    );
    out.push(
      proposal(runId, AGENTS.crm.id, "crm.update", accountId, {
        operation: "log_engagement",
        decisionId: `${runId}-${accountId}-email`,
        channel: "email",
        personId: p.personId,
        email: p.email,
        subject: "Your pricing research",
        body: draft(accountId).body,
        occurredAt: new Date().toISOString(),
      }),
    );
  });
  for (const accountId of cappedIds) {
    const p = person(accountId);
    out.push(
      proposal(runId, AGENTS.capped.id, "email.send", accountId, {
        to: p.email,
        subject: "Your pricing research",
        ...draft(accountId),
      }),
    );
  }
  return out;
}

/** What one agent saw while getting one proposal decided. */
export interface ProposalLog {
  proposal: Proposal;
  decisionIds: string[];
  /** When the 2xx came (wall clock), to place it on the run's timeline. */
  answeredAt?: number;
  statuses: number[];
  networkErrors: number;
  /** 503s that came without a Retry-After header. */
  unavailableWithoutRetryAfter: number;
  /** Bodies of 5xx other than 503 (what the server said instead of "retry"). */
  errors: string[];
}

/** Propose until the harness answers 2xx (or a 4xx: the proposal itself is wrong); same proposalId every time. */
export async function proposeUntilDecided(
  url: string,
  token: string,
  p: Proposal,
  deadline: number,
  onStatus: (status: number) => void = () => {},
): Promise<ProposalLog> {
  const log: ProposalLog = {
    proposal: p,
    decisionIds: [],
    statuses: [],
    networkErrors: 0,
    unavailableWithoutRetryAfter: 0,
    errors: [],
  };
  while (Date.now() < deadline) {
    let res: Answer;
    try {
      res = await call(url, token, "POST", "/v1/proposals", p);
    } catch {
      log.networkErrors++;
      await sleep(200);
      continue;
    }
    log.statuses.push(res.status);
    onStatus(res.status);
    if (res.status < 300) {
      log.decisionIds.push(res.body.decisionId);
      log.answeredAt = Date.now();
      return log;
    }
    // Rate-limited: not the proposal's fault, ask again when told to.
    if (res.status === 429) {
      await sleep(waitFor(res));
      continue;
    }
    if (res.status < 500) {
      log.errors.push(`${res.status} ${JSON.stringify(res.body)}`);
      return log;
    }
    if (res.status === 503) {
      if (res.retryAfter === null) log.unavailableWithoutRetryAfter++;
      await sleep(waitFor(res));
    } else {
      log.errors.push(`${res.status} ${JSON.stringify(res.body)}`);
      await sleep(500);
    }
  }
  return log;
}

/** A person working the approval queue: approves what they see (one in eight rejected), until stopped. */
export function approver(url: string, token: string) {
  let running = true;
  const counts = { approved: 0, rejected: 0, failedCalls: 0 };
  const loop = (async () => {
    while (running) {
      try {
        const res = await patiently(url, token, "GET", "/v1/approvals?limit=100");
        for (const d of res.status === 200 ? res.body.items : []) {
          const reject =
            [...String(d.proposalId)].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7) %
              REJECT_ONE_IN ===
            0;
          const r = reject
            ? await patiently(url, token, "POST", `/v1/decisions/${d.decisionId}/reject`, {
                note: "fault suite",
              })
            : await patiently(url, token, "POST", `/v1/decisions/${d.decisionId}/approve`, {
                digest: d.payloadDigest,
              });
          if (r.status === 200) counts[reject ? "rejected" : "approved"]++;
        }
      } catch {
        counts.failedCalls++;
      }
      await sleep(250);
    }
  })();
  return {
    counts,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}
