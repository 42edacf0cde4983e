/**
 * What the API answers, as zod schemas: the OpenAPI document (openapi.ts) is generated from them and
 * from the request schemas the routes already parse with. Objects are `.loose()`: a client must accept
 * fields added later. The type checks at the end of the file hold the main ones to the code's types.
 */
import * as z from "zod";
import type { publicDecision } from "../domain/decision.ts";
import type { Pause } from "../domain/decision-types.ts";
import type { SpecVersion } from "../domain/spec-schema.ts";
import { Channel, DecisionStatus, OutcomeType, VERDICTS } from "../domain/vocabulary.ts";
import type { describeTrust } from "../usecases/trust.ts";

const Instant = z.string().describe("ISO 8601 instant");
const Level = z.union([z.literal(1), z.literal(2), z.literal(3)]);
const Loose = (description: string) => z.object({}).loose().describe(description);

/** Every 4xx and 5xx body: a code, a message; 400 names each field at its path. */
export const ErrorBody = z
  .object({
    error: z.string().describe("invalid_request, unauthorized, forbidden, not_found, conflict, ..."),
    message: z.string(),
    issues: z
      .array(
        z.object({ path: z.string().describe("the field, e.g. signals[2].accountId"), message: z.string() }),
      )
      .optional()
      .describe("400 only: what is wrong, per field"),
    accepted: z.array(z.string()).optional().describe("415 only: the media types the route reads"),
    retryAfter: z.number().optional().describe("429 only: seconds to wait"),
    requestId: z.string().optional(),
  })
  .loose();

export const CheckResult = z
  .object({
    check: z.string(),
    rule: z.string().optional(),
    result: z.enum(["pass", "fail", "n/a"]),
    shadow: z.boolean().optional(),
    effect: z.enum(["block", "defer", "review"]).optional(),
    detail: z.string(),
  })
  .loose();

/** A decision as the API returns it (domain/decision.ts publicDecision). */
export const PublicDecision = z
  .object({
    decisionId: z.string(),
    proposalId: z.string(),
    agentId: z.string(),
    actionType: z.string(),
    actionKind: z.enum(["touch", "audience", "record", "unknown"]),
    channel: z.optional(Channel),
    accountId: z.string(),
    personId: z.string().optional(),
    payload: z.record(z.string(), z.unknown()),
    payloadDigest: z.string(),
    reasoning: z.string(),
    confidence: z.number(),
    claimedSignals: z.array(z.string()).optional(),
    retryOf: z.string().optional(),
    verdict: z.enum(VERDICTS),
    status: DecisionStatus,
    checks: z.array(CheckResult),
    reasons: z.array(z.string()),
    shadow: z.array(z.object({}).loose()).optional(),
    autonomyLevel: Level,
    autonomySource: z.enum(["pinned", "earned", "start", "review"]),
    trustScore: z.number(),
    specVersion: z.number().int(),
    specHash: z.string(),
    arm: z.string().optional(),
    context: z.object({ touchesSeen: z.number() }).loose(),
    decidedAt: Instant,
    executeAt: Instant.optional().describe("level 2: when it runs unless vetoed"),
    retryAfter: Instant.optional(),
    expiresAt: Instant.optional().describe("level 1: when the approval window closes"),
    idempotencyKey: z.string(),
    review: z
      .object({
        action: z.enum(["approved", "edited", "rejected", "vetoed"]),
        by: z.string(),
        at: Instant,
        digest: z.string(),
        note: z.string().optional(),
      })
      .loose()
      .optional(),
    execution: z
      .object({
        at: Instant,
        idempotencyKey: z.string(),
        externalId: z.string().optional(),
        error: z.string().optional(),
      })
      .loose()
      .optional(),
    outcomes: z.array(z.object({ type: OutcomeType, at: Instant, outcomeId: z.string().optional() }).loose()),
    version: z.number().int(),
    updatedAt: Instant,
    erased: z.literal(true).optional(),
  })
  .loose();

