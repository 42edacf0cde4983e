/**
 * What-if replay over a history made by the real gate and lifecycle on DynamoDB Local: several agents
 * on shared accounts, a coordination deferral and its retry, approvals approved and rejected, an expiry,
 * a veto, a volume cap, executions. Replaying the spec in force flips nothing; a stricter cap and a new
 * exclusion flip exactly the decisions they should, through the API, and nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { formatReplay } from "../../bin/commands/spec-replay.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import { replay } from "../../shared/domain/replay.ts";
import { DAY, HOUR } from "../../shared/domain/time.ts";
import { erasePerson } from "../../shared/usecases/erase.ts";
import { approve, execute, expire, reject, veto } from "../../shared/usecases/lifecycle.ts";
import { replaySpec } from "../../shared/usecases/replay.ts";
import { startRuntime, startServer, T0, type TestRuntime, type TestServer } from "../helpers/runtime.ts";
import { agent, emailProposal, linkedinProposal, seedAcme } from "../helpers/world.ts";
import { approver, defaultSpecObject, pin, publishVariant } from "./helpers/store.ts";

const MINUTE = 60_000;

/** The spec in force for the whole history: the default, with agent `bulk` capped at 3 a day. */
const inForce = () => {
  const s = defaultSpecObject();
  s.volume.perAgentPerDay.agents = { bulk: 3 };
  return s;
};

let rt: TestRuntime;
let server: TestServer;
const ids: Record<string, Decision> = {};

async function propose(name: string, p: ReturnType<typeof emailProposal>) {
  const { decision } = await rt.deps.gate.propose(p, agent(p.agentId));
  ids[name] = decision;
  return decision;
}

/** A proposal to Bob (the CRO) that greets him by his name, so its content passes. */
const toBob = (agentId: string, accountId: string) =>
  emailProposal(agentId, accountId, `${accountId}-bob`, {
    payload: {
      subject: "Your pricing research",
      body: "Hi Bob, saw your team comparing plans this week. Happy to share how similar teams rolled out in two weeks.",
    },
  });

const review = (name: string) => ({ digest: ids[name]?.payloadDigest ?? "" });
const id = (name: string) => ids[name]?.decisionId ?? "";

beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
  server = await startServer(rt);
  const specObject = inForce();
  await publishVariant(rt, (s) => Object.assign(s, specObject));
  for (const a of ["acme", "beta", "gamma", "delta", "x2", "x3", "x4"]) await seedAcme(rt.deps, a);
  await seedAcme(rt.deps, "x1", { industry: "Internet" });

  // Day 1 (Tuesday 10:00 New York).
  expect((await propose("acmeEmail", emailProposal("writer", "acme"))).verdict).toBe("require_approval");
  rt.clock.advance(5 * MINUTE);
  // One touch per account per day: the pending email holds acme's day.
  expect((await propose("acmeLi", linkedinProposal("li-bot", "acme"))).verdict).toBe("defer");
  rt.clock.advance(5 * MINUTE);
  expect((await propose("betaEmail", emailProposal("writer", "beta"))).verdict).toBe("require_approval");
  rt.clock.advance(20 * MINUTE);
  await reject(rt.deps, id("betaEmail"), { note: "not now" }, approver);
  rt.clock.advance(10 * MINUTE);
  expect((await propose("betaBob", toBob("writer2", "beta"))).verdict).toBe("require_approval");
  await pin(rt, "writer2", "email.send", 2);
  rt.clock.advance(10 * MINUTE);
  expect((await propose("gammaSched", emailProposal("writer2", "gamma"))).verdict).toBe("schedule");
  rt.clock.advance(10 * MINUTE);
  await veto(rt.deps, id("gammaSched"), { note: "wrong moment" }, approver);
  await approve(rt.deps, id("acmeEmail"), review("acmeEmail"), approver);
  await execute(rt.deps, id("acmeEmail"));
  rt.clock.advance(10 * MINUTE);
  expect((await propose("gammaBob", toBob("writer", "gamma"))).verdict).toBe("require_approval");
  rt.clock.advance(10 * MINUTE);
  await approve(rt.deps, id("gammaBob"), review("gammaBob"), approver);
  await execute(rt.deps, id("gammaBob"));
  await pin(rt, "li-bot", "linkedin.message", 3);
  expect((await propose("deltaLi", linkedinProposal("li-bot", "delta"))).verdict).toBe("allow");
  await execute(rt.deps, id("deltaLi"));

  // Day 2: the deferred LinkedIn message is retried; betaBob's approval window runs out; `bulk`
  // proposes four emails, the fourth over its cap of 3; one is rejected, one approved.
  rt.clock.set(T0 + DAY);
  const retry = linkedinProposal("li-bot", "acme", "acme-jane", {
    retryOf: ids.acmeLi?.proposalId as string,
  });
  expect((await propose("acmeLiRetry", retry)).verdict).toBe("allow");
  await execute(rt.deps, id("acmeLiRetry"));
  rt.clock.advance(HOUR);
  expect((await expire(rt.deps, id("betaBob")))?.status).toBe("expired");
  for (const x of ["x1", "x2", "x3"]) {
    expect((await propose(x, emailProposal("bulk", x))).verdict).toBe("require_approval");
    rt.clock.advance(5 * MINUTE);
  }
  const x4 = await propose("x4", emailProposal("bulk", "x4"));
  expect(x4.verdict).toBe("defer");
  expect(x4.checks.some((c) => c.check === "volume" && c.result === "fail")).toBe(true);
  rt.clock.advance(30 * MINUTE);
  await reject(rt.deps, id("x3"), {}, approver);
  await approve(rt.deps, id("x2"), review("x2"), approver);

  // Day 3: the runtime re-proposes the deferred x4.
  rt.clock.set(T0 + 2 * DAY);
  expect(
    (
      await propose(
        "x4Retry",
        emailProposal("bulk", "x4", "x4-jane", { retryOf: ids.x4?.proposalId as string }),
      )
    ).verdict,
  ).toBe("require_approval");
  rt.clock.advance(HOUR);
}, 120_000);

