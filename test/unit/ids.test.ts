import { describe, expect, it } from "vitest";
import { decisionIdFor, idempotencyKeyFor, newId, payloadDigest } from "../../shared/domain/ids.ts";

describe("ids: decision ids", () => {
  it("are deterministic in (agentId, proposalId)", () => {
    expect(decisionIdFor("writer", "p-1")).toBe(decisionIdFor("writer", "p-1"));
    expect(decisionIdFor("writer", "p-1")).toMatch(/^d_[A-Za-z0-9_-]{22}$/);
  });

  it("differ across agents and proposals, with no ambiguity from concatenation", () => {
    const ids = new Set([
      decisionIdFor("writer", "p-1"),
      decisionIdFor("writer", "p-2"),
      decisionIdFor("other", "p-1"),
      decisionIdFor("ab", "c"),
      decisionIdFor("a", "bc"),
    ]);
    expect(ids.size).toBe(5);
  });
});

describe("ids: payload digests", () => {
  it("do not depend on key order", () => {
    expect(payloadDigest({ subject: "s", body: "b", meta: { x: 1, y: [1, 2] } })).toBe(
      payloadDigest({ meta: { y: [1, 2], x: 1 }, body: "b", subject: "s" }),
    );
  });

  it("change with any content change", () => {
    const base = payloadDigest({ subject: "s", body: "b" });
    expect(base).toMatch(/^sha256:[A-Za-z0-9_-]{43}$/);
    expect(payloadDigest({ subject: "s", body: "b!" })).not.toBe(base);
    expect(payloadDigest({ subject: "s", body: "b", extra: true })).not.toBe(base);
    expect(payloadDigest({ list: [1, 2] })).not.toBe(payloadDigest({ list: [2, 1] }));
  });
});

describe("ids: other ids", () => {
  it("idempotency keys derive from the decision and the attempt", () => {
    expect(idempotencyKeyFor("d_x")).toBe("d_x:exec:1");
    expect(idempotencyKeyFor("d_x", 2)).toBe("d_x:exec:2");
  });

  it("new ids are prefixed and unique", () => {
    const a = newId("pause");
    expect(a).toMatch(/^pause_[A-Za-z0-9_-]+$/);
    expect(newId("pause")).not.toBe(a);
  });
});
