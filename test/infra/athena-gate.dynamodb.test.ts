/**
 * The named queries over an archive of REAL decisions: proposals made through the HTTP API against
 * DynamoDB Local, every new image of the ledger table archived by the archive's own code (as the
 * stream would deliver it), then the queries run by DuckDB (athena-duckdb.ts). Expectations come from
 * the decisions as the API returns them. Also checks the Glue columns describe what is really archived.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DECISION_COLUMNS } from "../../infra/constructs/analytics.ts";
import { ATHENA_QUERIES, type AthenaQuery } from "../../infra/constructs/athena-queries.ts";
import { FileArchive } from "../../shared/adapters/local/file-archive.ts";
import { parseSpecText } from "../../shared/domain/spec-text.ts";
import { defaultSpecText } from "../../shared/runtime/local.ts";
import { archiveLedgerChanges, type LedgerChange } from "../../shared/usecases/archive.ts";
import {
  advance,
  emailProposal,
  expectStatus,
  getDecision,
  type Harness,
  pin,
  proposeOk,
  seedAccount,
  startHarness,
  waitForStatus,
} from "../e2e/helpers/harness.ts";
import { type AthenaLike, athenaOver, parseHiveType } from "./athena-duckdb.ts";

const AGENT = "outreach-writer";
const DAY = 86_400_000;

let h: Harness;
let dir: string;
let athena: AthenaLike;
const ids: string[] = [];
/** Every new image seen, in the order seen (decisions by version, other items once). */
const images: LedgerChange[] = [];
const seen = new Set<string>();

/**
 * What the ledger's stream delivers: the new image of every write. The test wraps the runtime's
 * document client so that after each write the ledger table is read again and each item version not
 * seen before is recorded in order (a decision's intermediate versions — dispatched, executing —
 * would otherwise be overwritten before a later read).
 */
function recordEveryVersion() {
  const doc = h.rt.db.doc;
  const send = doc.send.bind(doc) as (cmd: unknown) => Promise<any>;
  const capture = async () => {
    let startKey: Record<string, unknown> | undefined;
    do {
      const res = await send(
        new ScanCommand({
          TableName: h.rt.db.tables.ledger,
          ConsistentRead: true,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      for (const item of res.Items ?? []) {
        const id = `${item.pk}|${item.sk}|${item.version ?? ""}|${item.seq ?? ""}`;
        if (seen.has(id)) continue;
        seen.add(id);
        images.push({ item, position: String(images.length).padStart(8, "0") });
      }
      startKey = res.LastEvaluatedKey;
    } while (startKey);
  };
  (doc as unknown as { send: (cmd: unknown) => Promise<unknown> }).send = async (cmd) => {
    const out = await send(cmd);
    if (!/^(Get|BatchGet|Query|Scan)/.test((cmd as object).constructor.name)) await capture();
    return out;
  };
}

const query = (id: string): AthenaQuery => {
  const q = ATHENA_QUERIES.find((x) => x.id === id);
  if (!q) throw new Error(`no query ${id}`);
  return q;
};
const norm = (rows: Record<string, unknown>[]) =>
  rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v]),
    ),
  );
let from: string;
let to: string;
let decisions: any[];

beforeAll(async () => {
  h = await startHarness();
  recordEveryVersion();
  from = new Date(h.rt.clock.now()).toISOString().slice(0, 10);
  // v2: the default spec with a shadow exclusion every seeded account (industry Software) falls under.
  const spec = parseSpecText(defaultSpecText());
  spec.icp.exclusions.push({
    name: "shadow-no-software",
    field: "industry",
    in: ["Software"],
    mode: "shadow",
  });
  expect(expectStatus(await h.call("POST", "/v1/specs", h.admin, spec), 201).version).toBe(2);
  await pin(h, AGENT, "email.send", 3);
  for (const id of ["acme", "globex"]) await seedAccount(h, id);
  await seedAccount(h, "tiny", { employees: 5 });
  const sent = await proposeOk(h, emailProposal(AGENT, "acme"));
  ids.push(sent.decisionId);
  await waitForStatus(h, sent.decisionId, "executed");
  const stopped = await proposeOk(h, emailProposal(AGENT, "tiny"));
  ids.push(stopped.decisionId);
  expect(stopped.status).toBe("blocked");
  expectStatus(
    await h.call("POST", "/v1/outcomes", h.admin, { decisionId: sent.decisionId, type: "replied" }),
    201,
  );
  await advance(h, 2 * DAY);
  const later = await proposeOk(h, emailProposal(AGENT, "globex"));
  ids.push(later.decisionId);
  await waitForStatus(h, later.decisionId, "executed");
  to = new Date(h.rt.clock.now()).toISOString().slice(0, 10);
  decisions = await Promise.all(ids.map((id) => getDecision(h, id)));

  dir = mkdtempSync(join(tmpdir(), "athena-gate-"));
  const archive = new FileArchive(dir);
  for (let i = 0; i < images.length; i += 10)
    await archiveLedgerChanges({ archive }, images.slice(i, i + 10));
  athena = await athenaOver(dir, DECISION_COLUMNS, join(dir, "serde"));
}, 180_000);
afterAll(async () => {
  athena?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  await h?.close();
});

