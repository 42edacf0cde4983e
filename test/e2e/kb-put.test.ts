/**
 * What a PUT of a record keeps: an account's lifecycle is its, unless the body says otherwise. Before,
 * an omitted lifecycle was read as prospect, so a PUT fixing a customer's industry let agents email
 * the customer (the default spec blocks customers and open opportunities).
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
