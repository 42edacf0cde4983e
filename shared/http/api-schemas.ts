/**
 * What the API answers, as zod schemas: the OpenAPI document (openapi.ts) is generated from them and
 * from the request schemas the routes already parse with. Objects are loose: a client must accept
 * fields added later. The type checks at the end of the file hold the main ones to the code's types.
 */

import type { publicDecision } from "../domain/decision.ts";
import type { Pause } from "../domain/decision-types.ts";
import type { SpecVersion } from "../domain/spec-schema.ts";
import { Channel, DecisionStatus, OutcomeType, VERDICTS } from "../domain/vocabulary.ts";
import * as z from "../domain/zod-mini.ts";
import type { describeTrust } from "../usecases/trust.ts";

const d = <T extends z.ZodMiniType>(schema: T, description: string) => schema.check(z.describe(description));
const Instant = d(z.string(), "ISO 8601 instant");
const Level = z.union([z.literal(1), z.literal(2), z.literal(3)]);
const Loose = (description: string) => d(z.looseObject({}), description);
const Str = z.optional(z.string());
const Int = z.number().check(z.int());

/** Every 4xx and 5xx body: a code, a message; 400 names each field at its path. */
export const ErrorBody = z.looseObject({
  error: d(z.string(), "invalid_request, unauthorized, forbidden, not_found, conflict, ..."),
  message: z.string(),
  issues: d(
    z.optional(
      z.array(z.object({ path: d(z.string(), "the field, e.g. signals[2].accountId"), message: z.string() })),
    ),
    "400 only: what is wrong, per field",
  ),
  accepted: d(z.optional(z.array(z.string())), "415 only: the media types the route reads"),
  retryAfter: d(z.optional(z.number()), "429 only: seconds to wait"),
  requestId: Str,
});

export const CheckResult = z.looseObject({
  check: z.string(),
  rule: Str,
  result: z.enum(["pass", "fail", "n/a"]),
  shadow: z.optional(z.boolean()),
  effect: z.optional(z.enum(["block", "defer", "review"])),
  detail: z.string(),
});

/** A decision as the API returns it (domain/decision.ts publicDecision). */
export const PublicDecision = z.looseObject({
  decisionId: z.string(),
  proposalId: z.string(),
  agentId: z.string(),
  actionType: z.string(),
  actionKind: z.enum(["touch", "audience", "record", "unknown"]),
  channel: z.optional(Channel),
  accountId: z.string(),
  personId: Str,
  payload: z.record(z.string(), z.unknown()),
  payloadDigest: z.string(),
  reasoning: z.string(),
  confidence: z.number(),
  claimedSignals: z.optional(z.array(z.string())),
  retryOf: Str,
  verdict: z.enum(VERDICTS),
  status: DecisionStatus,
  checks: z.array(CheckResult),
  reasons: z.array(z.string()),
  shadow: z.optional(z.array(z.looseObject({}))),
  autonomyLevel: Level,
  autonomySource: z.enum(["pinned", "earned", "start", "review"]),
  trustScore: z.number(),
  specVersion: Int,
  specHash: z.string(),
  arm: Str,
  context: z.looseObject({ touchesSeen: z.number() }),
  decidedAt: Instant,
  executeAt: d(z.optional(Instant), "level 2: when it runs unless vetoed"),
  retryAfter: z.optional(Instant),
  expiresAt: d(z.optional(Instant), "level 1: when the approval window closes"),
  idempotencyKey: z.string(),
  review: z.optional(
    z.looseObject({
      action: z.enum(["approved", "edited", "rejected", "vetoed"]),
      by: z.string(),
      at: Instant,
      digest: z.string(),
      note: Str,
    }),
  ),
  execution: z.optional(
    z.looseObject({
      at: Instant,
      idempotencyKey: z.string(),
      externalId: Str,
      error: Str,
      withheld: z.optional(
        z
          .array(z.string())
          .check(
            z.describe(
              "The people a list sync went without: the suppression list named them at its send, since it was proposed.",
            ),
          ),
      ),
    }),
  ),
  outcomes: z.array(z.looseObject({ type: OutcomeType, at: Instant, outcomeId: Str })),
  version: Int,
  updatedAt: Instant,
  erased: z.optional(z.literal(true)),
});

export const LedgerEventOut = z.looseObject({
  stream: z.string(),
  seq: Int,
  type: z.string(),
  at: Instant,
  actor: z.string(),
  from: Str,
  to: Str,
  detail: z.string(),
  data: z.optional(z.record(z.string(), z.unknown())),
});

export const DecisionWithEvents = z.extend(PublicDecision, { events: z.array(LedgerEventOut) });
export const ProposalResult = z.extend(PublicDecision, {
  replay: d(z.boolean(), "true when this answers a proposal already decided (same idempotency key)"),
});

/** `{items, cursor}`: pass `cursor` back for the next page; null on the last one. */
export const page = <T extends z.core.SomeType>(item: T) =>
  z.looseObject({ items: z.array(item), cursor: z.nullable(z.string()) });
export const list = <T extends z.core.SomeType>(item: T) => z.looseObject({ items: z.array(item) });

export const TrustView = z.looseObject({
  agentId: z.string(),
  actionType: z.string(),
  score: z.number(),
  lowerBound: z.number(),
  sample: z.number(),
  earnedLevel: Level,
  pinnedLevel: z.nullable(Level),
  effectiveLevel: z.nullable(Level),
  maxLevel: z.nullable(Level),
  updatedAt: Instant,
});

export const SpecVersionOut = z.looseObject({
  version: Int,
  hash: z.string(),
  publishedAt: Instant,
  publishedBy: z.string(),
  spec: Loose("the spec (see harness spec validate; spec-schema.ts)"),
});

export const PauseOut = z.looseObject({
  pauseId: z.string(),
  scope: z.enum(["global", "agent", "channel", "account"]),
  target: Str,
  reason: z.string(),
  createdBy: z.string(),
  createdAt: Instant,
  until: z.optional(Instant),
});

export const Health = z.object({ status: z.literal("ok"), time: Instant });
export const ExplainOut = d(
  z.looseObject({ personId: Str, summary: Str }),
  "Why the harness contacted (or held back from) a person: decisions in plain words",
);
export const OutcomeResult = Loose("The outcome as recorded and the decision it was linked to");
export const AccountOut = Loose("The account as stored, with its recent signals");
export const PersonOut = Loose("The person as stored");
export const Accepted = z.looseObject({ accepted: Int });
export const SuppressionResult = z.looseObject({ appliedTo: z.array(z.string()) });
export const Lifted = z.looseObject({ lifted: PauseOut });
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
type Fits<Actual, Schema extends z.core.$ZodType> = Actual extends Plain<z.input<Schema>> ? true : never;
const fits = <T extends true>(_proof: T) => undefined;
fits<Fits<ReturnType<typeof publicDecision>, typeof PublicDecision>>(true);
fits<Fits<ReturnType<typeof describeTrust>, typeof TrustView>>(true);
fits<Fits<SpecVersion, typeof SpecVersionOut>>(true);
fits<Fits<Pause, typeof PauseOut>>(true);
