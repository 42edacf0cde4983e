import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultSpecText } from "../../shared/runtime/local.ts";
import { acme, jane } from "../helpers/world.ts";
import {
  emailProposal,
  expectStatus,
  type Harness,
  HOUR,
  propose,
  proposeOk,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await seedAccount(h, "acme");
});
afterEach(() => h.close());

const paths = (body: any): string[] => body.issues.map((i: { path: string }) => i.path);

describe("400s write nothing", () => {
  it("rejects invalid proposals with issues naming the field, and records no decision", async () => {
    const base = emailProposal("outreach-writer");

    const missing = await propose(h, { proposalId: "p-missing", agentId: "outreach-writer" });
    expectStatus(missing, 400);
    expect(missing.body.error).toBe("invalid_request");
    expect(paths(missing.body)).toEqual(
      expect.arrayContaining(["action", "target", "reasoning", "confidence"]),
    );

    const confident = await propose(h, { ...base, confidence: 2 });
    expectStatus(confident, 400);
    expect(paths(confident.body)).toEqual(["confidence"]);

    const badType = await propose(h, { ...base, action: { type: "Send Email" } });
    expectStatus(badType, 400);
    expect(paths(badType.body)).toEqual(["action.type"]);
    expect(badType.body.issues[0].message).toMatch(/dotted action type/);

    const badTarget = await propose(h, { ...base, target: { accountId: "acme", personId: "no spaces" } });
    expectStatus(badTarget, 400);
    expect(paths(badTarget.body)).toEqual(["target.personId"]);

    const extra = await propose(h, { ...base, verdict: "allow" });
    expectStatus(extra, 400);

    const listed = expectStatus(await h.call("GET", "/v1/decisions?agentId=outreach-writer", h.viewer), 200);
    expect(listed.items).toEqual([]);
    const ex = expectStatus(await h.call("GET", "/v1/explain?email=jane@acme.io", h.viewer), 200);
    expect(ex.contacts).toEqual([]);
    expect(ex.otherDecisions).toEqual([]);

    // The same proposalId, now valid, is decided normally: the 400s did not claim it.
    const ok = await proposeOk(h, { ...base });
    expect(ok.verdict).toBe("require_approval");
    expect(ok.replay).toBe(false);
  });

  it("rejects an invalid account and writes nothing of it", async () => {
    const res = await h.call("PUT", "/v1/accounts/initech", h.admin, {
      ...acme,
      domain: "initech.io",
      employees: "x",
    });
    expectStatus(res, 400);
    expect(paths(res.body)).toEqual(["employees"]);

    const tz = await h.call("PUT", "/v1/accounts/initech", h.admin, { ...acme, timezone: "Mars/Olympus" });
    expectStatus(tz, 400);
    expect(paths(tz.body)).toEqual(["timezone"]);

    // The account is not in the knowledge base: nobody can be filed under it, and a proposal for it
    // is blocked on exactly that.
    const person = await h.call("PUT", "/v1/people/initech-jane", h.admin, {
      ...jane,
      accountId: "initech",
      email: "jane@initech.io",
    });
    expectStatus(person, 404);
    expect(person.body.message).toMatch(/initech/);
    const d = await proposeOk(h, emailProposal("outreach-writer", "initech", "initech-jane"));
    expect(d.verdict).toBe("block");
    expect(d.reasons.join("\n")).toMatch(/account initech is not in the knowledge base/);
    expect(d.context.account).toBeUndefined();
    // Signals for it are refused too (the account does not exist).
    const sig = await h.call("POST", "/v1/signals", h.admin, {
      signals: [
        { accountId: "initech", type: "demo_request", occurredAt: new Date(h.rt.clock.now()).toISOString() },
      ],
    });
    expectStatus(sig, 400);
    expect(paths(sig.body)).toEqual(["signals[0].accountId"]);
  });

  it("rejects an invalid person and writes nothing of it", async () => {
    const res = await h.call("PUT", "/v1/people/acme-carl", h.admin, {
      ...jane,
      email: "not-an-email",
      firstName: "Carl",
    });
    expectStatus(res, 400);
    expect(paths(res.body)).toEqual(["email"]);
    expectStatus(await h.call("GET", "/v1/explain?personId=acme-carl", h.viewer), 404);
  });

  it("rejects an invalid spec naming the field, and keeps the current version", async () => {
    const text = defaultSpecText();
    const broken = text.replace("after: linkedin, hours: 48", "after: fax, hours: 48");
    expect(broken).not.toBe(text);
    const res = await h.call("POST", "/v1/specs", h.admin, broken, "application/yaml");
    expectStatus(res, 400);
    expect(paths(res.body)).toContain("coordination.cooldowns[1].after");
    expect(res.body.message).toMatch(/coordination\.cooldowns\[1\]\.after/);

    const notYaml = await h.call("POST", "/v1/specs", h.admin, "name: [unclosed", "application/yaml");
    expectStatus(notYaml, 400);

    const current = expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200);
    expect(current.version).toBe(1);
    expectStatus(await h.call("GET", "/v1/specs/2", h.viewer), 404);
    // The same YAML unbroken is accepted (it is the current content, so nothing new is published).
    const same = expectStatus(await h.call("POST", "/v1/specs", h.admin, text, "application/yaml"), 200);
    expect(same).toMatchObject({ version: 1, created: false });
  });

  it("rejects a body that is not JSON", async () => {
    const writer = await h.agent("outreach-writer");
    const res = await h.call("POST", "/v1/proposals", writer, '{"proposalId": "p-1", ', "application/json");
    expectStatus(res, 400);
    expect(res.body.issues).toEqual([{ path: "body", message: "not valid JSON" }]);
    const acct = await h.call("PUT", "/v1/accounts/acme", h.admin, "{name:", "application/json");
    expectStatus(acct, 400);
    const listed = expectStatus(await h.call("GET", "/v1/decisions?agentId=outreach-writer", h.viewer), 200);
    expect(listed.items).toEqual([]);
  });

  it("rejects a signals batch with one unknown account and writes none of it", async () => {
    expectStatus(await h.call("PUT", "/v1/accounts/beta", h.admin, { ...acme, domain: "beta.io" }), 200);
    expectStatus(
      await h.call("PUT", "/v1/people/beta-jane", h.admin, {
        ...jane,
        accountId: "beta",
        email: "jane@beta.io",
      }),
      200,
    );
    const now = h.rt.clock.now();
    const visits = [1, 2, 3].map((d) => ({
      accountId: "beta",
      personId: "beta-jane",
      type: "pricing_page_visit",
      occurredAt: new Date(now - d * HOUR).toISOString(),
    }));
    const ghost = {
      accountId: "ghost",
      type: "demo_request",
      occurredAt: new Date(now - HOUR).toISOString(),
    };
    const res = await h.call("POST", "/v1/signals", h.admin, { signals: [...visits, ghost] });
    expectStatus(res, 400);
    expect(paths(res.body)).toEqual(["signals[3].accountId"]);
    expect(res.body.message).toMatch(/account ghost does not exist/);

    // None of beta's three visits was written: its intent is still 0 and outreach is blocked on it.
    const blocked = await proposeOk(h, emailProposal("outreach-writer", "beta", "beta-jane"));
    expect(blocked.verdict).toBe("block");
    expect(blocked.context.intent.score).toBe(0);
    expect(blocked.reasons.join("\n")).toMatch(/intent 0 < 60/);

    // The valid part alone is accepted, and then the same outreach passes the intent threshold.
    expect(expectStatus(await h.call("POST", "/v1/signals", h.admin, { signals: visits }), 201)).toEqual({
      accepted: 3,
    });
    const passed = await proposeOk(h, emailProposal("outreach-writer", "beta", "beta-jane"));
    expect(passed.verdict).toBe("require_approval");
    expect(passed.context.intent.score).toBe(75);
  });
});
