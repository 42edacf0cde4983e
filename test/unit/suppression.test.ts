import { describe, expect, it } from "vitest";
import { checkSuppression as entries } from "../../shared/domain/checks/suppression.ts";
import type { CheckResult } from "../../shared/domain/decision-types.ts";
import { account, ctx, defaultSpec, person, specWith, suppression } from "./helpers/fixtures.ts";

const spec = defaultSpec();

/** The suppression entries read as one answer: failing when any enforced entry fails, reasons joined. */
function checkSuppression(...args: Parameters<typeof entries>): CheckResult {
  const all = entries(...args);
  if (all.length === 1) return all[0] as CheckResult;
  const failing = all.filter((c) => c.result === "fail" && !c.shadow);
  return failing.length === 0
    ? { check: "suppression", result: "pass", detail: all.map((c) => c.detail).join("; ") }
    : {
        check: "suppression",
        result: "fail",
        effect: "block",
        detail: failing.map((c) => c.detail).join("; "),
      };
}

describe("check: suppression", () => {
  it("passes a prospect with no suppressions", () => {
    expect(checkSuppression(ctx(), spec, "email", account(), person())).toEqual({
      check: "suppression",
      result: "pass",
      detail: "not suppressed, not a customer, open opportunity or competitor",
    });
  });

  it("a person on do-not-contact is blocked on every channel", () => {
    const c = ctx({
      suppressions: [suppression({ kind: "person", value: "jane", reason: "asked us to stop" })],
    });
    for (const channel of ["email", "linkedin", "ads"] as const) {
      const r = checkSuppression(c, spec, channel, account(), person());
      expect(r.result, channel).toBe("fail");
      expect(r.effect).toBe("block");
      expect(r.detail).toBe("person jane is do-not-contact: asked us to stop");
    }
  });

  it("an unsubscribe from one channel only blocks that channel", () => {
    const c = ctx({
      suppressions: [suppression({ kind: "email", value: "jane@acme.io", channels: ["email"] })],
    });
    const email = checkSuppression(c, spec, "email", account(), person());
    expect(email).toMatchObject({ result: "fail", effect: "block" });
    expect(email.detail).toContain("unsubscribed from email");
    // The email address itself is not repeated in the trace.
    expect(email.detail).toContain("email (on file)");
    expect(email.detail).not.toContain("jane@acme.io");
    expect(checkSuppression(c, spec, "linkedin", account(), person()).result).toBe("pass");
    expect(checkSuppression(c, spec, "ads", account(), person()).result).toBe("pass");
  });

  it("domain and account suppressions block", () => {
    const domain = ctx({
      suppressions: [suppression({ kind: "domain", value: "acme.io", reason: "legal hold" })],
    });
    expect(checkSuppression(domain, spec, "linkedin", account(), person()).detail).toBe(
      "domain acme.io is do-not-contact: legal hold",
    );
    const acc = ctx({ suppressions: [suppression({ kind: "account", value: "acme" })] });
    expect(checkSuppression(acc, spec, "email", account(), person()).result).toBe("fail");
  });

  it("existing customers and open opportunities are blocked, naming the owner", () => {
    const customer = checkSuppression(
      ctx(),
      spec,
      "email",
      account({ lifecycle: "customer", ownerId: "rep-7" }),
      person(),
    );
    expect(customer).toMatchObject({ result: "fail", effect: "block" });
    expect(customer.detail).toBe("Acme Analytics is an existing customer owned by rep-7");
    const opp = checkSuppression(ctx(), spec, "email", account({ lifecycle: "open_opportunity" }), person());
    expect(opp.detail).toBe("Acme Analytics is an open opportunity");
  });

  it("the lifecycles that block come from the spec", () => {
    const lenient = specWith((raw) => {
      raw.suppression.blockLifecycles = ["customer"];
    });
    expect(
      checkSuppression(ctx(), lenient, "email", account({ lifecycle: "open_opportunity" }), person()).result,
    ).toBe("pass");
    expect(
      checkSuppression(ctx(), lenient, "email", account({ lifecycle: "customer" }), person()).result,
    ).toBe("fail");
  });

  it("competitor domains block by account domain or by the person's email domain", () => {
    const s = specWith((raw) => {
      raw.suppression.competitorDomains = ["Rival.com"];
    });
    const byAccount = checkSuppression(ctx(), s, "email", account({ domain: "rival.com" }), person());
    expect(byAccount).toMatchObject({ result: "fail", effect: "block" });
    expect(byAccount.detail).toContain("rival.com is a competitor");
    const byEmail = checkSuppression(ctx(), s, "email", account(), person({ email: "spy@rival.com" }));
    expect(byEmail.detail).toContain("the person's email domain is a competitor's");
    expect(checkSuppression(ctx(), s, "email", account(), person()).result).toBe("pass");
  });

  it("lists every reason at once", () => {
    const c = ctx({
      suppressions: [suppression(), suppression({ kind: "domain", value: "acme.io", channels: ["email"] })],
    });
    const r = checkSuppression(c, spec, "email", account({ lifecycle: "customer" }), person());
    expect(r.detail.split("; ")).toHaveLength(3);
  });
});

describe("suppression rules by name, and in shadow", () => {
  it("lifecycle and competitor hits carry their fixed rule names; the list has none", () => {
    const s = specWith((raw) => {
      raw.suppression.competitorDomains = ["acme.io"];
    });
    const c = ctx({
      suppressions: [suppression({ kind: "person", value: "jane", reason: "asked us to stop" })],
    });
    const r = entries(c, s, "email", account({ lifecycle: "customer" }), person());
    expect(r.map((e) => [e.rule, e.result, e.shadow])).toEqual([
      [undefined, "fail", undefined],
      ["suppression.lifecycles", "fail", undefined],
      ["suppression.competitors", "fail", undefined],
    ]);
  });

  it("a lifecycle rule in shadow still reports its hit, flagged shadow, and adds a pass", () => {
    const s = specWith((raw) => {
      raw.suppression.modes = { lifecycles: "shadow" };
    });
    const r = entries(ctx(), s, "email", account({ lifecycle: "customer" }), person());
    expect(r.map((e) => [e.rule, e.result, e.shadow])).toEqual([
      [undefined, "pass", undefined],
      ["suppression.lifecycles", "fail", true],
    ]);
  });

  it("the suppression list itself cannot be put in shadow", () => {
    expect(() =>
      specWith((raw) => {
        raw.suppression.modes = { list: "shadow" };
      }),
    ).toThrow(/suppression\.modes\.list: unknown rule "list"/);
  });
});