afterAll(async () => {
  await server?.close();
  await rt?.close();
});

const window = { since: new Date(T0 - HOUR).toISOString(), until: new Date(T0 + 3 * DAY).toISOString() };

describe("replay over a recorded history", () => {
  it("reads the whole window from the status index, every decision with its facts", async () => {
    const read = await rt.deps.decisions.decisionsBetween?.(window.since, window.until, 1000);
    expect(read?.more).toBe(false);
    expect(read?.items.map((d) => d.decisionId).sort()).toEqual(
      Object.values(ids)
        .map((d) => d.decisionId)
        .sort(),
    );
    expect(read?.items.every((d) => d.facts?.personal?.person?.title)).toBe(true);
    // A window bound cuts: day 1 alone.
    const day1 = await rt.deps.decisions.decisionsBetween?.(
      window.since,
      new Date(T0 + 12 * HOUR).toISOString(),
      1000,
    );
    expect(day1?.items).toHaveLength(7);
  });

  it("replaying the spec in force flips nothing", async () => {
    const r = await replaySpec(rt.deps, { spec: stringify(inForce()), ...window });
    expect(r.decisions).toBe(Object.keys(ids).length);
    expect(r.replayed).toBe(r.decisions);
    expect(r.notReplayable).toEqual({ noFacts: 0, erased: 0 });
    expect(r.flips).toEqual([]);
    expect(r.notProposed).toBe(0);
    for (const t of r.totals) expect(t.after).toEqual(t.before);
    const bulk = r.totals.find((t) => t.agentId === "bulk");
    expect(bulk?.before).toEqual({ proposed: 5, sent: 1, review: 4, deferred: 1, blocked: 0 });
  });

  it("a stricter cap flips exactly the third bulk email; the fourth stays deferred", async () => {
    const strict = inForce();
    strict.volume.perAgentPerDay.agents = { bulk: 2 };
    const r = await replaySpec(rt.deps, { spec: strict, ...window });
    expect(r.flips.map((f) => [f.decisionId, f.actual, f.replayed])).toEqual([
      [id("x3"), "require_approval", "defer"],
    ]);
    expect(r.flips[0]?.changedBy).toEqual([expect.objectContaining({ check: "volume", now: "fail" })]);
  });

  it("a new exclusion blocks x1, whose freed slot lets x4 through; x4's retry is then never proposed", async () => {
    const excl = inForce();
    excl.icp.exclusions = [{ name: "no-internet", field: "industry", in: ["Internet"] }];
    const r = await replaySpec(rt.deps, { spec: excl, ...window });
    expect(r.flips.map((f) => [f.decisionId, f.actual, f.replayed])).toEqual([
      [id("x1"), "require_approval", "block"],
      [id("x4"), "defer", "require_approval"],
      [id("x4Retry"), "require_approval", "not_proposed"],
    ]);
    expect(r.flips[0]?.changedBy[0]).toMatchObject({ check: "icp", rule: "no-internet", now: "fail" });
    expect(r.flips[1]?.changedBy[0]).toMatchObject({ check: "volume", now: "pass" });
    const bulk = r.totals.find((t) => t.agentId === "bulk");
    expect(bulk?.after).toEqual({ proposed: 4, sent: 1, review: 3, deferred: 0, blocked: 1 });
    expect(r.notProposed).toBe(1);
  });

  it("the pure engine gives the same answer on the same decisions (the API adds only the window)", async () => {
    const read = await rt.deps.decisions.decisionsBetween?.(window.since, window.until, 1000);
    const current = await rt.deps.specs.current();
    if (!read || !current) throw new Error("no history");
    expect(replay({ ...current, version: 0 }, read.items).flips).toEqual([]);
  });
});

