import { describe, expect, it } from "vitest";
import type { Decision } from "../../shared/domain/decision.ts";
import type { DecisionStore } from "../../shared/ports.ts";
import { DecisionReadCache } from "../../shared/runtime/decision-read-cache.ts";

const decision = (id: string, version: number) => ({ decisionId: id, version }) as unknown as Decision;

/** A store that counts reads and knows what `known` says this process wrote last. */
function store(known: Map<string, Decision>, withHint = true) {
  const reads: string[] = [];
  const s = {
    getDecision: async (id: string) => {
      reads.push(id);
      return decision(id, 1);
    },
    ...(withHint ? { lastKnown: (id: string) => known.get(id) } : {}),
  } as unknown as DecisionStore;
  return { s, reads };
}

describe("decision read cache", () => {
  it("answers with the version this process wrote last, without a read, also right after a change", async () => {
    const known = new Map([["d1", decision("d1", 3)]]);
    const { s, reads } = store(known);
    const cache = new DecisionReadCache(s);
    cache.invalidate("d1");
    expect(await cache.get("d1")).toMatchObject({ version: 3 });
    known.set("d1", decision("d1", 4));
    cache.invalidate("d1");
    expect(await cache.get("d1")).toMatchObject({ version: 4 });
    expect(reads).toEqual([]);
    // Unknown to this process: read from the store.
    expect(await cache.get("d2")).toMatchObject({ version: 1 });
    expect(reads).toEqual(["d2"]);
  });

  it("reads through when the store gives no hint", async () => {
    const { s, reads } = store(new Map([["d1", decision("d1", 3)]]), false);
    expect(await new DecisionReadCache(s).get("d1")).toMatchObject({ version: 1 });
    expect(reads).toEqual(["d1"]);
  });
});
