import { channelsClearToday, touchChannels } from "../../domain/checks/workable.ts";
import type { Account } from "../../domain/kb.ts";
import type { Spec } from "../../domain/spec-schema.ts";
import type { AgentContext } from "../context.ts";
import { defineAgent } from "../definition.ts";
import { CONTACTABLE, workspaceDate } from "./common.ts";

const TIER_BONUS: Record<string, number> = { 1: 20, 2: 10, 3: 0 };

/** Intent before the cap of 100: the gate's weights and counts (see the agent's comment). */
export const uncappedIntent = (counted: readonly { count: number; weight: number }[]) =>
  counted.reduce((s, c) => s + c.count * c.weight, 0);

/**
 * Lead List Builder: every weekday morning at 6:00 (workspace time) rank every account by intent (the
 * spec's signal weights, the gate's) and ICP tier, and give each SDR a prioritised list no longer than
 * the spec's accounts-per-owner cap. Each listed account is one proposal, so "why is this account on my
 * list?" has a decision with a trace. No lists on weekends: nobody works them (the writer runs Monday to
 * Friday), and Friday's list stays in force until Monday (`listDate`).
 *
 * The ranking uses intent before its cap of 100 (Σ weight × count over the spec's windows). The cap is
 * the gate's scale: "intent ≥ minIntent" and what a person reads. But in a busy market hundreds of
 * accounts reach 100 on the same day, and ranking on the capped score would order them by account id,
 * so the weights (and a refit of them) could not say who goes first among the hottest accounts. The
 * same weights as the gate's, only not flattened at the top.
 *
 * A list holds only accounts that can be worked today: an account the spec's coordination rules keep
 * from any touch until tomorrow (emailed and messaged this week, inside every channel's cooldown) is
 * passed over for the next one in rank (domain/checks/workable.ts asks the gate's own rules). Without
 * this, the hottest accounts, which stay hot for weeks, held most of each list on days nobody could
 * contact them, and the SDR's places went unused (seed 102 of the demo: 320 places a day, about 110
 * touches).
 */
export const leadListBuilder = defineAgent({
  id: "lead-list-builder",
  description:
    "Weekdays 6:00 (workspace time zone): prioritized SDR target lists by intent and ICP tier, respecting accounts-per-SDR caps.",
  trigger: {
    kind: "schedule",
    cron: "0 6 * * 1-5",
    description: "weekdays at 06:00 in the workspace time zone",
  },
  actions: ["crm.update"],
  handler: async (inv, ctx) => {
    if (inv.kind === "event") return;
    const spec = await ctx.kb.spec();
    const now = ctx.clock.now();
    const date = workspaceDate(spec, now);
    const ids = await ctx.kb.accountIds();
    if (ids.length === 0) return ctx.log("the knowledge base has no accounts yet");
    const accounts = await ctx.kb.accounts(ids);
    const floor = Math.round(spec.quality.minIntent * 0.75);
    const cap = spec.volume.accountsPerOwnerPerDay ?? 40;
    const byOwner = new Map<
      string,
      { account: Account; score: number; intent: number; tier: 1 | 2 | 3; why: string }[]
    >();
    for (const account of accounts) {
      const tier = await ctx.kb.tier(account);
      // Near misses (tier 3) stay off SDR lists: the gate's ICP check would block their outreach.
      if (tier.tier !== 1 && tier.tier !== 2) continue;
      const intent = await ctx.kb.intent(account);
      if (intent.score < floor) continue;
      const owner = account.ownerId ?? "unassigned";
      const list = byOwner.get(owner) ?? [];
      list.push({
        account,
        tier: tier.tier,
        intent: intent.score,
        score: uncappedIntent(intent.counted) + (TIER_BONUS[tier.tier] ?? 0),
        why: `intent ${intent.score} (${intent.counted.map((c) => `${c.type} ×${c.count}`).join(", ")}), ICP tier ${tier.tier} (${tier.reasons.join(", ")})`,
      });
      byOwner.set(owner, list);
    }
    for (const [owner, list] of [...byOwner].sort(([a], [b]) => a.localeCompare(b))) {
      list.sort((a, b) => b.score - a.score || a.account.accountId.localeCompare(b.account.accountId));
      const { kept, passedOver, withdrawn } = await workableToday(ctx, spec, list, cap, now, (account) =>
        targetsAt(ctx, spec, account),
      );
      for (const [i, item] of kept.entries()) {
        const contacts = item.contacts;
        await ctx.propose({
          key: `lead-list:${date}:${item.account.accountId}`,
          action: { type: "crm.update" },
          target: { accountId: item.account.accountId },
          payload: {
            operation: "lead_list",
            accountId: item.account.accountId,
            domain: item.account.domain,
            listId: `leads-${owner}-${date}`,
            date,
            ownerId: owner,
            rank: i + 1,
            tier: item.tier,
            intent: item.intent,
            contacts,
          },
          reasoning: `#${i + 1} of ${kept.length} on ${owner}'s list for ${date}: ${item.why}${passedOver > 0 ? `; ${passedOver} account(s) ranked above this list's last entry passed over: the coordination rules allow them no touch today` : ""}${withdrawn > 0 ? `; ${withdrawn} account(s) left off: the suppression list names them or all their people` : ""}${list.length - passedOver - withdrawn > cap ? `; ${list.length - passedOver - withdrawn - cap} more accounts left off by the cap of ${cap} per SDR` : ""}.`,
          confidence: 0.9,
          signals: [`intent ${item.intent}`, `tier ${item.tier}`],
        });
      }
    }
  },
});

