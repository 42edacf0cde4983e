/** Bodies and query strings of the HTTP API, validated at the edge. */

import {
  ActionType,
  Channel,
  DecisionStatus,
  HARNESS_OUTCOMES,
  Id,
  OutcomeType,
  REVIEW_OUTCOMES,
  VERDICTS,
} from "../domain/vocabulary.ts";
import * as z from "../domain/zod-mini.ts";

const Note = z.optional(z.string().check(z.maxLength(2000)));
const Reason = z.string().check(z.minLength(1), z.maxLength(500));
const At = z.iso.datetime({ offset: true });

export const ReviewBody = z.strictObject({
  digest: z.string().check(z.regex(/^sha256:/, "expected the decision's payloadDigest (sha256:...)")),
  payload: z.optional(z.record(z.string(), z.unknown())),
  note: Note,
});

export const NoteBody = z.strictObject({ note: Note });

/** POST /v1/decisions/{id}/settle: what a person found of an action left in doubt (settle-in-doubt.ts). */
export const SettleBody = z
  .strictObject({
    wentOut: z.boolean(),
    externalId: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
    note: Reason,
  })
  .check(
    z.refine((b) => b.wentOut || b.externalId === undefined, {
      message: "only for an action that went out (wentOut: true)",
      path: ["externalId"],
    }),
  );

export const OutcomeBody = z
  .strictObject({
    outcomeId: z.optional(Id),
    decisionId: z.optional(Id),
    personId: z.optional(Id),
    email: z.optional(z.email().check(z.toLowerCase())),
    type: OutcomeType,
    occurredAt: z.optional(At),
    note: Note,
  })
  .check(
    z.refine((o) => o.decisionId || o.personId || o.email, {
      message: "give decisionId, personId or email",
      path: ["decisionId"],
    }),
    z.refine((o) => !HARNESS_OUTCOMES.includes(o.type), {
      message: `${HARNESS_OUTCOMES.join(", ")} are recorded by the harness itself (a window closes, the gate judges a draft, a meeting with a contact a record agent found)`,
      path: ["type"],
    }),
    z.refine((o) => !REVIEW_OUTCOMES.includes(o.type), {
      message: `${REVIEW_OUTCOMES.join(", ")} are recorded by reviewing the decision (approve, edit, reject or veto it)`,
      path: ["type"],
    }),
  );
export type OutcomeBody = z.infer<typeof OutcomeBody>;

export const PauseBody = z
  .strictObject({
    scope: z.enum(["global", "agent", "channel", "account"]),
    target: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    reason: Reason,
    until: z.optional(At),
  })
  .check(
    z.refine((p) => (p.scope === "global") === (p.target === undefined), {
      message: "required for agent, channel and account pauses; not allowed for global",
      path: ["target"],
    }),
    z.refine((p) => p.scope !== "channel" || Channel.safeParse(p.target).success, {
      message: `expected one of ${Channel.options.join(", ")}`,
      path: ["target"],
    }),
  );

export const PinBody = z.strictObject({
  level: z.union([z.literal(1), z.literal(2), z.literal(3), z.null()]),
  reason: Reason,
});

const Limit = (fallback: number) =>
  z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), fallback);

export const DecisionListQuery = z.strictObject({
  accountId: z.optional(Id),
  personId: z.optional(Id),
  agentId: z.optional(Id),
  status: z.optional(DecisionStatus),
  verdict: z.optional(z.enum(VERDICTS)),
  specVersion: z.optional(z.coerce.number().check(z.int(), z.gte(1))),
  limit: Limit(25),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
});

/** `?limit&cursor` of a paginated listing; the cursor is checked (signature, listing) by the store. */
export const pageQuery = (defaultLimit: number) =>
  z.strictObject({
    limit: Limit(defaultLimit),
    cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2000))),
  });

export const ExplainQuery = z
  .strictObject({ personId: z.optional(Id), email: z.optional(z.email().check(z.toLowerCase())) })
  .check(z.refine((q) => q.personId || q.email, { message: "give personId or email", path: ["personId"] }));

export const PathId = Id;
export const PathActionType = ActionType;
