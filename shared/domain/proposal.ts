import * as z from "zod";
import { ActionType, Channel, Id } from "./vocabulary.ts";

/**
 * What an agent asks the harness to do. Untrusted input: the gate never takes the proposal's word for
 * who the target is, what they do or how much intent they show; it reads the knowledge base.
 */
export const ProposalInput = z
  .object({
    proposalId: Id,
    agentId: Id,
    action: z.object({ type: ActionType, channel: z.optional(Channel) }).strict(),
    target: z.object({ accountId: Id, personId: z.optional(Id) }).strict(),
    payload: z.record(z.string(), z.unknown()).default({}),
    reasoning: z.string().min(1).max(4000),
    confidence: z.number().min(0).max(1),
    /** Signals the agent says it saw. Recorded for the audit, never used to decide. */
    signals: z.array(z.string().max(500)).max(50).optional(),
    /** Set by the runtime when re-proposing a deferred proposal. */
    retryOf: z.optional(Id),
  })
  .strict()
  .refine((p) => JSON.stringify(p.payload).length <= 32_000, {
    message: "payload is too large (max 32 KB)",
    path: ["payload"],
  });
export type Proposal = z.infer<typeof ProposalInput>;
