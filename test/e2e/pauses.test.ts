import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  emailProposal,
  expectStatus,
  type Harness,
  HOUR,
  linkedinProposal,
  proposeOk,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  for (const id of ["acme", "globex", "initech", "umbrella"]) await seedAccount(h, id);
});
afterEach(() => h.close());

const pause = async (body: Record<string, unknown>) =>
  expectStatus(await h.call("POST", "/v1/pauses", h.admin, body), 201);

describe("pauses (kill switches) over HTTP", () => {
  it("blocks an agent paused without an end, until the pause is lifted", async () => {
    const p = await pause({ scope: "agent", target: "outreach-writer", reason: "bad batch" });
    expect(p).toMatchObject({
      scope: "agent",
      target: "outreach-writer",
      reason: "bad batch",
      createdBy: "root",
    });
    expect(p.until).toBeUndefined();
    const listed = expectStatus(await h.call("GET", "/v1/pauses", h.viewer), 200);
    expect(listed.items.map((x: any) => x.pauseId)).toEqual([p.pauseId]);

    const blocked = await proposeOk(h, emailProposal("outreach-writer", "acme"));
    expect(blocked.verdict).toBe("block");
    expect(blocked.status).toBe("blocked");
    expect(blocked.retryAfter).toBeUndefined();
    expect(blocked.reasons.join("\n")).toMatch(
      /kill_switch: agent outreach-writer paused by root: bad batch/,
    );

    // Other agents are not paused.
    const other = await proposeOk(h, linkedinProposal("linkedin-agent", "globex"));
    expect(other.verdict).toBe("require_approval");

    const lifted = expectStatus(await h.call("DELETE", `/v1/pauses/${p.pauseId}`, h.admin), 200);
    expect(lifted.lifted).toBeTruthy();
    expect(expectStatus(await h.call("GET", "/v1/pauses", h.viewer), 200).items).toEqual([]);

    const after = await proposeOk(h, emailProposal("outreach-writer", "initech"));
    expect(after.verdict).toBe("require_approval");
  });

  it("defers an agent paused with an end to the end of the pause, and lifting it lets proposals through", async () => {
    const until = new Date(h.rt.clock.now() + 2 * HOUR).toISOString();
    const p = await pause({ scope: "agent", target: "outreach-writer", reason: "cool down", until });
    expect(p.until).toBe(until);

    const deferred = await proposeOk(h, emailProposal("outreach-writer", "acme"));
    expect(deferred.verdict).toBe("defer");
    expect(deferred.status).toBe("deferred");
    expect(deferred.retryAfter).toBe(until);
    expect(deferred.reasons.join("\n")).toMatch(/agent outreach-writer paused by root: cool down \(until /);

    expectStatus(await h.call("DELETE", `/v1/pauses/${p.pauseId}`, h.admin), 200);
    const after = await proposeOk(h, emailProposal("outreach-writer", "acme"));
    expect(after.verdict).toBe("require_approval");
  });

  it("a pause whose end has passed no longer applies", async () => {
    const until = new Date(h.rt.clock.now() + HOUR).toISOString();
    await pause({ scope: "agent", target: "outreach-writer", reason: "one hour", until });
    expect((await proposeOk(h, emailProposal("outreach-writer", "acme"))).verdict).toBe("defer");
    expectStatus(await h.call("POST", "/v1/admin/clock", h.admin, { advanceMs: HOUR + 1 }), 200);
    expect((await proposeOk(h, emailProposal("outreach-writer", "acme"))).verdict).toBe("require_approval");
  });

  it("applies channel, account and global pauses", async () => {
    const channel = await pause({ scope: "channel", target: "email", reason: "domain warm-up" });
    expect((await proposeOk(h, emailProposal("outreach-writer", "acme"))).verdict).toBe("block");
    expect((await proposeOk(h, linkedinProposal("linkedin-agent", "acme"))).verdict).toBe("require_approval");
    expectStatus(await h.call("DELETE", `/v1/pauses/${channel.pauseId}`, h.admin), 200);

    const account = await pause({ scope: "account", target: "globex", reason: "legal hold" });
    const g = await proposeOk(h, emailProposal("outreach-writer", "globex"));
    expect(g.verdict).toBe("block");
    expect(g.reasons.join("\n")).toMatch(/account globex paused/);
    expect((await proposeOk(h, emailProposal("outreach-writer", "initech"))).verdict).toBe(
      "require_approval",
    );
    expectStatus(await h.call("DELETE", `/v1/pauses/${account.pauseId}`, h.admin), 200);

    const all = await pause({ scope: "global", reason: "incident" });
    const u = await proposeOk(h, linkedinProposal("linkedin-agent", "umbrella"));
    expect(u.verdict).toBe("block");
    expect(u.reasons.join("\n")).toMatch(/everything paused by root: incident/);
    expectStatus(await h.call("DELETE", `/v1/pauses/${all.pauseId}`, h.admin), 200);
    expect((await proposeOk(h, linkedinProposal("linkedin-agent", "umbrella"))).verdict).toBe(
      "require_approval",
    );
  });

  it("validates pause bodies", async () => {
    const noTarget = await h.call("POST", "/v1/pauses", h.admin, { scope: "agent", reason: "x" });
    expectStatus(noTarget, 400);
    expect(noTarget.body.issues.map((i: any) => i.path)).toEqual(["target"]);
    const past = await h.call("POST", "/v1/pauses", h.admin, {
      scope: "agent",
      target: "outreach-writer",
      reason: "x",
      until: new Date(h.rt.clock.now() - HOUR).toISOString(),
    });
    expectStatus(past, 400);
    expect(past.body.issues.map((i: any) => i.path)).toEqual(["until"]);
    expect(expectStatus(await h.call("GET", "/v1/pauses", h.viewer), 200).items).toEqual([]);
  });
});