describe("Athena named queries over decisions made through the gate", () => {
  it("the Glue columns describe the archived rows: every always-present field has a column, every struct field a type", () => {
    const root = join(dir, "decisions");
    const rows = readdirSync(root).flatMap((p) =>
      readdirSync(join(root, p)).flatMap((f) =>
        gunzipSync(readFileSync(join(root, p, f)))
          .toString()
          .split("\n")
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      ),
    );
    expect(rows.length).toBeGreaterThan(ids.length);
    const columns = new Map(DECISION_COLUMNS.map((c) => [c.name, parseHiveType(c.type)]));
    for (const name of [
      "decisionid",
      "agentid",
      "actiontype",
      "actionkind",
      "verdict",
      "status",
      "checks",
      "specversion",
      "decidedat",
      "outcomes",
      "version",
      "updatedat",
    ])
      for (const r of rows)
        expect(
          Object.keys(r).map((k) => k.toLowerCase()),
          name,
        ).toContain(name);
    for (const r of rows)
      for (const [k, v] of Object.entries(r)) {
        const t = columns.get(k.toLowerCase());
        const elements =
          t?.kind === "array" && t.of.kind === "struct"
            ? (v as Record<string, unknown>[])
            : t?.kind === "struct"
              ? [v as Record<string, unknown>]
              : [];
        const fields =
          t?.kind === "array" && t.of.kind === "struct" ? t.of.fields : t?.kind === "struct" ? t.fields : [];
        for (const e of elements)
          for (const f of Object.keys(e))
            expect(
              fields.map((x) => x.name),
              `${k}.${f}`,
            ).toContain(f.toLowerCase());
      }
  });

  it("by agent and week, stopped by rule, outcomes by spec version: as the API reports the decisions", async () => {
    const week = norm(await athena.run(query("ByAgentWeek"), [from, to]));
    expect(week.reduce((n, r) => n + (r.decisions as number), 0)).toBe(decisions.length);
    expect(week.reduce((n, r) => n + (r.executed as number), 0)).toBe(
      decisions.filter((d) => d.status === "executed").length,
    );
    expect(week.reduce((n, r) => n + (r.stopped as number), 0)).toBe(1);
    expect(week.reduce((n, r) => n + (r.outcomes as number), 0)).toBe(1);

    const stopped = norm(await athena.run(query("StoppedByRule"), [from, to]));
    const blocked = decisions.find((d) => d.status === "blocked");
    const failing = blocked.checks.filter((c: any) => c.result === "fail" && !c.shadow);
    expect(failing.length).toBeGreaterThan(0);
    expect(stopped.map((r) => `${r.check_name}/${r.rule}`).sort()).toEqual(
      failing.map((c: any) => `${c.check}/${c.rule ?? "-"}`).sort(),
    );

    const bySpec = norm(await athena.run(query("OutcomesBySpec"), [from, to]));
    expect(bySpec).toEqual([
      expect.objectContaining({
        specversion: 2,
        decisions: 3,
        touches: 2,
        replies: 1,
        meetings: 0,
        reply_rate: 0.5,
      }),
    ]);
    const byArm = norm(await athena.run(query("OutcomesByArm"), [from, to]));
    expect(byArm).toEqual([expect.objectContaining({ arm: "-", decisions: 3, touches: 2, replies: 1 })]);
  });

  it("flips by shadow rule: the decisions whose recorded shadow verdict differs from the real one", async () => {
    const flips = norm(await athena.run(query("FlipsByShadowRule"), [from, to]));
    const expected = decisions.flatMap((d) =>
      (d.shadow ?? [])
        .filter((s: any) => s.verdict !== d.verdict)
        .map((s: any) => `${s.rule}:${d.verdict}->${s.verdict}`),
    );
    // The shadow exclusion covers all three; the one already blocked is no flip.
    expect(expected).toEqual(["shadow-no-software:allow->block", "shadow-no-software:allow->block"]);
    expect(
      flips
        .flatMap((r) =>
          Array(r.decisions as number).fill(`${r.rule}:${r.actual_verdict}->${r.verdict_with_rule}`),
        )
        .sort(),
    ).toEqual(expected.sort());
  });

  it("a person's contacts: only that person's decisions, with how they ended", async () => {
    const rows = norm(await athena.run(query("PersonContacts"), [from, to, "acme-jane"]));
    expect(rows.map((r) => [r.decisionid, r.status, (r.outcomes as any[]).map((o) => o.type)])).toEqual([
      [ids[0], "executed", ["replied"]],
    ]);
    const none = await athena.run(query("PersonContacts"), [to, to, "acme-jane"]);
    expect(none).toEqual([]);
  });
});
