/**
 * Turns raw knowledge-base writes into the events agents subscribe to. Edge-triggered with flags in
 * the store, so an account is announced as in-ICP once and as high-intent once per intent episode.
 */

import { computeIntent } from "../../domain/checks/quality.ts";
import { iso } from "../../domain/time.ts";
import { parseWith } from "../../domain/validation.ts";
import * as z from "../../domain/zod-mini.ts";
import type { AgentKnowledgeStore } from "../../kb/ports.ts";
import type { RecordsView } from "../../kb/records-view.ts";
import { icpTier } from "../../kb/scoring.ts";
import type { Clock, DomainEvent, EventPublisher } from "../../ports.ts";
import { AccountEvent, AGENT_EVENTS, PersonEvent } from "../events.ts";

export interface WatcherDeps {
  clock: Clock;
  events: EventPublisher;
  agentKb: AgentKnowledgeStore;
  view: RecordsView;
}

export const KB_WATCHER_EVENTS = [AGENT_EVENTS.accountPut, AGENT_EVENTS.personPut, AGENT_EVENTS.signalsAdded];

export async function watchKnowledge(deps: WatcherDeps, event: DomainEvent): Promise<void> {
  const at = iso(deps.clock.now());
  if (event.type === AGENT_EVENTS.accountPut) {
    const { accountId } = parseWith(AccountEvent, event.detail);
    await deps.agentKb.indexAccount(accountId);
    const account = await deps.view.account(accountId);
    if (!account) return;
    const tier = icpTier(await deps.view.spec(), account);
    // Tier 3 is a near miss: the gate's ICP check would block any touch, so it is not announced.
    if (
      (tier.tier === 1 || tier.tier === 2) &&
      (await deps.agentKb.setFlagOnce(accountId, "inIcpAnnounced", at))
    )
      await deps.events.publish([
        { type: AGENT_EVENTS.accountInIcp, detail: { accountId, tier: tier.tier } },
      ]);
    await checkIntent(deps, accountId, at);
  } else if (event.type === AGENT_EVENTS.personPut) {
    const { personId, accountId, created } = parseWith(
      z.extend(PersonEvent, { created: z.boolean() }),
      event.detail,
    );
    await deps.agentKb.indexPerson(accountId, personId);
    if (created)
      await deps.events.publish([{ type: AGENT_EVENTS.personCreated, detail: { personId, accountId } }]);
  } else if (event.type === AGENT_EVENTS.signalsAdded) {
    await checkIntent(deps, parseWith(AccountEvent, event.detail).accountId, at);
  }
}

/** High intent is the gate's own bar (spec weights, spec threshold); it re-arms when intent falls away. */
async function checkIntent(deps: WatcherDeps, accountId: string, at: string) {
  const account = await deps.view.account(accountId);
  if (!account) return;
  const spec = await deps.view.spec();
  const intent = computeIntent(spec, account, deps.clock.now());
  if (intent.score >= spec.quality.minIntent) {
    const tier = icpTier(spec, account).tier;
    if (tier !== 1 && tier !== 2) return;
    if (await deps.agentKb.setFlagOnce(accountId, "highIntentSince", at))
      await deps.events.publish([
        { type: AGENT_EVENTS.accountHighIntent, detail: { accountId, intent: intent.score } },
      ]);
  } else if (intent.score < spec.quality.minIntent / 2) {
    const flags = await deps.agentKb.flags(accountId);
    if (flags.highIntentSince) await deps.agentKb.clearFlag(accountId, "highIntentSince");
  }
}
