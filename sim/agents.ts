/**
 * The agents of the simulated workspace: every registry agent, unchanged, plus a second email writer
 * running the same Outreach Writer code (same SDK, same propose path, same gate) under another id.
 * The two writers split the day's lead list (by account) and each works with its own hidden quality
 * (sim/truth.ts): a proposal of a writer of quality q is retargeted to someone else at the account
 * with probability (1 − q)/2 and loses its research facts for a generic, unchecked claim with
 * probability 1 − q. Nothing in shared/ knows which writer is which.
 *
 * Learning on or off is the spec's `learning.enabled` (sim/spec.ts), read by the agents and the loops
 * as in any workspace: nothing here hides learned state, so a run with learning off shows the
 * product's own switch at work. Lead lists always rank by the spec's intent weights, as the gate does;
 * a refit reaches both only through the spec (learning/signals.ts).
 */
import type { AgentContext, AgentProposal } from "../shared/agents/context.ts";
import type { AgentDefinition } from "../shared/agents/definition.ts";
import { agentRegistry } from "../shared/agents/registry.ts";
import { outreachWriter } from "../shared/agents/workflows/outreach-writer.ts";
import type { KnowledgeView } from "../shared/kb/view.ts";
import { rngFor } from "./random.ts";
import { CAREFUL_WRITER, type MarketTruth, SLOPPY_WRITER } from "./truth.ts";

/** A claim no research fact supports: what a careless writer adds when it has nothing specific. */
const UNGROUNDED_CLAIM =
  "Teams like yours typically double their pipeline within 90 days of switching to us.";
const TOUCHES = new Set(["email.send", "linkedin.message"]);

/** Which writer works an account: a stable split of the lead list. */
export function writerFor(accountId: string): string {
  let h = 0;
  for (const ch of accountId) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % 2 === 0 ? CAREFUL_WRITER : SLOPPY_WRITER;
}

export function writerContext(
  ctx: AgentContext,
  agentId: string,
  quality: number,
  seed: number,
): AgentContext {
  const kb = Object.create(ctx.kb) as KnowledgeView;
  kb.leadList = async (date) =>
    (await ctx.kb.leadList(date)).filter((e) => writerFor(e.accountId) === agentId);
  return {
    ...ctx,
    kb,
    propose: async (p: AgentProposal) => {
      if (!TOUCHES.has(p.action.type)) return ctx.propose(p);
      const rng = rngFor(seed, "writer", agentId, p.key);
      let next = p;
      if (rng.chance((1 - quality) / 2)) {
        const email = p.action.type === "email.send";
        const others = (await ctx.kb.peopleAt(p.target.accountId)).filter(
          (x) => x.personId !== p.target.personId && (email ? x.email : x.linkedinUrl),
        );
        if (others.length > 0) {
          const o = rng.pick(others);
          next = {
            ...next,
            target: { ...next.target, personId: o.personId },
            payload: { ...next.payload, ...(email ? { to: o.email } : { linkedinUrl: o.linkedinUrl }) },
          };
        }
      }
      if (rng.chance(1 - quality))
        next = {
          ...next,
          payload: {
            ...next.payload,
            groundedOn: [],
            body: `${String(next.payload.body ?? "").trim()} ${UNGROUNDED_CLAIM}`,
          },
        };
      return ctx.propose(next);
    },
  };
}

/** Every agent the simulated workspace runs, the writers wrapped for the truth's qualities. */
export function simAgents(truth: MarketTruth): AgentDefinition[] {
  const wrap = (
    def: AgentDefinition,
    id: string,
    adapt: (ctx: AgentContext) => AgentContext = (c) => c,
  ): AgentDefinition => ({
    ...def,
    id,
    handler: (inv, ctx) => def.handler(inv, adapt(ctx)),
  });
  const writer = (id: string) =>
    wrap(outreachWriter, id, (ctx) => writerContext(ctx, id, truth.agents[id]?.quality ?? 1, truth.seed));
  return [
    ...agentRegistry.map((a) => (a.id === outreachWriter.id ? writer(CAREFUL_WRITER) : wrap(a, a.id))),
    {
      ...writer(SLOPPY_WRITER),
      description: `${outreachWriter.description} (a second writer running the same code)`,
    },
  ];
}