export const LedgerEventOut = z
  .object({
    stream: z.string(),
    seq: z.number().int(),
    type: z.string(),
    at: Instant,
    actor: z.string(),
    from: z.string().optional(),
    to: z.string().optional(),
    detail: z.string(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

export const DecisionWithEvents = PublicDecision.extend({ events: z.array(LedgerEventOut) });
export const ProposalResult = PublicDecision.extend({
  replay: z.boolean().describe("true when this answers a proposal already decided (same idempotency key)"),
});

/** `{items, cursor}`: pass `cursor` back for the next page; null on the last one. */
export const page = <T extends z.core.SomeType>(item: T) =>
  z.object({ items: z.array(item), cursor: z.string().nullable() }).loose();
export const list = <T extends z.core.SomeType>(item: T) => z.object({ items: z.array(item) }).loose();

export const TrustView = z
  .object({
    agentId: z.string(),
    actionType: z.string(),
    score: z.number(),
    lowerBound: z.number(),
    sample: z.number(),
    earnedLevel: Level,
    pinnedLevel: Level.nullable(),
    effectiveLevel: Level.nullable(),
    maxLevel: Level.nullable(),
    updatedAt: Instant,
  })
  .loose();

export const SpecVersionOut = z
  .object({
    version: z.number().int(),
    hash: z.string(),
    publishedAt: Instant,
    publishedBy: z.string(),
    spec: Loose("the spec (see harness spec validate; spec-schema.ts)"),
  })
  .loose();

export const PauseOut = z
  .object({
    pauseId: z.string(),
    scope: z.enum(["global", "agent", "channel", "account"]),
    target: z.string().optional(),
    reason: z.string(),
    createdBy: z.string(),
    createdAt: Instant,
    until: Instant.optional(),
  })
  .loose();

export const Health = z.object({ status: z.literal("ok"), time: Instant });
export const ExplainOut = z
  .object({ personId: z.string().optional(), summary: z.string().optional() })
  .loose()
  .describe("Why the harness contacted (or held back from) a person: decisions in plain words");
export const OutcomeResult = Loose("The outcome as recorded and the decision it was linked to");
export const AccountOut = Loose("The account as stored, with its recent signals");
export const PersonOut = Loose("The person as stored");
export const Accepted = z.object({ accepted: z.number().int() }).loose();
export const SuppressionResult = z.object({ appliedTo: z.array(z.string()) }).loose();
export const Lifted = z.object({ lifted: PauseOut }).loose();
export const ClockOut = z.object({ now: Instant });
export const AgentRun = Loose("What the agent run did (agent-specific)");
export const ErasureOut = Loose("What was erased: counts, never the erased data");
export const LedgerVerifyOut = Loose("Per chain: ok or the first break; digests checked");
export const LedgerDigestOut = Loose("The digest written: chain heads and their hash");
export const ReplayOut = Loose("The proposed spec re-deciding recorded decisions: verdicts that would flip");
export const OutcomesReportOut = Loose("Outcomes per spec version or experiment arm, with Wilson intervals");
export const DraftOut = Loose("A draft rule in shadow, confirmed or discarded (domain/drafts.ts)");
export const FlipsOut = Loose("A shadow rule's flip set: decisions the rule would have changed, and totals");

// The schemas above must describe what the code returns: these fail to compile when a type drifts.
// Loose objects carry an index signature, which interfaces lack: compared without it, field by field.
type Plain<T> = T extends readonly (infer U)[]
  ? Plain<U>[]
  : T extends object
    ? { [K in keyof T as string extends K ? never : K]: Plain<T[K]> }
    : T;
type Fits<Actual, Schema extends z.ZodType> = Actual extends Plain<z.input<Schema>> ? true : never;
const fits = <T extends true>(_proof: T) => undefined;
fits<Fits<ReturnType<typeof publicDecision>, typeof PublicDecision>>(true);
fits<Fits<ReturnType<typeof describeTrust>, typeof TrustView>>(true);
fits<Fits<SpecVersion, typeof SpecVersionOut>>(true);
fits<Fits<Pause, typeof PauseOut>>(true);
