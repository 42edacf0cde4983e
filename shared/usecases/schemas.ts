/** Bodies and query strings of the HTTP API, validated at the edge. */
import * as z from "zod";
import {
  ActionType,
  Channel,
  DecisionStatus,
  HARNESS_OUTCOMES,
  Id,
  OutcomeType,
  VERDICTS,
} from "../domain/vocabulary.ts";

export const ReviewBody = z
  .object({
    digest: z.string().regex(/^sha256:/, "expected the decision's payloadDigest (sha256:...)"),
    payload: z.record(z.string(), z.unknown()).optional(),
    note: z.string().max(2000).optional(),
  })
  .strict();

export const NoteBody = z.object({ note: z.string().max(2000).optional() }).strict();

export const OutcomeBody = z
  .object({
    outcomeId: z.optional(Id),
    decisionId: z.optional(Id),
    personId: z.optional(Id),
    email: z.email().toLowerCase().optional(),
    type: OutcomeType,
    occurredAt: z.iso.datetime({ offset: true }).optional(),
    note: z.string().max(2000).optional(),
  })
  .strict()
  .refine((o) => o.decisionId || o.personId || o.email, {
    message: "give decisionId, personId or email",
    path: ["decisionId"],
  })
  .refine((o) => !HARNESS_OUTCOMES.includes(o.type), {
    message:
      "silence, record_kept and record_judged are recorded by the harness itself when an action's window closes",
    path: ["type"],
  });
export type OutcomeBody = z.infer<typeof OutcomeBody>;

export const PauseBody = z
  .object({
    scope: z.enum(["global", "agent", "channel", "account"]),
    target: z.string().min(1).max(128).optional(),
    reason: z.string().min(1).max(500),
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .strict()
  .refine((p) => (p.scope === "global") === (p.target === undefined), {
    message: "required for agent, channel and account pauses; not allowed for global",
    path: ["target"],
  })
  .refine((p) => p.scope !== "channel" || Channel.safeParse(p.target).success, {
    message: `expected one of ${Channel.options.join(", ")}`,
    path: ["target"],
  });

export const PinBody = z
  .object({
    level: z.union([z.literal(1), z.literal(2), z.literal(3), z.null()]),
    reason: z.string().min(1).max(500),
  })
  .strict();

export const DecisionListQuery = z
  .object({
    accountId: z.optional(Id),
    personId: z.optional(Id),
    agentId: z.optional(Id),
    status: z.optional(DecisionStatus),
    verdict: z.enum(VERDICTS).optional(),
    specVersion: z.coerce.number().int().min(1).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(25),
    cursor: z.string().max(2000).optional(),
  })
  .strict();

/** `?limit&cursor` of a paginated listing; the cursor is checked (signature, listing) by the store. */
export const pageQuery = (defaultLimit: number) =>
  z
    .object({
      limit: z.coerce.number().int().min(1).max(100).default(defaultLimit),
      cursor: z.string().min(1).max(2000).optional(),
    })
    .strict();

export const ExplainQuery = z
  .object({ personId: z.optional(Id), email: z.email().toLowerCase().optional() })
  .strict()
  .refine((q) => q.personId || q.email, { message: "give personId or email", path: ["personId"] });

export const PathId = Id;
export const PathActionType = ActionType;