/**
 * The qualified contacts of a listed account, less whoever asked us to stop: they stay off the SDRs'
 * lists and the HubSpot lists synced from them. Undefined when the suppression list names the
 * account, or everyone on file there: such an account takes no place on a list. An account with
 * nobody on file yet is otherwise listed as before, with no contacts.
 */
async function targetsAt(
  ctx: AgentContext,
  spec: Spec,
  account: Account,
): Promise<{ personId: string; email: string }[] | undefined> {
  const people = await ctx.kb.peopleAt(account.accountId);
  const { account: named, people: blocked } = await ctx.kb.doNotTargetAt(
    account.accountId,
    people.map((p) => p.personId),
  );
  if (named || (people.length > 0 && blocked.size === people.length)) return undefined;
  const open = people.filter((p) => !blocked.has(p.personId));
  const classes = await ctx.kb.classifications(open.map((p) => p.personId));
  return open
    .filter((p) => CONTACTABLE.includes(ctx.kb.personaOf(spec, p, classes.get(p.personId)).role))
    .map((p) => ({ personId: p.personId, email: p.email }));
}

/** Candidates read per batch while filling a list: most lists fill from the first one or two. */
const BATCH = 50;

/**
 * The first `cap` of `ranked` (best first) that some touch channel is clear for today and `listed`
 * gives contacts for, reading the accounts' touches a batch at a time; `passedOver`: how many ranked
 * above the last one kept had no channel clear (the list's, said on each entry: an entry's own rank
 * may be above some of them); `withdrawn`: how many had one, but `listed` none (targetsAt).
 */
async function workableToday<T extends { account: Account }, C>(
  ctx: AgentContext,
  spec: Spec,
  ranked: T[],
  cap: number,
  now: number,
  /** What a kept account lists; undefined: it takes no place (targetsAt). */
  listed: (account: Account) => Promise<C | undefined>,
): Promise<{ kept: (T & { contacts: C })[]; passedOver: number; withdrawn: number }> {
  const channels = touchChannels(spec);
  const kept: (T & { contacts: C })[] = [];
  let withdrawn = 0;
  let passedOver = 0;
  for (let i = 0; i < ranked.length && kept.length < cap; i += BATCH) {
    const batch = ranked.slice(i, i + BATCH);
    const touches = await ctx.kb.touchesOf(batch.map((x) => x.account.accountId));
    for (const item of batch) {
      if (kept.length >= cap) break;
      const clear = channelsClearToday(
        spec,
        touches.get(item.account.accountId) ?? [],
        now,
        item.account.timezone,
        channels,
      );
      if (clear.length === 0) {
        passedOver++;
        continue;
      }
      const contacts = await listed(item.account);
      if (contacts !== undefined) kept.push({ ...item, contacts });
      else withdrawn++;
    }
  }
  return { kept, passedOver, withdrawn };
}
