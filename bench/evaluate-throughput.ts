import type { GateContext, Touch } from "../shared/domain/decision-types.ts";
import { evaluate } from "../shared/domain/evaluate.ts";
import { type Account, type Person, storedSignal } from "../shared/domain/kb.ts";
import { keptSpec } from "../shared/domain/prepared-spec.ts";
import { type Proposal, ProposalInput } from "../shared/domain/proposal.ts";
import { specHash } from "../shared/domain/spec-loader.ts";
import type { SpecVersion } from "../shared/domain/spec-schema.ts";
import { parseSpecText } from "../shared/domain/spec-text.ts";
import { parseWith } from "../shared/domain/validation.ts";
import type { TrustRecord } from "../shared/learning/trust.ts";
import type { GateReadResult } from "../shared/ports.ts";
import { gateContext } from "../shared/usecases/gate.ts";
import {
  ACTION_TYPE,
  accountInput,
  DAY,
  emailProposal,
  HOUR,
  personIdOf,
  personInput,
  signalsFor,
  T0,
} from "./world.ts";

/**
 * What the gate would have read for a realistic happy-path email: the default spec, an account with 20
 * signals, a contact state with a few past touches (one an expired approval reservation), an earned
 * level-3 trust record and today's counters well under their caps.
 */
export function realisticContext(specText: string, now = T0): GateContext {
  const spec = parseSpecText(specText);
  const specVersion: SpecVersion = {
    version: 3,
    hash: specHash(spec),
    publishedAt: new Date(now - 20 * DAY).toISOString(),
    publishedBy: "admin:bench",
    spec,
  };
  const accountId = "bench-eval-acct";
  const updatedAt = new Date(now - DAY).toISOString();
  // As the knowledge base stores them (kb-store addSignals): each time also as epoch ms.
  const signals = signalsFor(accountId, now)
    .sort((a, b) => b.occurredAt.localeCompare(a.occurredAt))
    .map(storedSignal);
  const account: Account = { ...accountInput(accountId), accountId, signals, updatedAt };
  const person: Person = { ...personInput(accountId), personId: personIdOf(accountId), updatedAt };
  const touch = (channel: Touch["channel"], ago: number, extra: Partial<Touch> = {}): Touch => ({
    decisionId: `dec-${channel}-${ago}`,
    agentId: "bench-other",
    actionType: channel === "email" ? "email.send" : "linkedin.message",
    channel,
    personId: person.personId,
    from: now - ago,
    to: now - ago,
    ...extra,
  });
  const touches: Touch[] = [
    touch("linkedin", 3 * DAY),
    touch("email", 9 * DAY),
    touch("linkedin", 12 * DAY),
    // An approval that was never given: its reservation expired and no longer counts.
    touch("email", 5 * DAY, { to: now - 4 * DAY, expiresAt: now - 4 * DAY }),
  ];
  const trust: TrustRecord = {
    agentId: "bench-a",
    actionType: ACTION_TYPE,
    successes: 46.2,
    failures: 2.4,
    earnedLevel: 3,
    updatedAt: now - 2 * HOUR,
    version: 58,
  };
  return {
    now,
    spec: specVersion,
    proposal: parseWith(ProposalInput, emailProposal("bench-a", accountId)),
    account,
    person,
    touches,
    counts: { agent: 37, channel: 212, actionType: 140 },
    fullCounters: [],
    trust,
    pauses: [],
    suppressions: [],
  };
}

export interface ThroughputResult {
  evaluations: number;
  seconds: number;
  perSecond: number;
  /**
   * CPU time the process spent (user + system, all threads: the garbage collector's helpers count).
   * On a machine busy with other work the wall-clock rate falls with the share of a core this process
   * gets; the rate per CPU second does much less so.
   */
  cpuSeconds: number;
  perCpuSecond: number;
  verdict: string;
}

/** How the contexts handed to evaluate relate to each other: what the gate's reads would give it. */
export type ContextMode = "reused" | "gate" | "fresh" | "unprepared";

export const CONTEXT_MODES: Record<ContextMode, string> = {
  reused: "one context object for every decision (flatters: caches keyed by object always hit)",
  gate: "as the gate runs it: records read anew per decision, spec object kept per version",
  fresh: "fresh objects per decision, the spec object too (a gate that did not keep it)",
  unprepared: "fresh objects, and a spec hash never seen before each time (no preparation reused)",
};

/** Spec objects cycled through; more than the prepared-spec cache holds (64). */
const SPEC_OBJECTS = 256;
/** Decisions timed back to back, their inputs made just before (untimed). */
const BATCH = 64;

/** One decision's input as the gate has it after its batched read (shared/usecases/gate.ts). */
export interface GateInput {
  read: GateReadResult & { spec: SpecVersion };
  proposal: Proposal;
  now: number;
}

/**
 * The spec objects the decisions' reads return: the one object for "reused"; otherwise 256 structural
 * clones (new strings too), each with its own hash for "unprepared", so that every decision prepares
 * its spec from scratch (what preparation by hash saves).
 */
