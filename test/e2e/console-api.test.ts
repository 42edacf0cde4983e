/**
 * The API the web console reads (issue 10): the index and its OpenAPI description, who am I, the
 * override-window queue, the daily overview, a trust cell's history and the spec's versions. Every
 * answer is also held to the schema the OpenAPI document publishes for it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { docOf } from "../../shared/http/route-docs.ts";
import { matchRoute, ROUTES } from "../../shared/http/routes.ts";
import {
  advance,
  emailProposal,
  expectStatus,
  getDecision,
  type Harness,
  MINUTE,
  pin,
  proposeOk,
  seedAccount,
  startHarness,
  waitForStatus,
} from "./helpers/harness.ts";

let h: Harness;
const ACCOUNTS = ["acme", "globex", "initech"];
beforeAll(async () => {
  h = await startHarness();
  for (const id of ACCOUNTS) await seedAccount(h, id);
});
afterAll(() => h.close());

/** GET through the API, expecting `status`; a success must match the route's documented response. */
async function get(path: string, token: string | undefined, status = 200) {
  const res = await h.call("GET", path, token);
  const body = expectStatus(res, status);
  if (status < 300) {
    const found = matchRoute("GET", path.split("?")[0] as string, ROUTES);
    if (!found || !("route" in found)) throw new Error(`no route for ${path}`);
    // The function form: a documented response may be a zod/mini schema.
    const doc = docOf(found.route);
    const checked = doc && z.safeParse(doc.response, body);
    expect(checked?.success, `${path}: ${JSON.stringify(checked?.error?.issues)}`).toBe(true);
  }
  return body;
}

const fieldsOf = (body: any) => (body.issues ?? []).map((i: any) => i.path);

describe("the API describes itself", () => {
  it("serves an index and the OpenAPI document without a credential", async () => {
    const index = await get("/v1", undefined);
    expect(index.links).toMatchObject({ openapi: "/v1/openapi.json", health: "/v1/health", console: "/" });
    const doc = await get("/v1/openapi.json", undefined);
    expect(doc.openapi).toBe("3.1.0");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/v1/decisions/scheduled", "/v1/reports/daily"]),
    );
    expect(doc.paths["/v1/decisions/scheduled"].get["x-roles"]).toEqual(["viewer", "approver", "admin"]);
  });

  it("tells a credential who it is, and refuses no credential", async () => {
    expect(await get("/v1/me", h.viewer)).toEqual({ subject: "victor", roles: ["viewer"] });
    expect(await get("/v1/me", h.admin)).toEqual({ subject: "root", roles: ["admin"] });
    await get("/v1/me", undefined, 401);
  });
});

