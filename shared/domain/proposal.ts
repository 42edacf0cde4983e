import { ActionType, Channel, Id } from "./vocabulary.ts";
import * as z from "./zod-mini.ts";

/**
 * What an agent asks the harness to do. Untrusted input: the gate never takes the proposal's word for
 * who the target is, what they do or how much intent they show; it reads the knowledge base.
 */
export const ProposalInput = z
  .strictObject({
    proposalId: Id,
    agentId: Id,
    action: z.strictObject({ type: ActionType, channel: z.optional(Channel) }),
    target: z.strictObject({ accountId: Id, personId: z.optional(Id) }),
    payload: z._default(z.record(z.string(), z.unknown()), {}),
    reasoning: z.string().check(z.minLength(1), z.maxLength(4000)),
    confidence: z.number().check(z.gte(0), z.lte(1)),
    /** Signals the agent says it saw. Recorded for the audit, never used to decide. */
    signals: z.optional(z.array(z.string().check(z.maxLength(500))).check(z.maxLength(50))),
    /** Set by the runtime when re-proposing a deferred proposal. */
    retryOf: z.optional(Id),
  })
  .check(
    z.refine((p) => JSON.stringify(p.payload).length <= 32_000, {
      message: "payload is too large (max 32 KB)",
      path: ["payload"],
    }),
  );
export type Proposal = z.infer<typeof ProposalInput>;
