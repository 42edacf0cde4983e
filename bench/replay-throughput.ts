/**
 * Replay throughput: how many recorded decisions per second the what-if replay (domain/replay.ts)
 * re-decides on one core. The history is made in memory the way the gate and the lifecycle make it:
 * evaluate() on each account's contact state and the day's counters as they stand, facts recorded as
 * the gate records them, level-1 approvals approved or rejected an hour later. Two replays are timed:
 * the spec in force (nothing changes, every decision re-decided) and a stricter one (a lower daily cap
 * per agent: flips whose freed and taken slots the replay carries forward).
 *
 * `npx tsx bench/replay-throughput.ts [decisions]` runs it alone; `measureReplayThroughput` is what the
 * bench runner calls, `replayThroughputSection` formats its result.
 */
import { readFileSync } from "node:fs";
import { counterNames } from "../shared/domain/checks/volume.ts";
import type { Decision } from "../shared/domain/decision.ts";
import type { GateContext, Touch } from "../shared/domain/decision-types.ts";
import { evaluate } from "../shared/domain/evaluate.ts";
import { type Account, type Person, storedSignal } from "../shared/domain/kb.ts";
import { ProposalInput } from "../shared/domain/proposal.ts";
import { replay } from "../shared/domain/replay.ts";
import { parseSpec, specHash } from "../shared/domain/spec-loader.ts";
import type { Spec, SpecVersion } from "../shared/domain/spec-schema.ts";
import { parseSpecText } from "../shared/domain/spec-text.ts";
import { iso, localDate } from "../shared/domain/time.ts";
import { parseWith } from "../shared/domain/validation.ts";
import type { TrustRecord } from "../shared/learning/trust.ts";
import { buildDecision } from "../shared/usecases/gate.ts";
import { accountInput, DAY, emailProposal, HOUR, personIdOf, personInput, signalsFor, T0 } from "./world.ts";

const MINUTE = 60_000;
const versionOf = (spec: Spec, v: number): SpecVersion => ({
  version: v,
  hash: specHash(spec),
  publishedAt: iso(T0 - 30 * DAY),
  publishedBy: "admin:bench",
  spec,
});

/** A small deterministic generator (mulberry32), so every run replays the same history. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `n` decisions over `days` days by five agents on `accounts` accounts: three agents earned level 3,
 * two start at level 1 (their approvals are approved, or rejected an hour later, one in four).
 */