describe("the override-window queue, the overview and trust history", () => {
  const scheduled: any[] = [];
  beforeAll(async () => {
    await pin(h, "outreach-writer", "email.send", 2);
    // One level-2 email per account, a minute apart: each runs 30 minutes after it was decided.
    for (const id of ACCOUNTS) {
      scheduled.push(await proposeOk(h, emailProposal("outreach-writer", id)));
      await advance(h, MINUTE);
    }
  });

  it("lists level-2 actions inside their window, soonest first, page by page", async () => {
    expect(scheduled.map((d) => d.status)).toEqual(["scheduled", "scheduled", "scheduled"]);
    const all = await get("/v1/decisions/scheduled", h.viewer);
    expect(all.items.map((d: any) => d.decisionId)).toEqual(scheduled.map((d) => d.decisionId));
    expect(all.items.every((d: any) => d.executeAt && d.status === "scheduled")).toBe(true);
    expect(all.cursor).toBeNull();

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const pageOf: any = await get(
        `/v1/decisions/scheduled?limit=2${cursor ? `&cursor=${cursor}` : ""}`,
        h.approver,
      );
      expect(pageOf.items.length).toBeLessThanOrEqual(2);
      seen.push(...pageOf.items.map((d: any) => d.decisionId));
      cursor = pageOf.cursor;
    } while (cursor);
    expect(seen).toEqual(scheduled.map((d) => d.decisionId));
  });

  it("answers 400 naming the field for a bad limit or cursor, and 401 without a credential", async () => {
    expect(fieldsOf(await get("/v1/decisions/scheduled?limit=0", h.viewer, 400))).toEqual(["limit"]);
    expect(fieldsOf(await get("/v1/decisions/scheduled?cursor=bm90LWEtY3Vyc29y", h.viewer, 400))).toEqual([
      "cursor",
    ]);
    const unknown = await get("/v1/decisions/scheduled?sort=oldest", h.viewer, 400);
    expect(unknown.issues[0].message).toMatch(/sort/);
    await get("/v1/decisions/scheduled", undefined, 401);
  });

  it("drops a vetoed action from the queue, and counts the day's proposals, sends and replies", async () => {
    const [first, second] = scheduled;
    expectStatus(
      await h.call("POST", `/v1/decisions/${second.decisionId}/veto`, h.approver, { note: "no" }),
      200,
    );
    const left = await get("/v1/decisions/scheduled", h.viewer);
    expect(left.items.map((d: any) => d.decisionId)).not.toContain(second.decisionId);

    // The window closes: the other two run.
    await advance(h, 31 * MINUTE);
    await waitForStatus(h, first.decisionId, "executed");
    expect((await get("/v1/decisions/scheduled", h.viewer)).items).toEqual([]);
    expectStatus(
      await h.call("POST", "/v1/outcomes", h.admin, { decisionId: first.decisionId, type: "replied" }),
      201,
    );

    const today = new Date(h.rt.clock.now()).toISOString().slice(0, 10);
    const report = await get(`/v1/reports/daily?from=${today}&to=${today}`, h.viewer);
    expect(report.days).toHaveLength(1);
    expect(report.days[0]).toMatchObject({
      date: today,
      proposals: { total: 3, schedule: 3, allow: 0, block: 0 },
      touchesSent: 2,
      replies: 1,
      meetings: 0,
      collisionsPrevented: 0,
    });
    expect((await getDecision(h, second.decisionId)).status).toBe("vetoed");
  });

  it("counts a touch held back by a coordination rule as a collision prevented", async () => {
    // acme had an email today: another agent's email to the same account is deferred by coordination.
    const d = await proposeOk(h, emailProposal("sequence-agent", "acme"));
    expect(d.verdict).toBe("defer");
    const today = new Date(h.rt.clock.now()).toISOString().slice(0, 10);
    const report = await get(`/v1/reports/daily?from=${today}&to=${today}`, h.viewer);
    expect(report.days[0].proposals.defer).toBe(1);
    expect(report.days[0].collisionsPrevented).toBe(1);
  });

  it("narrows the decision list by verdict and spec version on the server, and names a bad field", async () => {
    // acme holds a level-2 email (verdict schedule) and, from the test above, a deferred one.
    const all = await get("/v1/decisions?accountId=acme&limit=100", h.viewer);
    const verdicts = new Set(all.items.map((d: any) => d.verdict));
    expect(verdicts).toEqual(new Set(["schedule", "defer"]));
    for (const v of ["schedule", "defer"]) {
      const only = await get(`/v1/decisions?accountId=acme&verdict=${v}&limit=100`, h.viewer);
      expect(only.items.length).toBe(all.items.filter((d: any) => d.verdict === v).length);
      expect(only.items.every((d: any) => d.verdict === v)).toBe(true);
    }
    const version = all.items[0].specVersion;
    const same = await get(`/v1/decisions?accountId=acme&specVersion=${version}&limit=100`, h.viewer);
    expect(same.items.length).toBe(all.items.filter((d: any) => d.specVersion === version).length);
    const none = await get(`/v1/decisions?accountId=acme&specVersion=${version + 1000}`, h.viewer);
    expect(none.items).toEqual([]);
    expect(fieldsOf(await get("/v1/decisions?accountId=acme&verdict=maybe", h.viewer, 400))).toEqual([
      "verdict",
    ]);
    expect(fieldsOf(await get("/v1/decisions?accountId=acme&specVersion=0", h.viewer, 400))).toEqual([
      "specVersion",
    ]);
  });

  it("bounds the overview's window and names the field", async () => {
    const q = (s: string) => get(`/v1/reports/daily?${s}`, h.viewer, 400).then(fieldsOf);
    expect(await q("from=2026-13-01&to=2026-12-01")).toEqual(["from"]);
    expect(await q("from=2026-01-01&to=2026-06-30")).toEqual(["from"]);
    expect(await q("from=2026-06-02&to=2026-06-01")).toEqual(["from"]);
    expect(await q("to=yesterday")).toEqual(["to"]);
    // Without bounds: the last 14 days, one entry a day.
    expect((await get("/v1/reports/daily", h.viewer)).days).toHaveLength(14);
  });

  it("gives a trust cell's level changes and its current score", async () => {
    const history = await get("/v1/trust/outreach-writer/email.send/history", h.viewer);
    expect(history.changes.map((c: any) => [c.type, c.to])).toContainEqual(["trust.pinned", 2]);
    expect(history.current).toMatchObject({ agentId: "outreach-writer", pinnedLevel: 2, effectiveLevel: 2 });
    expect(history.points.at(-1)).toMatchObject({ score: history.current.score, level: 2 });
    await get("/v1/trust/nobody/email.send/history", h.viewer, 404);
    expect(fieldsOf(await get("/v1/trust/outreach-writer/Email/history", h.viewer, 400))).toEqual([
      "actionType",
    ]);
  });
});

describe("spec versions", () => {
  it("lists versions newest first, page by page; validating writes nothing, and a bad spec is a 400 at its path", async () => {
    const current = await get("/v1/specs/current", h.viewer);
    const listed = await get("/v1/specs", h.viewer);
    expect(listed.items[0]).toMatchObject({ version: current.version, current: true });

    const valid = expectStatus(await h.call("POST", "/v1/specs/validate", h.viewer, current.spec), 200);
    expect(valid).toEqual({ valid: true, hash: current.hash, matchesCurrent: true });
    const broken = structuredClone(current.spec);
    broken.autonomy.actions["email.send"].startLevel = 7;
    const bad = expectStatus(await h.call("POST", "/v1/specs/validate", h.admin, broken), 400);
    expect(fieldsOf(bad)).toContain("autonomy.actions.email.send.startLevel");
    // Nothing was published by either.
    expect((await get("/v1/specs/current", h.viewer)).version).toBe(current.version);

    const changed = structuredClone(current.spec);
    changed.autonomy.actions["email.send"].approvalTimeoutHours += 1;
    expectStatus(await h.call("POST", "/v1/specs", h.admin, changed), 201);
    const first = await get("/v1/specs?limit=1", h.viewer);
    expect(first.items.map((s: any) => s.version)).toEqual([current.version + 1]);
    expect(first.before).toBe(current.version + 1);
    const next = await get(`/v1/specs?limit=1&before=${first.before}`, h.viewer);
    expect(next.items.map((s: any) => [s.version, s.current])).toEqual([[current.version, false]]);
    expect(fieldsOf(await get("/v1/specs?limit=x", h.viewer, 400))).toEqual(["limit"]);
  });
});