describe("POST /v1/specs/replay", () => {
  it("admin only; a YAML spec in force flips nothing; a stricter one lists its flips; nothing is written", async () => {
    const admin = await server.token("root", "admin");
    const viewer = await server.token("victor", "viewer");
    const before = await rt.deps.specs.current();
    const body = { spec: stringify(inForce()), ...window };
    expect((await server.call("POST", "/v1/specs/replay", viewer, body)).status).toBe(403);
    const same = await server.call("POST", "/v1/specs/replay", admin, body);
    expect(same.status, JSON.stringify(same.body)).toBe(200);
    expect(same.body).toMatchObject({ flipped: 0, notProposed: 0, flips: [], since: window.since });
    const strict = inForce();
    strict.volume.perAgentPerDay.agents = { bulk: 2 };
    const res = await server.call("POST", "/v1/specs/replay", admin, { spec: strict, ...window });
    expect(res.status).toBe(200);
    expect(res.body.flips.map((f: { decisionId: string }) => f.decisionId)).toEqual([id("x3")]);
    // What `harness spec replay` prints from that answer: the flip, its check, the changed totals.
    const printed = formatReplay(res.body).join("\n");
    expect(printed).toContain(`${id("x3")}`);
    expect(printed).toContain("require_approval → defer");
    expect(printed).toMatch(/now fails: volume/);
    expect(printed).toMatch(/bulk\s+email\.send\s+5\s+1\s+4 → 3\s+1 → 2/);
    expect((await rt.deps.specs.current())?.version).toBe(before?.version);
  });

  it("a spec that fails validation, a bad window or unknown field: 400 naming the path", async () => {
    const admin = await server.token("root", "admin");
    const bad = inForce();
    bad.volume.perAgentPerDay.default = -1;
    const res = await server.call("POST", "/v1/specs/replay", admin, { spec: bad });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain("spec.volume.perAgentPerDay.default");
    const yaml = await server.call("POST", "/v1/specs/replay", admin, { spec: "a: [unclosed" });
    expect(yaml.status).toBe(400);
    expect(JSON.stringify(yaml.body)).toContain('"spec"');
    const backwards = await server.call("POST", "/v1/specs/replay", admin, {
      spec: inForce(),
      since: window.until,
      until: window.since,
    });
    expect(backwards.status).toBe(400);
    expect(JSON.stringify(backwards.body)).toContain("since");
    const tooLong = await server.call("POST", "/v1/specs/replay", admin, {
      spec: inForce(),
      since: "2020-01-01T00:00:00Z",
      until: window.until,
    });
    expect(tooLong.status).toBe(400);
    const extra = await server.call("POST", "/v1/specs/replay", admin, { spec: inForce(), dryRun: true });
    expect(extra.status).toBe(400);
  });

  it("a window with more decisions than the bound is refused as too large, not truncated", async () => {
    await expect(replaySpec(rt.deps, { spec: inForce(), ...window }, { maxDecisions: 3 })).rejects.toThrow(
      /more than 3 decisions/,
    );
  });
});

describe("after an erasure", () => {
  it("an erased person's decisions are counted as not replayable, never guessed; the rest still flip nothing", async () => {
    await erasePerson(
      rt.deps,
      { personId: "x2-jane" },
      { reason: "request 42" },
      { subject: "root", roles: ["admin"] },
    );
    const r = await replaySpec(rt.deps, { spec: stringify(inForce()), ...window });
    expect(r.notReplayable).toEqual({ noFacts: 0, erased: 1 });
    expect(r.replayed).toBe(Object.keys(ids).length - 1);
    expect(r.flips).toEqual([]);
  });
});