function specsFor(ctx: GateContext, mode: ContextMode): SpecVersion[] {
  if (mode === "reused") return [ctx.spec];
  return Array.from({ length: SPEC_OBJECTS }, (_, i) => {
    const spec = structuredClone(ctx.spec);
    if (mode === "unprepared") spec.hash = `${ctx.spec.hash}-${i}`;
    return spec;
  });
}

function inputOf(c: Omit<GateContext, "spec">, spec: SpecVersion): GateInput {
  const read: GateInput["read"] = {
    spec,
    contact: { touches: c.touches, version: 1 },
    counts: c.counts,
    pauses: c.pauses,
    suppressions: c.suppressions,
  };
  if (c.account) read.account = c.account;
  if (c.person) read.person = c.person;
  if (c.trust) read.trust = c.trust;
  return { read, proposal: c.proposal, now: c.now };
}

/**
 * The next batch of inputs, made outside the timed loop. The gate unmarshals a new account, person,
 * proposal and contact state for every proposal and evaluates them at once, so every mode but
 * "reused" gives each decision records parsed just before the batch is timed (new objects and
 * strings, as fresh in memory as a read's), and a spec object of its own from the pool.
 */
function batchOf(ctx: GateContext, mode: ContextMode, specs: SpecVersion[], first: number): GateInput[] {
  const { spec: _, ...records } = ctx;
  if (mode === "reused") return new Array<GateInput>(BATCH).fill(inputOf(records, ctx.spec));
  // Parsed from JSON like a DynamoDB response (and several times faster to make than structuredClone).
  const text = JSON.stringify(records);
  return Array.from({ length: BATCH }, (_, i) =>
    inputOf(JSON.parse(text) as typeof records, specs[(first + i) % specs.length] as SpecVersion),
  );
}

/**
 * Decides batches for `ms` of timed evaluation. "gate" goes the gate's way (keptSpec: the spec object
 * it decided with while the version is the same, then gateContext); the other modes decide with the
 * spec object each input carries.
 */
function spin(
  ctx: GateContext,
  mode: ContextMode,
  ms: number,
): { n: number; seconds: number; cpuSeconds: number; sink: number } {
  const specs = specsFor(ctx, mode);
  const keep = mode === "gate";
  let kept: SpecVersion | undefined;
  let n = 0;
  let sink = 0;
  let seconds = 0;
  let cpuSeconds = 0;
  while (seconds * 1000 < ms) {
    const batch = batchOf(ctx, mode, specs, n);
    const cpu = process.cpuUsage();
    const start = performance.now();
    for (let i = 0; i < batch.length; i++) {
      const input = batch[i] as GateInput;
      const spec = keep ? keptSpec(kept, input.read.spec) : input.read.spec;
      kept = spec;
      sink += evaluate(gateContext(input.read, spec, input.proposal, input.now, [])).checks.length;
    }
    seconds += (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    cpuSeconds += (used.user + used.system) / 1e6;
    n += batch.length;
  }
  return { n, seconds, cpuSeconds, sink };
}

/** Decisions per second of the pure `evaluate(ctx)` on the calling thread (one core). */
export function measureEvaluateThroughput(
  ctx: GateContext,
  warmUpMs: number,
  runMs: number,
  mode: ContextMode = "gate",
): ThroughputResult {
  const verdict = evaluate(ctx).verdict;
  if (verdict !== "allow") throw new Error(`the realistic context should be allowed, got ${verdict}`);
  for (const { read, proposal, now } of batchOf(ctx, mode, specsFor(ctx, mode), 0).slice(0, 3))
    if (evaluate(gateContext(read, read.spec, proposal, now)).verdict !== verdict)
      throw new Error(`a ${mode} context is not decided as the original`);
  spin(ctx, mode, warmUpMs);
  const { n, seconds, cpuSeconds, sink } = spin(ctx, mode, runMs);
  if (sink === 0) throw new Error("evaluate returned no checks");
  return {
    evaluations: n,
    seconds,
    perSecond: n / seconds,
    cpuSeconds,
    perCpuSecond: n / cpuSeconds,
    verdict,
  };
}

/**
 * Every mode measured in `rounds` interleaved blocks (A B C A B C ...), so that a machine busy with
 * something else for a while weighs on all of them alike; per mode the blocks are summed.
 */
export function measureEvaluateModes(
  ctx: GateContext,
  warmUpMs: number,
  blockMs: number,
  rounds: number,
  modes: readonly ContextMode[] = ["reused", "gate", "fresh", "unprepared"],
): Map<ContextMode, ThroughputResult> {
  const totals = new Map<ContextMode, ThroughputResult>();
  for (let round = 0; round < rounds; round++)
    for (const mode of round % 2 === 0 ? modes : [...modes].reverse()) {
      const r = measureEvaluateThroughput(ctx, round === 0 ? warmUpMs : warmUpMs / 4, blockMs, mode);
      const t = totals.get(mode);
      const evaluations = (t?.evaluations ?? 0) + r.evaluations;
      const seconds = (t?.seconds ?? 0) + r.seconds;
      const cpuSeconds = (t?.cpuSeconds ?? 0) + r.cpuSeconds;
      totals.set(mode, {
        evaluations,
        seconds,
        perSecond: evaluations / seconds,
        cpuSeconds,
        perCpuSecond: evaluations / cpuSeconds,
        verdict: r.verdict,
      });
    }
  return totals;
}
