/**
 * The gate's one batched read, for the functions that check a proposal (the gate) or re-check a
 * decision before dispatch (the Release step and the reviews, usecases/lifecycle.ts). Apart from
 * decision-store.ts so the functions that only move decisions on or record outcomes (the other
 * workflow steps, the executors, the outcome workers, the watchers) do not carry it (issue 11,
 * item 8); in them the base store's readGateContext fails naming this class.
 */
import { counterNames } from "../../domain/checks/volume.ts";
import type { Decision } from "../../domain/decision.ts";
import type { CounterBump, Pause, Touch } from "../../domain/decision-types.ts";
import { CapReachedError, DependencyError } from "../../domain/errors.ts";
import type { Account, Person } from "../../domain/kb.ts";
import { openDecision, ownerOf } from "../../domain/personal-data.ts";
import type { SpecVersion } from "../../domain/spec-schema.ts";
import type { TrustRecord } from "../../learning/trust.ts";
import type { GateReadRequest, GateReadResult, Transition } from "../../ports.ts";
import { counterBump } from "./counter-bump.ts";
import type { DataKeys } from "./data-keys.ts";
import { batchGetAll, type Db, itemId } from "./db.ts";
import { type Item, strip } from "./decision-item.ts";
import { DynamoDecisionStore } from "./decision-store.ts";
import { reviewTallyItem } from "./draft-store.ts";
import { entriesOf } from "./kb-reader.ts";
import { type Key, ledgerKeys, stateKeys } from "./keys.ts";

export class DynamoCheckingDecisionStore extends DynamoDecisionStore {
  override readGateContext(req: GateReadRequest): Promise<GateReadResult> {
    return readGateContext(this.db, this.keys, req);
  }

  /** The functions that check are the ones that review (the reviews API, /mcp, the local runtime). */
  protected override reviewItems(decision: Decision, t: Transition) {
    const tally = t.patch.review && reviewTallyItem(this.db, decision, t.patch.review.action);
    return [...(tally ? [tally] : []), ...(t.addCounters ?? []).map((c) => counterBump(this.db, c))];
  }

  /**
   * An approval's counter that its cap turned away: said as such, naming the full ones (lifecycle.ts
   * approve answers when to approve again). Which are full is read again: a write refused for another
   * reason (a throttle, a condition elsewhere) is not a cap, and stays the error it was.
   */
  override async transition(t: Transition): Promise<Decision> {
    try {
      return await super.transition(t);
    } catch (err) {
      const bumps = t.addCounters ?? [];
      if (!(err instanceof DependencyError) || bumps.length === 0) throw err;
      const keyOf = (c: CounterBump) => stateKeys.counter(c.counter, c.day);
      const found = await batchGetAll(
        this.db,
        bumps.map((c) => ({ table: this.db.tables.state, key: keyOf(c) })),
      );
      const full = bumps.filter((c) => Number(found.get(itemId(keyOf(c)))?.count ?? 0) >= c.cap);
      if (full.length === 0) throw err;
      throw new CapReachedError(full.map((c) => `${c.counter} at its cap of ${c.cap} on ${c.day}`));
    }
  }
}

