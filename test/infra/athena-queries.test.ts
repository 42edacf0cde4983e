/**
 * Every Athena named query, executed over archived decision rows: decisions in their stored form
 * (personal fields sealed, index keys, chain head), every version of each written by the archive's
 * own code (archiveLedgerChanges into a FileArchive: `decisions/dt=YYYY-MM-DD/*.ndjson.gz`), read by
 * DuckDB through the Glue columns (athena-duckdb.ts keeps the dialect differences in one place).
 * Expected results are computed here from the decisions themselves, not from the archive.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DECISION_COLUMNS } from "../../infra/constructs/analytics.ts";
import { ATHENA_QUERIES, type AthenaQuery } from "../../infra/constructs/athena-queries.ts";
import { ledgerKeys } from "../../shared/adapters/dynamo/keys.ts";
import { FileArchive } from "../../shared/adapters/local/file-archive.ts";
import type { CheckResult } from "../../shared/domain/decision-types.ts";
import { HEAD_ATTR } from "../../shared/domain/ledger-chain.ts";
import { newDataKey, sealDecision } from "../../shared/domain/personal-data.ts";
import { archiveLedgerChanges, type LedgerChange } from "../../shared/usecases/archive.ts";
import { type AthenaLike, athenaOver, trinoShapeProblems } from "./athena-duckdb.ts";
import { type Snapshot, snapshots } from "./athena-fixtures.ts";

const FROM = "2026-03-04";
const TO = "2026-03-16";
const PERSON = "acme-jane";
/** Personal text the fixtures put in payloads, person context and review notes (sealed when stored). */
const PERSONAL = /Jane Doe|jane\.doe@|VP Sales|right person/i;

const query = (id: string): AthenaQuery => {
  const q = ATHENA_QUERIES.find((x) => x.id === id);
  if (!q) throw new Error(`no query ${id}`);
  return q;
};

/** BIGINT counts arrive as strings from DuckDB's JSON rows. */
const norm = (rows: Record<string, unknown>[]) =>
  rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v]),
    ),
  );
const sorted = <T>(rows: T[]) => rows.map((r) => JSON.stringify(r)).sort();
const rate = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 1e4) / 1e4);
const inWindow = (s: Snapshot) => s.dt >= FROM && s.dt <= TO;
const count = <K>(m: Map<K, number>, k: K) => m.set(k, (m.get(k) ?? 0) + 1);

/** The window's decisions as they stand at its end: latest snapshot in it, first snapshot in it. */
function latestInWindow(all: Snapshot[]) {
  const by = new Map<string, Snapshot[]>();
  for (const s of all.filter(inWindow)) by.set(s.d.decisionId, [...(by.get(s.d.decisionId) ?? []), s]);
  return [...by.values()]
    .filter((ss) => Math.min(...ss.map((s) => s.d.version)) === 1)
    .map((ss) => ss.reduce((a, b) => (b.d.version > a.d.version ? b : a)).d);
}

