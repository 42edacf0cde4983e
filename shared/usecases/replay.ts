import { NotFoundError, TooLargeError, ValidationError } from "../domain/errors.ts";
import { type ReplayReport, replay } from "../domain/replay.ts";
import { parseSpec, specHash } from "../domain/spec-loader.ts";
import type { Spec, SpecVersion } from "../domain/spec-schema.ts";
import { parseSpecText } from "../domain/spec-text.ts";
import { DAY, iso } from "../domain/time.ts";
import { parseWith } from "../domain/validation.ts";
import * as z from "../domain/zod-mini.ts";
import type { Deps } from "../ports.ts";
import { asProposed } from "./as-proposed.ts";

/** One request replays at most a year, and at most this many decisions (each opened in memory). */
export const MAX_REPLAY_WINDOW = 366 * DAY;
export const MAX_REPLAY_DECISIONS = 50_000;
/** Flips listed in one answer; the counts and totals always cover the whole window. */
export const MAX_LISTED_FLIPS = 5_000;
const DEFAULT_WINDOW = 30 * DAY;

const IsoTime = z.iso.datetime({ offset: true });

/** POST /v1/specs/replay body: the proposed spec (YAML text or an object) and the window. */
export const ReplayBody = z.strictObject({
  spec: z.union([z.string().check(z.minLength(1), z.maxLength(200_000)), z.record(z.string(), z.unknown())], {
    error: "expected the proposed spec, as YAML text or an object",
  }),
  since: z.optional(IsoTime),
  until: z.optional(IsoTime),
});

export interface ReplayAnswer extends ReplayReport {
  since: string;
  until: string;
  /** The spec in force now, for comparison. */
  currentVersion?: number;
  flipsListed: number;
}

/** The proposed spec, validated; its problems are named under `spec`. */
function proposedSpec(source: string | Record<string, unknown>): Spec {
  try {
    return typeof source === "string" ? parseSpecText(source) : parseSpec(source);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ValidationError(
      err.issues.map((i) => ({ ...i, path: i.path ? `spec.${i.path}` : "spec" })),
      { cause: err },
    );
  }
}

/** The published versions the proposed spec's experiment arms decide under; an unknown one is a 400. */
async function armVersions(deps: Pick<Deps, "specs">, spec: Spec): Promise<Map<number, SpecVersion>> {
  const out = new Map<number, SpecVersion>();
  const arms = spec.experiments?.arms ?? [];
  for (const [i, arm] of arms.entries()) {
    if (arm.version === undefined || out.has(arm.version)) continue;
    const found = await deps.specs.get(arm.version);
    if (!found)
      throw new ValidationError([
        { path: `spec.experiments.arms[${i}].version`, message: `spec v${arm.version} does not exist` },
      ]);
    out.set(arm.version, found);
  }
  return out;
}

/**
 * Re-decide the recorded proposals of [since, until] under a proposed spec (domain/replay.ts). Reads
 * only; nothing is written, nothing published. The window defaults to the last 30 days.
 */
export async function replaySpec(
  deps: Pick<Deps, "decisions" | "specs" | "clock">,
  body: unknown,
  limits: { maxDecisions?: number } = {},
): Promise<ReplayAnswer> {
  const input = parseWith(ReplayBody, body);
  const spec = proposedSpec(input.spec);
  const now = deps.clock.now();
  const until = input.until ? Date.parse(input.until) : now;
  const since = input.since ? Date.parse(input.since) : until - DEFAULT_WINDOW;
  if (since > until) throw new ValidationError([{ path: "since", message: "must not be after until" }]);
  if (until - since > MAX_REPLAY_WINDOW)
    throw new ValidationError([
      { path: "since", message: "the window is longer than 366 days; replay it in parts" },
    ]);
  const history = deps.decisions.decisionsBetween;
  if (!history) throw new NotFoundError("replay is not available in this deployment");
  const max = limits.maxDecisions ?? MAX_REPLAY_DECISIONS;
  const read = await history.call(deps.decisions, iso(since), iso(until), max);
  if (read.more)
    throw new TooLargeError(
      `the window holds more than ${max} decisions; replay a shorter window (since/until)`,
    );
  const current = await deps.specs.current();
  const version: SpecVersion = {
    version: 0,
    hash: specHash(spec),
    publishedAt: iso(now),
    publishedBy: "replay",
    spec,
  };
  const items = await asProposed(deps, read.items);
  const report = replay(version, items, { armVersions: await armVersions(deps, spec) });
  return {
    ...report,
    flips: report.flips.slice(0, MAX_LISTED_FLIPS),
    flipsListed: Math.min(report.flips.length, MAX_LISTED_FLIPS),
    since: iso(since),
    until: iso(until),
    ...(current ? { currentVersion: current.version } : {}),
  };
}
