/**
 * The knowledge base's admin writes as a user makes them. What a PUT of a record keeps: an account's
 * lifecycle is its, unless the body says otherwise. Before, an omitted lifecycle was read as prospect,
 * so a PUT fixing a customer's industry let agents email the customer (the default spec blocks
 * customers and open opportunities). A suppression's value is what its kind says, trimmed: before,
 * an address with a CSV's carriage return or a domain written as a URL answered 201 and suppressed
 * nobody.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acme } from "../helpers/world.ts";
import {
  emailProposal,
  expectStatus,
  type Harness,
  propose,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const { lifecycle: _omitted, ...withoutLifecycle } = acme;

describe("PUT /v1/accounts/{id}: lifecycle", () => {
  it("keeps a customer a customer when the body omits lifecycle, and the gate still blocks its email", async () => {
    await seedAccount(h, "acme", { lifecycle: "customer" });
    const body = expectStatus(
      await h.call("PUT", "/v1/accounts/acme", h.admin, { ...withoutLifecycle, industry: "Fintech" }),
      200,
    );
    expect(body).toMatchObject({ industry: "Fintech", lifecycle: "customer" });
    expect((await h.rt.deps.kb.getAccount("acme"))?.lifecycle).toBe("customer");
    const res = await propose(h, emailProposal("writer"));
    expect(res.body.verdict, JSON.stringify(res.body)).toBe("block");
    expect(JSON.stringify(res.body.checks)).toContain("customer");
  });

  it("makes a new account a prospect when the body omits lifecycle", async () => {
    const body = expectStatus(await h.call("PUT", "/v1/accounts/fresh", h.admin, withoutLifecycle), 200);
    expect(body.lifecycle).toBe("prospect");
  });

  it("changes the lifecycle when the body names one", async () => {
    await seedAccount(h, "acme", { lifecycle: "customer" });
    const body = expectStatus(
      await h.call("PUT", "/v1/accounts/acme", h.admin, { ...withoutLifecycle, lifecycle: "prospect" }),
      200,
    );
    expect(body.lifecycle).toBe("prospect");
  });

  it("refuses an unknown lifecycle with a 400 naming it, and changes nothing", async () => {
    await seedAccount(h, "acme", { lifecycle: "customer" });
    const res = await h.call("PUT", "/v1/accounts/acme", h.admin, {
      ...withoutLifecycle,
      lifecycle: "churned",
    });
    expectStatus(res, 400);
    expect(res.body.issues.map((i: { path: string }) => i.path)).toEqual(["lifecycle"]);
    expect((await h.rt.deps.kb.getAccount("acme"))?.lifecycle).toBe("customer");
  });
});

describe("POST /v1/suppressions: the value", () => {
  const suppress = (body: Record<string, unknown>) =>
    h.call("POST", "/v1/suppressions", h.admin, { reason: "opted out by phone", ...body });
  const suppressed = async () => {
    const { account, people } = await h.rt.deps.kb.suppressedAmong("acme", ["acme-jane", "acme-bob"]);
    return { account, people: [...people].sort() };
  };

  it("suppresses an address written with a CSV line's carriage return and capitals, and the gate blocks it", async () => {
    await seedAccount(h);
    const body = expectStatus(await suppress({ kind: "email", value: " Jane@ACME.io\r\n" }), 201);
    expect(body.appliedTo).toEqual(["person:acme-jane"]);
    expect(await suppressed()).toEqual({ account: false, people: ["acme-jane"] });
    const res = await propose(h, emailProposal("writer"));
    expect(res.body.verdict, JSON.stringify(res.body)).toBe("block");
  });

  it("suppresses a domain written with spaces and capitals", async () => {
    await seedAccount(h);
    const body = expectStatus(await suppress({ kind: "domain", value: " ACME.io " }), 201);
    expect(body.appliedTo).toEqual(["account:acme"]);
    expect((await suppressed()).account).toBe(true);
  });

  it.each([
    ["domain", "@acme.io"],
    ["domain", "https://acme.io"],
    ["domain", "acme"],
    ["email", "jane at acme.io"],
    ["email", "acme.io"],
    ["person", "acme jane"],
    ["account", ""],
  ])("refuses a %s written %j with a 400 naming value, and suppresses nothing", async (kind, value) => {
    await seedAccount(h);
    const res = await suppress({ kind, value });
    expectStatus(res, 400);
    expect(new Set(res.body.issues.map((i: { path: string }) => i.path))).toEqual(new Set(["value"]));
    expect(await suppressed()).toEqual({ account: false, people: [] });
  });

  it("refuses an unknown kind with a 400 naming kind", async () => {
    const res = await suppress({ kind: "phone", value: "+1 555 0100" });
    expectStatus(res, 400);
    expect(res.body.issues.map((i: { path: string }) => i.path)).toEqual(["kind"]);
  });
});