let dir: string;
let all: Snapshot[];
let athena: AthenaLike;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "athena-"));
  all = snapshots();
  const key = newDataKey();
  // As DynamoDB Streams delivers them: every version's new image, in time order, in batches.
  const changes: LedgerChange[] = all
    .sort((a, b) => a.d.updatedAt.localeCompare(b.d.updatedAt))
    .flatMap((s, i) => {
      const item = {
        ...ledgerKeys.decision(s.d.decisionId),
        ...ledgerKeys.decisionIndexes(s.d),
        ...sealDecision(s.d, key),
        [HEAD_ATTR]: { seq: s.d.version, hash: `h${i}` },
      };
      const event = {
        ...ledgerKeys.event(`DECISION#${s.d.decisionId}`, s.d.version),
        seq: s.d.version,
        type: s.d.version === 1 ? "decided" : "changed",
        at: s.d.updatedAt,
        actor: s.d.agentId,
        detail: "[sealed personal data]",
      };
      return [item, event].map((it, j) => ({ item: it, position: String(2 * i + j).padStart(8, "0") }));
    });
  const archive = new FileArchive(dir);
  for (let i = 0; i < changes.length; i += 25)
    await archiveLedgerChanges({ archive }, changes.slice(i, i + 25));
  athena = await athenaOver(dir, DECISION_COLUMNS, join(dir, "serde"));
});
afterAll(() => {
  athena?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Athena named queries: Trino shape", () => {
  it("a decision's late release and its email's delivery have columns: Athena reads them as written", async () => {
    const rows = await athena.run(
      {
        id: "Lifecycle",
        name: "lifecycle",
        description: "",
        params: ["first date", "last date"],
        sql: `SELECT decisionid, max_by(releasedat, version) AS releasedat,
       max_by(execution.deliveredat, version) AS deliveredat
FROM decisions WHERE dt BETWEEN ? AND ? GROUP BY decisionid ORDER BY decisionid`,
      },
      [FROM, TO],
    );
    const latest = new Map<string, Snapshot["d"]>();
    for (const { d } of all.filter(inWindow))
      if ((latest.get(d.decisionId)?.version ?? 0) < d.version) latest.set(d.decisionId, d);
    const expected = [...latest.values()].sort((a, b) => a.decisionId.localeCompare(b.decisionId));
    expect(rows.map((r) => [r.decisionid, r.releasedat ?? null, r.deliveredat ?? null])).toEqual(
      expected.map((d) => [d.decisionId, d.releasedAt ?? null, d.execution?.deliveredAt ?? null]),
    );
    expect(expected.filter((d) => d.releasedAt).length).toBeGreaterThan(0);
    expect(expected.filter((d) => d.execution?.deliveredAt).length).toBeGreaterThan(0);
  });

  it("every query unnests arrays of structs by naming every field, reads only a dt window, documents its parameters", () => {
    expect(ATHENA_QUERIES.map((q) => q.id).sort()).toEqual(
      [
        "ByAgentWeek",
        "FlipsByShadowRule",
        "OutcomesByArm",
        "OutcomesBySpec",
        "PersonContacts",
        "StoppedByRule",
      ].sort(),
    );
    for (const q of ATHENA_QUERIES) expect(trinoShapeProblems(q, DECISION_COLUMNS)).toEqual([]);
  });

  it("the shape check rejects what Athena would: a one-name alias for an array of structs, no window, DuckDB-only calls", () => {
    const bad: AthenaQuery = {
      id: "Old",
      name: "old",
      description: "no parameters",
      params: [],
      sql: `SELECT c.rule, len(d.reasons) FROM decisions d CROSS JOIN UNNEST(d.checks) AS t (c) WHERE d.version = 1`,
    };
    const problems = trinoShapeProblems(bad, DECISION_COLUMNS).join("\n");
    expect(problems).toMatch(/must name \(check, rule, result, shadow, effect, detail\)/);
    expect(problems).toMatch(/dt BETWEEN/);
    expect(problems).toMatch(/len\(\) is not a Trino function/);
    expect(problems).toMatch(/does not name the parameters/);
  });

  it("the Glue columns hold no personal field, and the archived rows no personal text", () => {
    const names = DECISION_COLUMNS.map((c) => `${c.name}:${c.type}`).join(" ");
    expect(names).not.toMatch(/\b(payload|reasoning|person|note|error|sealed)\b/);
    const root = join(dir, "decisions");
    const text = readdirSync(root)
      .flatMap((p) =>
        readdirSync(join(root, p)).map((f) => gunzipSync(readFileSync(join(root, p, f))).toString()),
      )
      .join("\n");
    expect(text).toContain("sealed");
    expect(text).not.toMatch(PERSONAL);
  });
});

