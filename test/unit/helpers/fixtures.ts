/**
 * Builders for the pure core's inputs: the shipped default spec, knowledge-base records, proposals,
 * touches and whole gate contexts. Every builder takes overrides so a test states only what it is about.
 */
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { Decision } from "../../../shared/domain/decision.ts";
import type { Evaluation, GateContext, Pause, Touch } from "../../../shared/domain/decision-types.ts";
import type { Account, Person, Signal, SuppressionEntry } from "../../../shared/domain/kb.ts";
import type { Proposal } from "../../../shared/domain/proposal.ts";
import { parseSpec } from "../../../shared/domain/spec-loader.ts";
import type { Spec, SpecVersion } from "../../../shared/domain/spec-schema.ts";
import { parseSpecText } from "../../../shared/domain/spec-text.ts";
import { HOUR } from "../../../shared/domain/time.ts";
import type { TrustRecord } from "../../../shared/learning/trust.ts";
import { buildDecision } from "../../../shared/usecases/gate.ts";

export const MINUTE = 60_000;
export { DAY, HOUR } from "../../../shared/domain/time.ts";

/** Epoch milliseconds of an ISO instant (always write the offset or Z). */
export const t = (isoText: string): number => {
  const ms = Date.parse(isoText);
  if (Number.isNaN(ms)) throw new Error(`bad instant ${isoText}`);
  return ms;
};

export const defaultSpecText = readFileSync(
  new URL("../../../shared/specs/default.yaml", import.meta.url),
  "utf8",
);

/** The shipped default spec, parsed and validated. */
export const defaultSpec = (): Spec => parseSpecText(defaultSpecText);

/** The default spec's raw YAML document as a plain object, for building (possibly invalid) variants. */
export const rawDefaultSpec = (): Record<string, any> => parseYaml(defaultSpecText) as Record<string, any>;

/** A valid spec built from the default one by editing its raw document, then validated again. */
export function specWith(edit: (raw: Record<string, any>) => void): Spec {
  const raw = rawDefaultSpec();
  edit(raw);
  return parseSpec(raw);
}

/** The default spec with its coordination rules replaced by exactly these (others default to none). */
export const specWithCoordination = (coordination: Record<string, unknown>): Spec =>
  specWith((raw) => {
    raw.coordination = coordination;
  });

/**
 * A version of `spec`. Its hash is unique to this call: the gate prepares a spec once per hash
 * (domain/prepared-spec.ts), so two versions of different specs must never share one ("h" for all did).
 * A counter rather than specHash: property tests build thousands of versions, and hashing costs more.
 */
let versions = 0;
export const version = (spec: Spec = defaultSpec(), v = 1): SpecVersion => ({
  version: v,
  hash: `test-${++versions}`,
  publishedAt: "2026-01-01T00:00:00.000Z",
  publishedBy: "t",
  spec,
});

/** Tuesday 2026-03-17, 10:00 in New York (EDT, UTC-4): a working hour on a working day. */
export const NOW = t("2026-03-17T14:00:00Z");

/** Three pricing-page visits in the last three days: intent 75 under the default weights. */
export const pricingVisits = (now: number, n = 3): Signal[] =>
  Array.from({ length: n }, (_, i) => ({
    type: "pricing_page_visit",
    occurredAt: new Date(now - (i + 1) * 20 * HOUR).toISOString(),
    personId: "jane",
  }));

export function account(over: Partial<Account> = {}): Account {
  return {
    accountId: "acme",
    name: "Acme Analytics",
    domain: "acme.io",
    industry: "Software",
    employees: 250,
    country: "US",
    timezone: "America/New_York",
    lifecycle: "prospect",
    signals: pricingVisits(NOW),
    updatedAt: "2026-03-01T00:00:00.000Z",
    ...over,
  };
}

export function person(over: Partial<Person> = {}): Person {
  return {
    personId: "jane",
    accountId: "acme",
    email: "jane@acme.io",
    firstName: "Jane",
    lastName: "Doe",
    title: "VP Sales",
    updatedAt: "2026-03-01T00:00:00.000Z",
    ...over,
  };
}

export const GOOD_BODY =
  "Hi Jane, I saw your team comparing plans this week. Happy to share how similar teams rolled out in two weeks.";

export function proposal(over: Partial<Proposal> = {}): Proposal {
  return {
    proposalId: "p-1",
    agentId: "writer",
    action: { type: "email.send" },
    target: { accountId: "acme", personId: "jane" },
    payload: { subject: "Your pricing research", body: GOOD_BODY },
    reasoning: "Three pricing page visits this week from the VP Sales.",
    confidence: 0.9,
    ...over,
  };
}

export const linkedinProposal = (over: Partial<Proposal> = {}): Proposal =>
  proposal({ proposalId: "p-li", agentId: "linkedin-bot", action: { type: "linkedin.message" }, ...over });

/** An executed (point) touch unless from/to/expiresAt say otherwise. */
export function touch(over: Partial<Touch> & { at?: number } = {}): Touch {
  const { at, ...rest } = over;
  const when = at ?? NOW - 2 * HOUR;
  return {
    decisionId: "d-prev",
    agentId: "other-agent",
    actionType: "email.send",
    channel: "email",
    personId: "jane",
    from: when,
    to: when,
    ...rest,
  };
}

export function pause(over: Partial<Pause> = {}): Pause {
  return {
    pauseId: "pause-1",
    scope: "global",
    reason: "incident",
    createdBy: "ops@example.com",
    createdAt: "2026-03-01T00:00:00.000Z",
    ...over,
  };
}

export function suppression(over: Partial<SuppressionEntry> = {}): SuppressionEntry {
  return {
    kind: "person",
    value: "jane",
    reason: "asked not to be contacted",
    createdAt: "2026-03-01T00:00:00.000Z",
    ...over,
  };
}

export function trust(over: Partial<TrustRecord> = {}): TrustRecord {
  return {
    agentId: "writer",
    actionType: "email.send",
    successes: 0,
    failures: 0,
    earnedLevel: 1,
    updatedAt: NOW,
    version: 1,
    ...over,
  };
}

/** A context in which the default email proposal passes every check (verdict require_approval at level 1). */
export function ctx(over: Partial<GateContext> = {}): GateContext {
  return {
    now: NOW,
    spec: version(),
    proposal: proposal(),
    account: account(),
    person: person(),
    touches: [],
    counts: { agent: 0, channel: 0, actionType: 0 },
    pauses: [],
    suppressions: [],
    ...over,
  };
}

/**
 * The decision the gate keeps for a context's proposal and its evaluation, with the facts a replay
 * rebuilds that context from (domain/replay-facts.ts).
 */
export function decisionOf(c: GateContext, e: Evaluation, decisionId: string): Decision {
  return buildDecision(decisionId, c.proposal, c.spec, c, e, c.now, c.touches.length);
}
