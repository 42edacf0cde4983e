import type { Decision } from "../domain/decision.ts";
import type { DecisionStore } from "../ports.ts";

/**
 * Read-through cache of decisions for the event consumers (watchers, agents, the simulated market):
 * one executed event is read by four of them. An entry is dropped whenever an event about that
 * decision is published, i.e. whenever it changed; a read that raced with a change is not cached.
 * The gate and the lifecycle never read through it. Local runtime only (agents-local.ts): in AWS
 * other processes write too.
 */
export class DecisionReadCache {
  private readonly entries = new Map<string, Decision | undefined>();
  private readonly generation = new Map<string, number>();

  constructor(private readonly store: DecisionStore) {}

  invalidate(decisionId: string): void {
    this.entries.delete(decisionId);
    this.generation.set(decisionId, (this.generation.get(decisionId) ?? 0) + 1);
    if (this.entries.size > 20_000) this.entries.clear();
  }

  async get(decisionId: string): Promise<Decision | undefined> {
    if (this.entries.has(decisionId)) return this.entries.get(decisionId);
    // The event being handled was published by this process right after its store wrote the decision,
    // and in the local runtime this process is the only writer of its tables: the newest version the
    // store knows is the decision as it is (one read per transition saved for every consumer).
    const known = this.store.lastKnown?.(decisionId);
    if (known) return known;
    const gen = this.generation.get(decisionId) ?? 0;
    const d = await this.store.getDecision(decisionId);
    if ((this.generation.get(decisionId) ?? 0) === gen && d) this.entries.set(decisionId, d);
    return d;
  }

  /** The store with getDecision going through the cache (for consumers only). */
  view(): DecisionStore {
    const store = this.store;
    return new Proxy(store, {
      get: (target, prop, receiver) =>
        prop === "getDecision" ? (id: string) => this.get(id) : Reflect.get(target, prop, receiver),
    });
  }
}
