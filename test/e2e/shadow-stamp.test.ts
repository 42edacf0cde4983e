import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { defaultSpecText } from "../../shared/runtime/local.ts";
import {
  emailProposal,
  expectStatus,
  getDecision,
  type Harness,
  proposeOk,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await seedAccount(h, "acme", { employees: 10 });
});
afterEach(() => h.close());

const specText = (edit: (raw: Record<string, any>) => void) => {
  const raw = parse(defaultSpecText()) as Record<string, any>;
  edit(raw);
  return stringify(raw);
};

const publish = (text: string) => h.call("POST", "/v1/specs", h.admin, text, "application/yaml");
const paths = (body: any) => (body.issues ?? []).map((i: { path: string }) => i.path);

describe("shadow rules through the gate: stamped on the decision, told by explain", () => {
  it("a 10-person account passes under a shadow employee range and a shadow rule; both are recorded", async () => {
    const text = specText((raw) => {
      raw.icp.modes = { employees: "shadow" };
      raw.rules = [
        { name: "no-software", when: { industries: ["Software"] }, effect: "block", mode: "shadow" },
      ];
    });
    expect(expectStatus(await publish(text), 201).version).toBe(2);

    const d = await proposeOk(h, emailProposal("outreach-writer", "acme", "acme-jane"));
    expect(d.verdict).toBe("require_approval");
    const expected = [
      { rule: "icp.employees", check: "icp", verdict: "block" },
      { rule: "no-software", check: "rule", verdict: "block" },
    ];
    expect(d.shadow).toEqual(expected);
    expect(d.specVersion).toBe(2);
    const stored = await getDecision(h, d.decisionId);
    expect(stored.shadow).toEqual(expected);
    expect(stored.checks.filter((c: any) => c.shadow && c.result === "fail").map((c: any) => c.rule)).toEqual(
      ["icp.employees", "no-software"],
    );

    const ex = expectStatus(await h.call("GET", "/v1/explain?personId=acme-jane", h.viewer), 200);
    expect(ex.contacts[0].explanation).toContain(
      "Rules in shadow (not enforced) that would have changed this: icp.employees would have blocked it; no-software would have blocked it.",
    );
  });

  it("enforced, the same rules block; a decision under them has no shadow field", async () => {
    const text = specText((raw) => {
      raw.rules = [{ name: "no-software", when: { industries: ["Software"] }, effect: "block" }];
    });
    expectStatus(await publish(text), 201);
    const d = await proposeOk(h, emailProposal("outreach-writer", "acme", "acme-jane"));
    expect(d.verdict).toBe("block");
    expect(d.reasons).toContain("rule (no-software): industry Software: blocked");
    expect(d.shadow).toBeUndefined();
  });

  it("a spec with a duplicate rule name or an unknown modes key is a 400 naming the path; nothing published", async () => {
    const dup = specText((raw) => {
      raw.rules = [{ name: "email-72h", when: { channels: ["email"] }, effect: "defer" }];
    });
    const res = await publish(dup);
    expectStatus(res, 400);
    expect(paths(res.body)).toEqual(["rules[0].name"]);
    const typo = specText((raw) => {
      raw.quality.modes = { minIntnet: "shadow" };
    });
    const res2 = await publish(typo);
    expectStatus(res2, 400);
    expect(paths(res2.body)).toEqual(["quality.modes.minIntnet"]);
    const current = expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200);
    expect(current.version).toBe(1);
  });
});
