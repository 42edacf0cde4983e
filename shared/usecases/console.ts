/**
 * Reads the console needs beyond the original API: the override-window queue (level-2 decisions
 * waiting to run), a trust cell's history for a chart, and the spec's version history.
 */
import { type Decision, publicDecision, streams } from "../domain/decision.ts";
import { NotFoundError, ValidationError } from "../domain/errors.ts";
import { parseWith } from "../domain/validation.ts";
import { Id } from "../domain/vocabulary.ts";
import * as z from "../domain/zod-mini.ts";
import type { Deps } from "../ports.ts";
import { getSpec } from "./spec-read.ts";
import { describeTrust } from "./trust.ts";

/** A scheduled decision as the index holds it: enough to order the queue without opening anything. */
export interface ScheduledRow {
  decisionId: string;
  executeAt: string;
}

export interface ScheduledReader {
  /**
   * Every decision in status `scheduled` (its id and executeAt only: no sealed field, no data key).
   * At most `max`; RangeError past it. Scheduled decisions leave the status when their window closes,
   * so the set is the few hours' worth of level-2 actions, not history.
   */
  scheduledRows(max: number): Promise<ScheduledRow[]>;
}

const MAX_SCHEDULED = 10_000;

/**
 * The queue's position: the last item's (executeAt, decisionId), base64url. It is a place in a sort
 * order, compared and never used as a store key, so it needs no signature; it is still held to its
 * shape, and anything else is a 400 on `cursor`.
 */
const Position = z.strictObject({ e: z.iso.datetime(), d: Id });
const encodePosition = (r: ScheduledRow) =>
  Buffer.from(JSON.stringify({ e: r.executeAt, d: r.decisionId })).toString("base64url");
function decodePosition(cursor: string): ScheduledRow {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    raw = undefined;
  }
  const p = Position.safeParse(raw);
  if (!p.success)
    throw new ValidationError([{ path: "cursor", message: "not a cursor returned by this listing" }]);
  return { executeAt: p.data.e, decisionId: p.data.d };
}

export const ScheduledQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 50),
  cursor: z.optional(
    z
      .string()
      .check(
        z.minLength(1),
        z.maxLength(400),
        z.regex(/^[A-Za-z0-9_-]+$/, "not a cursor returned by this listing"),
      ),
  ),
});

const byRunTime = (a: ScheduledRow, b: ScheduledRow) =>
  a.executeAt < b.executeAt ? -1 : a.executeAt > b.executeAt ? 1 : a.decisionId < b.decisionId ? -1 : 1;

/** GET /v1/decisions/scheduled: level-2 actions inside their override window, soonest to run first. */
export async function scheduledDecisions(
  deps: Pick<Deps, "decisions"> & { reader: ScheduledReader },
  query: unknown,
) {
  const q = parseWith(ScheduledQuery, query);
  const after = q.cursor ? decodePosition(q.cursor) : undefined;
  let rows: ScheduledRow[];
  try {
    rows = await deps.reader.scheduledRows(MAX_SCHEDULED);
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    throw new ValidationError([{ path: "", message: `more than ${MAX_SCHEDULED} scheduled decisions` }]);
  }
  const rest = rows.sort(byRunTime).filter((r) => !after || byRunTime(after, r) < 0);
  const pageRows = rest.slice(0, q.limit);
  const opened = await Promise.all(pageRows.map((r) => deps.decisions.getDecision(r.decisionId)));
  // A decision released or vetoed between the index read and this one is no longer in the queue.
  const items = opened.filter((d): d is Decision => d?.status === "scheduled").map(publicDecision);
  const last = pageRows.at(-1);
  return { items, cursor: rest.length > q.limit && last ? encodePosition(last) : null };
}

const num = (v: string | undefined) => (v !== undefined && /^\d+$/.test(v) ? Number(v) : null);
const obj = (v: unknown) =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/**
 * GET /v1/trust/{agentId}/{actionType}/history: the cell's ledger stream (level changes, pins), each
 * with the evidence recorded with it when there is some (`data.evidence`: score, lower bound, sample,
 * per-stream counts), and the cell as it is now. `points` is what a chart draws: one per recorded
 * score, oldest first, ending with the current one.
 */
export async function trustHistory(
  deps: Pick<Deps, "decisions" | "trust" | "specs" | "clock">,
  agentId: string,
  actionType: string,
) {
  const [record, events, spec] = await Promise.all([
    deps.trust.get(agentId, actionType),
    deps.decisions.events(streams.trust(agentId, actionType)),
    getSpec(deps, "current"),
  ]);
  if (!record && events.length === 0)
    throw new NotFoundError(`no trust has been recorded for ${agentId} × ${actionType}`);
  const changes = events.map((e) => {
    const evidence = obj(obj(e.data).evidence);
    return {
      at: e.at,
      type: e.type,
      from: num(e.from),
      to: num(e.to),
      actor: e.actor,
      reason: e.detail,
      ...(Object.keys(evidence).length ? { evidence } : {}),
    };
  });
  const current = record ? describeTrust(record, spec, deps.clock.now()) : null;
  const points = changes.flatMap((c) =>
    typeof c.evidence?.score === "number"
      ? [{ at: c.at, score: c.evidence.score, level: c.to, sample: c.evidence.sample ?? null }]
      : [],
  );
  if (current)
    points.push({
      at: current.updatedAt,
      score: current.score,
      level: current.effectiveLevel,
      sample: current.sample,
    });
  return { agentId, actionType, current, changes, points };
}

export const SpecListQuery = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(100)), 20),
  before: z
    .optional(z.coerce.number().check(z.int(), z.gte(2)))
    .check(z.describe("list versions older than this one")),
});

/** GET /v1/specs: published versions, newest first, without their content (GET /v1/specs/{version}). */
export async function listSpecVersions(deps: Pick<Deps, "specs">, query: unknown) {
  const q = parseWith(SpecListQuery, query);
  const current = await deps.specs.current();
  if (!current) return { items: [], before: null };
  const top = Math.min(current.version, (q.before ?? current.version + 1) - 1);
  const wanted = Array.from({ length: Math.max(0, Math.min(q.limit, top)) }, (_, i) => top - i);
  const found = await Promise.all(wanted.map((v) => (v === current.version ? current : deps.specs.get(v))));
  const items = found.flatMap((s) =>
    s
      ? [
          {
            version: s.version,
            hash: s.hash,
            publishedAt: s.publishedAt,
            publishedBy: s.publishedBy,
            current: s.version === current.version,
          },
        ]
      : [],
  );
  const oldest = wanted.at(-1);
  return { items, before: oldest !== undefined && oldest > 1 ? oldest : null };
}
