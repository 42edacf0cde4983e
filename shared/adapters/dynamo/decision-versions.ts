import type { Decision } from "../../domain/decision.ts";
import type { ChainHead } from "../../domain/ledger-chain.ts";

type Item = Record<string, unknown>;

/** A decision's version as a transition needs it: opened, its key, its sealed fields and chain head. */
export interface LoadedDecision {
  decision: Decision;
  key: Buffer | undefined;
  sealed: Item | undefined;
  head: ChainHead | undefined;
}

/** Past this many decisions remembered, start again (a long run must not grow without bound). */
const MAX_REMEMBERED = 20_000;

/**
 * What this process last wrote or read of each decision, so that it does not read back what it has
 * just written. It is never an answer to "what is the decision now" (another process may have moved
 * it on): it only serves what is true whatever happened since.
 *
 * - A decision item at a given version never changes: every write of it is conditioned on the version
 *   before and writes the next (commitDecision writes version 1 if absent, transition v+1 if v). So a
 *   transition expecting version v may start from the remembered version v instead of reading it; if
 *   the item has moved on, the transition's own condition fails as the read would have (ConflictError).
 * - The data key the version was opened with can be destroyed (erasure) or replaced meanwhile: the
 *   transition then also conditions on the key item's wrapped value being the one it seals with
 *   (`wrapped`), and starts again from a fresh read if that fails.
 * - The owner a decision is sealed for is fixed at its commit: a read of the decision can fetch its key
 *   in the same request.
 */
export class DecisionVersions {
  private readonly latest = new Map<string, LoadedDecision>();
  private readonly owners = new Map<string, string>();

  remember(loaded: LoadedDecision, ownerRef: string | undefined): void {
    if (this.latest.size >= MAX_REMEMBERED) this.latest.clear();
    if (this.owners.size >= MAX_REMEMBERED) this.owners.clear();
    const id = loaded.decision.decisionId;
    const known = this.latest.get(id);
    // Never step back: a slower read may return an older version than one written since.
    if (!known || known.decision.version <= loaded.decision.version) this.latest.set(id, loaded);
    if (ownerRef) this.owners.set(id, ownerRef);
  }

  /** The remembered version `version` of the decision, if that is the one remembered. */
  at(decisionId: string, version: number): LoadedDecision | undefined {
    const known = this.latest.get(decisionId);
    return known?.decision.version === version ? known : undefined;
  }

  /** The newest version remembered, whatever it is (a hint: see DecisionStore.lastKnown). */
  newest(decisionId: string): LoadedDecision | undefined {
    return this.latest.get(decisionId);
  }

  ownerRef(decisionId: string): string | undefined {
    return this.owners.get(decisionId);
  }

  forget(decisionId: string): void {
    this.latest.delete(decisionId);
  }
}
