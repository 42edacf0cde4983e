/**
 * The gate's side of the decision store: its one transaction (the decision, its first event, the
 * contact state, the counters, the due item and the shadow rules' flips). Apart from decision-store.ts
 * so the functions that only move decisions on (the workflow steps, executors, reviews and outcome
 * workers) carry neither it nor the counter and flip items it writes (issue 11, item 8).
 *
 * Two stores commit, each the gate's transaction (`withGateCommit`) over a store with the gate's read:
 * the proposals function's over the core, which lists nothing and counts no review
 * (recheck-decision-store.ts), and the one of /mcp and the local runtime over the full checking store
 * (gate-read.ts), whose other routes list decisions and review them. Both are marked pure: a bundle
 * keeps the one it builds, and the store beneath it.
 */
import { TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { erasedDecision, ownerOf, sealDecision } from "../../domain/personal-data.ts";
import type { CommitConflict, DecisionCommit } from "../../ports.ts";
import { counterBump } from "./counter-bump.ts";
import { absentCheck, failedConditions } from "./db.ts";
import type { DynamoDecisionCore, Item, TransactItem } from "./decision-store.ts";
import { flipItems } from "./flip-store.ts";
import { DynamoCheckingDecisionStore } from "./gate-read.ts";
import { stateKeys } from "./keys.ts";
import { chainWithRecord, prevHashAfter } from "./ledger-heads.ts";
import { DynamoRecheckDecisionStore } from "./recheck-decision-store.ts";

/** DynamoDB's limit on the items of one TransactWriteItems. */
const MAX_TRANSACT_ITEMS = 100;

// A mixin's constructor must take `...args: any[]` (TypeScript's rule for mixin classes).
// biome-ignore lint/suspicious/noExplicitAny: see above
type StoreClass = abstract new (...args: any[]) => DynamoDecisionCore;

/** The gate's transaction over a decision store that reads the gate's context. */
export function withGateCommit<B extends StoreClass>(Base: B) {
  abstract class GateCommit extends Base {
    override async commitDecision(
      commit: DecisionCommit,
    ): Promise<{ ok: true } | { ok: false; conflict: CommitConflict }> {
      const { decision, event } = commit;
      // A person (or account) seen for the first time gets a data key in this same transaction; a
      // concurrent first decision about them makes one of the two fail on the key's condition and decide
      // again. Someone already erased gets no key: their decision is stored without personal fields.
      const owner = ownerOf(decision);
      let key = commit.sealing?.key;
      let newKey: Item | undefined;
      if (!key && !commit.sealing?.ownerErased) {
        const created = await this.keys.create(owner);
        key = created.key;
        newKey = created.item;
      }
      // The decision's first event chains from genesis: no read, the gate keeps its one transaction.
      // It carries the hash of the decision record as stored, and the record records it as its head.
      const { record, event: first } = chainWithRecord(
        this.decisionItem(key ? sealDecision(decision, key) : erasedDecision(decision)),
        this.eventItem(event, owner, key),
        prevHashAfter(undefined),
      );
      const items: TransactItem[] = [
        {
          Put: {
            TableName: this.db.tables.ledger,
            Item: record,
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        { Put: { TableName: this.db.tables.ledger, Item: first } },
      ];
      const kinds: (CommitConflict | undefined)[] = [{ kind: "exists" }, undefined];
      if (newKey) {
        items.push({
          Put: {
            TableName: this.db.tables.state,
            Item: newKey,
            ConditionExpression: "attribute_not_exists(pk)",
          },
        });
        kinds.push({ kind: "contention" });
        // Erased between the gate's read and this commit: no key may be made for them again (every
        // decision about them would then be sealed under a live key). Decided again, it finds the mark.
        if (owner.kind === "person") {
          items.push(absentCheck(this.db.tables.state, stateKeys.erasedPerson(owner.id)));
          kinds.push({ kind: "contention" });
        }
      }
      if (commit.touch) {
        items.push(this.contactPut(commit.touch.accountId, commit.touch.touches, commit.touch.expectVersion));
        kinds.push({ kind: "contention" });
      }
      for (const c of commit.counters) {
        items.push(counterBump(this.db, c));
        kinds.push({ kind: "cap", counter: c.counter });
      }
      if (commit.due) {
        items.push({
          Put: { TableName: this.db.tables.state, Item: { ...stateKeys.due(commit.due), ...commit.due } },
        });
        kinds.push(undefined);
      }
      // Shadow rules' flips, in this same transaction: counted exactly once whatever the retries.
      for (const f of flipItems(this.db, decision, MAX_TRANSACT_ITEMS - items.length)) {
        items.push(f);
        kinds.push(undefined);
      }
      try {
        await this.db.doc.send(new TransactWriteCommand({ TransactItems: items }));
        this.remember(record, key);
        return { ok: true };
      } catch (err) {
        const failed = failedConditions(err);
        if (!failed) throw err;
        if (failed[0] === -1) return { ok: false, conflict: { kind: "contention" } };
        // The decision's own condition wins: an existing decision explains every other failure.
        const first = failed.map((i) => kinds[i]).find((k) => k?.kind === "exists") ?? kinds[failed[0] ?? 0];
        return { ok: false, conflict: first ?? { kind: "contention" } };
      }
    }
  }
  return GateCommit;
}

/** The gate's store of /mcp and the local runtime: every read, listing and review, and the gate's commit. */
export const DynamoGateDecisionStore = /* @__PURE__ */ withGateCommit(DynamoCheckingDecisionStore);
export type DynamoGateDecisionStore = InstanceType<typeof DynamoGateDecisionStore>;

/**
 * The proposals function's: the gate's read and commit, over the core (a proposal reads one decision
 * back, by its idempotency key, and lists none): 6 KB less than the store above.
 */
export const DynamoProposalDecisionStore = /* @__PURE__ */ withGateCommit(DynamoRecheckDecisionStore);
export type DynamoProposalDecisionStore = InstanceType<typeof DynamoProposalDecisionStore>;