/** The gate's one batched read itself, for the stores that check (this one, recheck-decision-store.ts). */
export async function readGateContext(db: Db, keys: DataKeys, req: GateReadRequest): Promise<GateReadResult> {
  const s = stateKeys;
  const owner = ownerOf(req);
  const stateKeysWanted: Record<string, Key> = {
    spec: s.specCurrent(),
    account: s.account(req.accountId),
    contact: s.contact(req.accountId),
    trust: s.trust(req.agentId, req.actionType),
    pauseGlobal: s.pauses("global"),
    pauseAgent: s.pauses("agent", req.agentId),
    pauseAccount: s.pauses("account", req.accountId),
    supAccount: s.suppression("account", req.accountId),
    cntAgent: s.counter(counterNames.agent(req.agentId), req.day),
    cntAction: s.counter(counterNames.actionType(req.actionType), req.day),
    // The key that will seal this decision, and whether its person was erased (then it gets none).
    dataKey: s.dataKey(owner),
    ...(req.personId
      ? {
          person: s.person(req.personId),
          supPerson: s.suppression("person", req.personId),
          erased: s.erasedPerson(req.personId),
        }
      : {}),
    ...(req.channel
      ? {
          pauseChannel: s.pauses("channel", req.channel),
          cntChannel: s.counter(counterNames.channel(req.channel), req.day),
        }
      : {}),
  };
  const decisionKey = ledgerKeys.decision(req.decisionId);
  // A list sync's people: each one's suppression, and their record, whose account's is read next.
  const members = [...new Set(req.members ?? [])].map(
    (id) => [id, s.suppression("person", id), s.person(id)] as const,
  );
  const found = await batchGetAll(db, [
    ...[...Object.values(stateKeysWanted), ...members.flatMap(([, sup, p]) => [sup, p])].map((key) => ({
      table: db.tables.state,
      key,
    })),
    { table: db.tables.ledger, key: decisionKey },
  ]);
  const get = (k: Key | undefined) => (k ? found.get(itemId(k)) : undefined);
  const w = stateKeysWanted;
  const contactItem = get(w.contact);
  const pauses = [w.pauseGlobal, w.pauseAgent, w.pauseAccount, w.pauseChannel].flatMap((k) =>
    Object.values((get(k)?.pauses as Record<string, Pause> | undefined) ?? {}),
  );
  const entries = (k: Key | undefined) => entriesOf(get(k));
  const suppressions = [w.supAccount, w.supPerson].flatMap(entries);
  const count = (k: Key | undefined) => (get(k)?.count as number | undefined) ?? 0;
  const specItem = get(w.spec);
  const result: GateReadResult = {
    contact: {
      touches: (contactItem?.touches as Touch[] | undefined) ?? [],
      version: (contactItem?.version as number | undefined) ?? 0,
    },
    pauses,
    suppressions,
    counts: {
      agent: count(w.cntAgent),
      actionType: count(w.cntAction),
      ...(w.cntChannel ? { channel: count(w.cntChannel) } : {}),
    },
  };
  if (req.members) result.suppressedMembers = await suppressedMembers(db, members, get);
  const spec = strip<SpecVersion>(specItem);
  if (spec) result.spec = spec;
  const key = await keys.open(get(w.dataKey), owner);
  result.sealing = { ...(key ? { key } : {}), ...(get(w.erased) ? { ownerErased: true } : {}) };
  const existingItem = get(decisionKey);
  if (existingItem) result.existing = openDecision(strip<Item>(existingItem) as Item, key);
  const account = strip<Account>(get(w.account));
  if (account) result.account = account;
  const person = strip<Person>(get(w.person));
  if (person) result.person = person;
  const trust = strip<TrustRecord>(get(w.trust));
  if (trust) result.trust = trust;
  return result;
}

/**
 * Of a list sync's people, those the suppression list names: by themselves, or by the account their
 * record is at now (an account that asked to stop, merged away or deleted in the CRM). Before, only the
 * person's own entry was read, and the people of an account suppressed while the sync waited for its
 * approval went into the audience.
 */
async function suppressedMembers(
  db: Db,
  members: (readonly [string, Key, Key])[],
  get: (k: Key) => Record<string, unknown> | undefined,
): Promise<string[]> {
  const named = (item: Record<string, unknown> | undefined) => entriesOf(item).length > 0;
  const accountOf = new Map(
    members.flatMap(([id, , p]) => {
      const accountId = get(p)?.accountId;
      return typeof accountId === "string"
        ? [[id, stateKeys.suppression("account", accountId)] as const]
        : [];
    }),
  );
  const found = await batchGetAll(
    db,
    [...accountOf.values()].map((key) => ({ table: db.tables.state, key })),
  );
  return members
    .filter(([id, sup]) => {
      const account = accountOf.get(id);
      return named(get(sup)) || (account !== undefined && named(found.get(itemId(account))));
    })
    .map(([id]) => id);
}