describe("Athena named queries: executed over the archive", () => {
  it("decisions and outcomes by agent and week", async () => {
    const rows = norm(await athena.run(query("ByAgentWeek"), [FROM, TO])).map((r) => ({
      ...r,
      week: String(r.week).slice(0, 10),
    }));
    type Week = {
      agentid: string;
      week: string;
      decisions: number;
      executed: number;
      stopped: number;
      not_approved: number;
      outcomes: number;
      positive_outcomes: number;
    };
    const groups = new Map<string, Week>();
    for (const d of latestInWindow(all)) {
      const t = new Date(d.decidedAt);
      const monday = new Date(
        Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() - ((t.getUTCDay() + 6) % 7)),
      );
      const week = monday.toISOString().slice(0, 10);
      const g = groups.get(`${d.agentId}|${week}`) ?? {
        agentid: d.agentId,
        week,
        decisions: 0,
        executed: 0,
        stopped: 0,
        not_approved: 0,
        outcomes: 0,
        positive_outcomes: 0,
      };
      g.decisions += 1;
      g.executed += d.status === "executed" ? 1 : 0;
      g.stopped += ["blocked", "deferred"].includes(d.status) ? 1 : 0;
      g.not_approved += ["vetoed", "rejected", "expired"].includes(d.status) ? 1 : 0;
      g.outcomes += d.outcomes.length;
      g.positive_outcomes += d.outcomes.filter((o) =>
        ["replied", "meeting_booked", "deal_created"].includes(o.type),
      ).length;
      groups.set(`${d.agentId}|${week}`, g);
    }
    expect(groups.size).toBeGreaterThan(3);
    expect(sorted(rows)).toEqual(sorted([...groups.values()]));
  });

  it("blocked and deferred decisions by rule: enforced failures only, shadow ones left out", async () => {
    const rows = norm(await athena.run(query("StoppedByRule"), [FROM, TO]));
    const groups = new Map<string, Set<string>>();
    for (const { d } of all.filter((s) => inWindow(s) && s.d.version === 1)) {
      if (d.status !== "blocked" && d.status !== "deferred") continue;
      for (const c of d.checks as CheckResult[]) {
        if (c.result !== "fail" || c.shadow) continue;
        const k = JSON.stringify([d.status, c.check, c.rule ?? "-"]);
        groups.set(k, (groups.get(k) ?? new Set()).add(d.decisionId));
      }
    }
    const expected = [...groups].map(([k, ids]) => {
      const [status, check_name, rule] = JSON.parse(k);
      return { status, check_name, rule, decisions: ids.size };
    });
    expect(expected.map((e) => e.rule)).toContain("suppression.competitors");
    expect(rows.map((r) => r.rule)).not.toContain("no-weekend");
    expect(sorted(rows)).toEqual(sorted(expected));
  });

  it("flips by shadow rule: exactly the decisions whose verdict the rule would have changed", async () => {
    const rows = norm(await athena.run(query("FlipsByShadowRule"), [FROM, TO]));
    const groups = new Map<string, number>();
    for (const { d } of all.filter((s) => inWindow(s) && s.d.version === 1))
      for (const s of d.shadow ?? [])
        if (s.verdict !== d.verdict)
          count(
            groups,
            JSON.stringify([
              s.rule,
              s.check,
              d.verdict,
              s.verdict,
              d.decidedAt.slice(0, 10),
              d.agentId,
              d.actionType,
            ]),
          );
    const expected = [...groups].map(([k, decisions]) => {
      const [rule, check_name, actual_verdict, verdict_with_rule, day, agentid, actiontype] = JSON.parse(k);
      return { rule, check_name, actual_verdict, verdict_with_rule, day, agentid, actiontype, decisions };
    });
    // A shadow rule that fired without changing anything is no flip.
    expect(expected.map((e) => e.rule)).toEqual(expect.arrayContaining(["no-weekend", "quality.minIntent"]));
    expect(sorted(rows)).toEqual(sorted(expected));
  });

  for (const [id, field] of [
    ["OutcomesBySpec", "specversion"],
    ["OutcomesByArm", "arm"],
  ] as const) {
    it(`${id}: touches, replies, meetings, unsubscribes, complaints, bounces and rates per ${field}`, async () => {
      const rows = norm(await athena.run(query(id), [FROM, TO]));
      type Counts = Record<
        "decisions" | "touches" | "replies" | "meetings" | "unsubscribes" | "complaints" | "bounces",
        number
      >;
      const groups = new Map<string | number, Counts>();
      for (const d of latestInWindow(all)) {
        const key = field === "arm" ? (d.arm ?? "-") : d.specVersion;
        const g = groups.get(key) ?? {
          decisions: 0,
          touches: 0,
          replies: 0,
          meetings: 0,
          unsubscribes: 0,
          complaints: 0,
          bounces: 0,
        };
        const touched = d.actionKind === "touch" && d.status === "executed";
        const has = (t: string) => (touched && d.outcomes.some((o) => o.type === t) ? 1 : 0);
        g.decisions += 1;
        g.touches += touched ? 1 : 0;
        g.replies += has("replied");
        g.meetings += has("meeting_booked");
        g.unsubscribes += has("unsubscribed");
        g.complaints += has("complaint");
        g.bounces += has("bounced");
        groups.set(key, g);
      }
      const expected = [...groups].map(([key, g]) => ({
        [field]: key,
        ...g,
        reply_rate: rate(g.replies, g.touches),
        meeting_rate: rate(g.meetings, g.touches),
      }));
      expect(expected.length).toBeGreaterThan(1);
      expect(expected.reduce((n, g) => n + g.replies, 0)).toBeGreaterThan(0);
      expect(expected.reduce((n, g) => n + g.meetings, 0)).toBeGreaterThan(0);
      expect(sorted(rows)).toEqual(sorted(expected));
    });
  }

  it("a person's contacts: their decisions with a snapshot in the window, as they stand at its end", async () => {
    const rows = norm(await athena.run(query("PersonContacts"), [FROM, TO, PERSON]));
    const by = new Map<string, Snapshot[]>();
    for (const s of all.filter((x) => inWindow(x) && x.d.personId === PERSON))
      by.set(s.d.decisionId, [...(by.get(s.d.decisionId) ?? []), s]);
    const expected = [...by.values()]
      .map((ss) => ss.reduce((a, b) => (b.d.version > a.d.version ? b : a)).d)
      .sort((a, b) => a.decidedAt.localeCompare(b.decidedAt) || a.decisionId.localeCompare(b.decisionId));
    expect(expected.length).toBeGreaterThan(3);
    expect(rows.map((r) => [r.decisionid, r.status, r.executedat ?? null, r.deliveredat ?? null])).toEqual(
      expected.map((d) => [
        d.decisionId,
        d.status,
        d.execution?.at ?? null,
        d.execution?.deliveredAt ?? null,
      ]),
    );
    expect(expected.some((d) => d.execution?.deliveredAt)).toBe(true);
    expect(rows.map((r) => (r.outcomes as { type: string }[]).map((o) => o.type))).toEqual(
      expected.map((d) => d.outcomes.map((o) => o.type)),
    );
    expect(JSON.stringify(rows)).not.toMatch(PERSONAL);
  });
});
