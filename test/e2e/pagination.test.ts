/**
 * Every paginated listing (decisions, approvals, trust) pages with signed cursors: a genuine cursor
 * pages through everything exactly once; a forged, re-signed, truncated or foreign cursor is a 400
 * on `cursor`, never a 500 and never a read.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PageCursors } from "../../shared/adapters/dynamo/cursor.ts";
import {
  emailProposal,
  expectStatus,
  type Harness,
  pin,
  propose,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";

let h: Harness;
const ACCOUNTS = ["acme", "globex", "initech"];

beforeAll(async () => {
  h = await startHarness();
  for (const a of ACCOUNTS) await seedAccount(h, a);
  // Three pending approvals (one per account) and two more decisions of the same agent (deferred:
  // one touch per account per day).
  for (const a of ACCOUNTS) expectStatus(await propose(h, emailProposal("pager", a)), 201);
  for (const a of ACCOUNTS.slice(0, 2))
    expectStatus(await propose(h, emailProposal("pager", a, `${a}-bob`)), 201);
  for (let i = 0; i < 5; i++) await pin(h, `trusty-${i}`, "email.send", 1);
});
afterAll(() => h.close());

async function pageAll(path: string, limit: number) {
  const ids: string[] = [];
  const cursors: string[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 50; n++) {
    const sep = path.includes("?") ? "&" : "?";
    const q = `${path}${sep}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const body = expectStatus(await h.call("GET", q, h.viewer), 200);
    expect(body.items.length).toBeLessThanOrEqual(limit);
    ids.push(...body.items.map((i: any) => i.decisionId ?? `${i.agentId}/${i.actionType}`));
    cursor = body.cursor;
    if (!cursor) break;
    cursors.push(cursor);
  }
  return { ids, cursors };
}

const badCursor = async (path: string, cursor: string) => {
  const sep = path.includes("?") ? "&" : "?";
  const res = await h.call("GET", `${path}${sep}cursor=${encodeURIComponent(cursor)}`, h.viewer);
  expect(res.status, `${path} ${cursor.slice(0, 40)}: ${JSON.stringify(res.body)}`).toBe(400);
  expect(res.body.issues).toEqual([{ path: "cursor", message: expect.any(String) }]);
};

describe("genuine cursors page through everything once", () => {
  it("decisions, approvals and trust", async () => {
    const decisions = await pageAll("/v1/decisions?agentId=pager", 2);
    expect(decisions.ids).toHaveLength(5);
    expect(new Set(decisions.ids).size).toBe(5);
    expect(decisions.cursors.length).toBeGreaterThanOrEqual(2);

    const approvals = await pageAll("/v1/approvals", 1);
    expect(approvals.ids).toHaveLength(3);
    expect(new Set(approvals.ids).size).toBe(3);

    const trust = await pageAll("/v1/trust", 2);
    const trusty = trust.ids.filter((id) => id.startsWith("trusty-"));
    expect(trusty.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `trusty-${i}/email.send`));
    expect(new Set(trust.ids).size).toBe(trust.ids.length);
    expect(trust.cursors.length).toBeGreaterThanOrEqual(2);
  });

  it("trust pages are bounded and validated like the others", async () => {
    expectStatus(await h.call("GET", "/v1/trust?limit=0", h.viewer), 400);
    expectStatus(await h.call("GET", "/v1/trust?limit=101", h.viewer), 400);
    expectStatus(await h.call("GET", "/v1/trust?sort=desc", h.viewer), 400);
    const first = expectStatus(await h.call("GET", "/v1/trust", h.viewer), 200);
    expect(first.items.length).toBeLessThanOrEqual(50);
  });
});

describe("cursors the API did not issue for this listing are 400s", () => {
  it("forged, re-signed, truncated and foreign cursors", async () => {
    const decisions = await pageAll("/v1/decisions?agentId=pager", 2);
    const genuine = decisions.cursors[0] as string;
    const approvals = await pageAll("/v1/approvals", 1);
    const trust = await pageAll("/v1/trust", 2);

    // The format cursors had before: unsigned base64 JSON of a DynamoDB key.
    const unsigned = Buffer.from(
      JSON.stringify({ pk: "DECISION#x", sk: "DECISION", byAgentPk: "AGENT#pager", byAgentSk: "x" }),
    ).toString("base64url");
    const listing = "decisions/byAgent/AGENT#pager";
    const otherKey = await new PageCursors(randomBytes(32)).encode(listing, {
      pk: "DECISION#x",
      sk: "DECISION",
      byAgentPk: "AGENT#pager",
      byAgentSk: "x",
    });
    for (const bad of [
      unsigned,
      Buffer.from('{"pk":{"S":1}}').toString("base64"),
      "not a cursor",
      otherKey,
      genuine.slice(0, -5),
      genuine.slice(5),
      `${genuine}x`,
    ])
      await badCursor("/v1/decisions?agentId=pager", bad);

    // Genuine cursors, but of another listing: another agent, another index, approvals, trust.
    await badCursor("/v1/decisions?agentId=someone-else", genuine);
    await badCursor("/v1/decisions?accountId=acme", genuine);
    await badCursor("/v1/approvals", genuine);
    await badCursor("/v1/trust", genuine);
    await badCursor("/v1/decisions?agentId=pager", approvals.cursors[0] as string);
    await badCursor("/v1/decisions?agentId=pager", trust.cursors[0] as string);
    await badCursor("/v1/approvals", trust.cursors[0] as string);
    // A cursor too long for the query schema is refused before it is even checked.
    await badCursor("/v1/approvals", "a".repeat(3000));
  });
});