export function syntheticHistory(spec: SpecVersion, n: number, accounts = 1500, days = 60): Decision[] {
  const random = rng(7);
  const tz = spec.spec.workspace.timezone;
  const touches = new Map<string, Touch[]>();
  const counters = new Map<string, number>();
  const kb = new Map<string, { account: Account; person: Person }>();
  const agents = ["bench-a", "bench-b", "bench-c", "bench-review-1", "bench-review-2"];
  const trust = (agentId: string, level: 1 | 3): TrustRecord => ({
    agentId,
    actionType: "email.send",
    successes: level === 3 ? 46 : 2,
    failures: level === 3 ? 2 : 1,
    earnedLevel: level,
    updatedAt: T0,
    version: 1,
  });
  const out: Decision[] = [];
  const pendingReviews: { d: Decision; at: number; approve: boolean }[] = [];
  const step = (days * DAY) / n;
  for (let i = 0; i < n; i++) {
    const now = Math.floor(T0 + i * step);
    while (pendingReviews.length && (pendingReviews[0]?.at ?? Infinity) <= now) {
      const r = pendingReviews.shift() as (typeof pendingReviews)[number];
      review(r.d, r.at, r.approve);
    }
    const accountId = `bench-acct-${String(Math.floor(random() * accounts)).padStart(4, "0")}`;
    let k = kb.get(accountId);
    if (!k) {
      const account: Account = {
        ...accountInput(accountId),
        accountId,
        signals: signalsFor(accountId, T0 + days * DAY).map(storedSignal),
        updatedAt: iso(T0),
      };
      const person: Person = {
        ...personInput(accountId),
        personId: personIdOf(accountId),
        updatedAt: iso(T0),
      };
      k = { account, person };
      kb.set(accountId, k);
    }
    const agentId = agents[Math.floor(random() * agents.length)] as string;
    const day = localDate(now, tz);
    const count = (c: string) => counters.get(`${c}@${day}`) ?? 0;
    const proposal = parseWith(ProposalInput, { ...emailProposal(agentId, accountId), proposalId: `p-${i}` });
    const ctx: GateContext = {
      now,
      spec,
      proposal,
      account: { ...k.account, signals: k.account.signals.filter((s) => Date.parse(s.occurredAt) <= now) },
      person: k.person,
      touches: touches.get(accountId) ?? [],
      counts: {
        agent: count(counterNames.agent(agentId)),
        channel: count(counterNames.channel("email")),
        actionType: count(counterNames.actionType("email.send")),
      },
      trust: trust(agentId, agentId.startsWith("bench-review") ? 1 : 3),
      pauses: [],
      suppressions: [],
    };
    const e = evaluate(ctx);
    const decisionId = `d-${i}`;
    // As the gate keeps it (usecases/gate.ts), so the replay reads what it reads in production.
    const d: Decision = buildDecision(decisionId, proposal, spec, ctx, e, now, ctx.touches.length);
    if (e.reservation.touch) {
      const kept = (touches.get(accountId) ?? []).filter((t) => t.to > now - 30 * DAY);
      touches.set(accountId, [...kept, { ...e.reservation.touch, decisionId }]);
    }
    for (const c of e.reservation.counters)
      counters.set(`${c.counter}@${c.day}`, (counters.get(`${c.counter}@${c.day}`) ?? 0) + 1);
    if (e.verdict === "require_approval")
      pendingReviews.push({
        d,
        at: now + HOUR + Math.floor(random() * 30 * MINUTE),
        approve: random() >= 0.25,
      });
    out.push(d);
  }

  function review(d: Decision, at: number, approve: boolean) {
    const list = touches.get(d.accountId) ?? [];
    if (approve) {
      touches.set(
        d.accountId,
        list.map((t) => {
          if (t.decisionId !== d.decisionId) return t;
          const { expiresAt: _e, ...rest } = t;
          return { ...rest, from: at, to: at };
        }),
      );
      d.status = "dispatched";
    } else {
      touches.set(
        d.accountId,
        list.filter((t) => t.decisionId !== d.decisionId),
      );
      const today = localDate(at, tz);
      for (const c of d.reservation.counters)
        if (c.day >= today)
          counters.set(`${c.counter}@${c.day}`, (counters.get(`${c.counter}@${c.day}`) ?? 1) - 1);
      d.status = "rejected";
    }
    d.review = {
      action: approve ? "approved" : "rejected",
      by: "user:bench",
      at: iso(at),
      digest: "sha256:bench",
    };
    d.updatedAt = iso(at);
  }
  return out;
}

export interface ReplayThroughput {
  decisions: number;
  /** Replaying the spec the history was made under: flips must be 0. */
  same: { perSecond: number; flips: number };
  /** A lower per-agent daily cap: flips, and the slots they free or take carried forward. */
  stricter: { perSecond: number; flips: number };
}

function timed(spec: SpecVersion, history: Decision[], rounds: number) {
  const runs: number[] = [];
  let flips = 0;
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    const report = replay(spec, history);
    runs.push((performance.now() - start) / 1000);
    flips = report.flips.length;
  }
  runs.sort((a, b) => a - b);
  const median = runs[Math.floor(runs.length / 2)] as number;
  return { perSecond: Math.round(history.length / median), flips };
}

/** Decisions replayed per second on one core (median of `rounds` replays of the whole history). */
export function measureReplayThroughput(specText: string, decisions = 20_000, rounds = 3): ReplayThroughput {
  const spec = parseSpecText(specText);
  const inForce = versionOf(spec, 1);
  const history = syntheticHistory(inForce, decisions);
  const raw = structuredClone(spec) as Spec;
  raw.volume.perAgentPerDay = { ...raw.volume.perAgentPerDay, default: 40 };
  const stricter = versionOf(parseSpec(raw), 2);
  replay(inForce, history.slice(0, 2000)); // warm-up
  return { decisions, same: timed(inForce, history, rounds), stricter: timed(stricter, history, rounds) };
}

export function replayThroughputSection(r: ReplayThroughput): string[] {
  return [
    `Replay (what-if, domain/replay.ts) over ${r.decisions.toLocaleString("en-US")} recorded decisions, one core:`,
    `  spec in force    ${r.same.perSecond.toLocaleString("en-US").padStart(10)} decisions/s  (${r.same.flips} flips: must be 0)`,
    `  stricter cap     ${r.stricter.perSecond.toLocaleString("en-US").padStart(10)} decisions/s  (${r.stricter.flips} flips)`,
  ];
}

if (process.argv[1]?.endsWith("replay-throughput.ts")) {
  const text = readFileSync(new URL("../shared/specs/default.yaml", import.meta.url), "utf8");
  const n = Number(process.argv[2] ?? 20_000);
  console.log(replayThroughputSection(measureReplayThroughput(text, n)).join("\n"));
}
