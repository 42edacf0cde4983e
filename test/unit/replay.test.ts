/**
 * The pure replay engine on a history made in memory the way the gate and the lifecycle make it
 * (evaluate on the contact state and counters as they stand; approval re-times a pending touch, reject,
 * veto and expiry give the touch and today's counters back): replaying the spec in force flips nothing;
 * a stricter cap, a new exclusion, new quiet hours flip exactly the decisions they should.
 */
import { describe, expect, it } from "vitest";
import { assignArm, type Experiment } from "../../shared/domain/arms.ts";
import { counterNames } from "../../shared/domain/checks/volume.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import type { GateContext, Touch } from "../../shared/domain/decision-types.ts";
import { evaluate } from "../../shared/domain/evaluate.ts";
import type { Account, Person } from "../../shared/domain/kb.ts";
import type { Proposal } from "../../shared/domain/proposal.ts";
import { replay } from "../../shared/domain/replay.ts";
import { factsOf } from "../../shared/domain/replay-facts.ts";
import type { Spec } from "../../shared/domain/spec-schema.ts";
import { iso, localDate } from "../../shared/domain/time.ts";
import type { TrustRecord } from "../../shared/learning/trust.ts";
import {
  account,
  DAY,
  decisionOf,
  GOOD_BODY,
  HOUR,
  MINUTE,
  NOW,
  person,
  proposal,
  specWith,
  t,
  trust,
  version,
} from "./helpers/fixtures.ts";

const TZ = "America/New_York";

/** A knowledge base of a few accounts, each with Jane (VP Sales) and Bob (CRO). */
function kb(accountId: string, over: Partial<Account> = {}) {
  const a = account({ accountId, domain: `${accountId}.io`, ...over });
  const jane = person({ personId: `${accountId}-jane`, accountId, email: `jane@${accountId}.io` });
  const bob = person({
    personId: `${accountId}-bob`,
    accountId,
    email: `bob@${accountId}.io`,
    firstName: "Bob",
    title: "Chief Revenue Officer",
  });
  return { account: a, people: { jane, bob } as Record<string, Person> };
}

/** The gate and the lifecycle in memory: one contact state per account, counters per day. */
class World {
  readonly decisions: Decision[] = [];
  private readonly touches = new Map<string, Touch[]>();
  private readonly counters = new Map<string, number>();
  private seq = 0;
  constructor(
    private readonly spec: Spec,
    private readonly accounts: Record<string, ReturnType<typeof kb>>,
    private readonly trusts: Record<string, TrustRecord> = {},
  ) {}

  propose(
    at: number,
    agentId: string,
    type: string,
    accountId: string,
    who = "jane",
    over: Partial<Proposal> = {},
  ) {
    const { account: a, people } = this.accounts[accountId] as ReturnType<typeof kb>;
    const p = people[who] as Person;
    const action = this.spec.autonomy.actions[type];
    const day = localDate(at, TZ);
    const count = (c: string) => this.counters.get(`${c}@${day}`) ?? 0;
    const prop = proposal({
      proposalId: `p${++this.seq}`,
      agentId,
      action: { type },
      target: { accountId, personId: p.personId },
      payload: { subject: "Your pricing research", body: GOOD_BODY.replace("Jane", p.firstName) },
      ...over,
    });
    const tr = this.trusts[`${agentId}/${type}`];
    const ctx: GateContext = {
      now: at,
      spec: version(this.spec),
      proposal: prop,
      account: a,
      person: p,
      touches: this.touches.get(accountId) ?? [],
      counts: {
        agent: count(counterNames.agent(agentId)),
        actionType: count(counterNames.actionType(type)),
        ...(action?.channel ? { channel: count(counterNames.channel(action.channel)) } : {}),
      },
      pauses: [],
      suppressions: [],
      ...(tr ? { trust: tr } : {}),
    };
    const e = evaluate(ctx);
    const decisionId = `d${this.seq}`;
    const d = decisionOf(ctx, e, decisionId);
    if (e.reservation.touch)
      this.touches.set(accountId, [
        ...(this.touches.get(accountId) ?? []),
        { ...e.reservation.touch, decisionId },
      ]);
    for (const c of e.reservation.counters)
      this.counters.set(`${c.counter}@${c.day}`, (this.counters.get(`${c.counter}@${c.day}`) ?? 0) + 1);
    this.decisions.push(d);
    return d;
  }

  private end(d: Decision, at: number, status: Decision["status"], action?: "rejected" | "vetoed") {
    this.touches.set(
      d.accountId,
      (this.touches.get(d.accountId) ?? []).filter((x) => x.decisionId !== d.decisionId),
    );
    const today = localDate(at, TZ);
    for (const c of d.reservation.counters)
      if (c.day >= today)
        this.counters.set(`${c.counter}@${c.day}`, (this.counters.get(`${c.counter}@${c.day}`) ?? 1) - 1);
    d.status = status;
    d.updatedAt = iso(at);
    if (action) d.review = { action, by: "user:alice", at: iso(at), digest: "sha256:x" };
  }

  approve(d: Decision, at: number) {
    this.touches.set(
      d.accountId,
      (this.touches.get(d.accountId) ?? []).map((x) => {
        if (x.decisionId !== d.decisionId) return x;
        const { expiresAt: _e, ...rest } = x;
        return { ...rest, from: at, to: at };
      }),
    );
    d.status = "dispatched";
    d.updatedAt = iso(at);
    d.review = { action: "approved", by: "user:alice", at: iso(at), digest: "sha256:x" };
  }
  reject = (d: Decision, at: number) => this.end(d, at, "rejected", "rejected");
  veto = (d: Decision, at: number) => this.end(d, at, "vetoed", "vetoed");
  expire = (d: Decision, at: number) => this.end(d, at, "expired");
}

/** The spec in force: the default, with agent `bulk` capped at 3 a day and email at 6 a day. */
const inForce = (edit: (raw: Record<string, any>) => void = () => {}) =>
  specWith((raw) => {
    raw.volume.perAgentPerDay.agents = { bulk: 3 };
    raw.volume.perChannelPerDay.email = 6;
    edit(raw);
  });

const accounts = Object.fromEntries(
  [
    kb("acme"),
    kb("beta"),
    kb("gamma"),
    kb("delta"),
    kb("x1", { industry: "Internet" }),
    kb("x2"),
    kb("x3"),
    kb("x4"),
  ].map((k) => [k.account.accountId, k]),
);

/** Two days of several agents on shared accounts: every lifecycle path the live system has. */
function history() {
  const w = new World(inForce(), accounts, {
    "writer2/email.send": trust({ agentId: "writer2", pinnedLevel: 2 }),
    "li-bot/linkedin.message": trust({ agentId: "li-bot", actionType: "linkedin.message", pinnedLevel: 3 }),
  });
  const at = (m: number) => NOW + m * MINUTE;
  const n: Record<string, Decision> = {};
  n.acmeEmail = w.propose(at(0), "writer", "email.send", "acme");
  n.acmeLi = w.propose(at(5), "li-bot", "linkedin.message", "acme"); // one touch a day: deferred
  n.betaEmail = w.propose(at(10), "writer", "email.send", "beta");
  w.reject(n.betaEmail, at(30));
  n.betaBob = w.propose(at(40), "writer", "email.send", "beta", "bob");
  n.gammaSched = w.propose(at(50), "writer2", "email.send", "gamma");
  w.veto(n.gammaSched, at(60));
  w.approve(n.acmeEmail, at(60));
  n.gammaBob = w.propose(at(70), "writer", "email.send", "gamma", "bob");
  w.approve(n.gammaBob, at(80));
  n.deltaLi = w.propose(at(90), "li-bot", "linkedin.message", "delta");
  n.acmeAgain = w.propose(at(100), "writer", "email.send", "acme", "bob"); // cooldown: deferred
  // Day 2.
  n.acmeLiRetry = w.propose(at(24 * 60), "li-bot", "linkedin.message", "acme", "jane", { retryOf: "p2" });
  // As the runner retries: `retryOf` names the deferred proposal, by its agent's proposal id.
  n.acmeLiRetry.retryOf = n.acmeLi.proposalId;
  w.expire(n.betaBob, at(24 * 60 + 60));
  for (const x of ["x1", "x2", "x3", "x4"])
    n[x] = w.propose(at(24 * 60 + 70 + Number(x[1]) * 5), "bulk", "email.send", x);
  w.reject(n.x3 as Decision, at(24 * 60 + 120));
  w.approve(n.x2 as Decision, at(24 * 60 + 125));
  // Day 3: the deferred x4 is re-proposed.
  n.x4Retry = w.propose(at(48 * 60 + 30), "bulk", "email.send", "x4");
  n.x4Retry.retryOf = (n.x4 as Decision).proposalId;
  return { w, n: n as Record<string, Decision> };
}

const flips = (r: ReturnType<typeof replay>) => r.flips.map((f) => [f.decisionId, f.actual, f.replayed]);

describe("replay", () => {
  it("the history has what it should: deferrals, approvals, rejections, a veto, an expiry, a cap", () => {
    const { n } = history();
    expect(n.acmeLi?.verdict).toBe("defer");
    expect(n.acmeAgain?.verdict).toBe("defer");
    expect(n.gammaSched?.verdict).toBe("schedule");
    expect(n.deltaLi?.verdict).toBe("allow");
    expect(n.acmeLiRetry?.verdict).toBe("allow");
    expect(n.betaBob?.status).toBe("expired");
    expect(["x1", "x2", "x3"].map((x) => n[x]?.verdict)).toEqual([
      "require_approval",
      "require_approval",
      "require_approval",
    ]);
    expect(n.x4?.verdict).toBe("defer");
    expect(n.x4Retry?.verdict).toBe("require_approval");
  });

  it("replaying the spec in force over its own history flips nothing", () => {
    const { w } = history();
    const r = replay(version(inForce()), w.decisions);
    expect(r.flips).toEqual([]);
    expect(r.replayed).toBe(w.decisions.length);
    for (const tot of r.totals) expect(tot.after).toEqual(tot.before);
  });

  it("a stricter cap flips exactly the third bulk email", () => {
    const { w, n } = history();
    const r = replay(
      version(inForce((raw) => (raw.volume.perAgentPerDay.agents = { bulk: 2 }))),
      w.decisions,
    );
    expect(flips(r)).toEqual([[n.x3?.decisionId, "require_approval", "defer"]]);
  });

  it("a new exclusion blocks x1; its freed slot lets x4 through, whose retry is then never proposed", () => {
    const { w, n } = history();
    const spec = inForce(
      (raw) => (raw.icp.exclusions = [{ name: "no-internet", field: "industry", in: ["Internet"] }]),
    );
    const r = replay(version(spec), w.decisions);
    expect(flips(r)).toEqual([
      [n.x1?.decisionId, "require_approval", "block"],
      [n.x4?.decisionId, "defer", "require_approval"],
      [n.x4Retry?.decisionId, "require_approval", "not_proposed"],
    ]);
    expect(r.flips[0]?.changedBy).toEqual([
      expect.objectContaining({ check: "icp", rule: "no-internet", now: "fail" }),
    ]);
  });

  it("coordination evolves: an email newly deferred by quiet hours frees acme's day for the LinkedIn message", () => {
    const { w, n } = history();
    // 10:00-10:30 New York is quiet for email: the first acme email is deferred, the LinkedIn message
    // five minutes later no longer meets a pending email, and the next-day retry is never proposed.
    const spec = inForce(
      (raw) =>
        (raw.coordination.quietHours = [
          { name: "late-morning", start: "10:00", end: "10:03", channels: ["email"] },
        ]),
    );
    const r = replay(version(spec), w.decisions);
    expect(flips(r)).toEqual([
      [n.acmeEmail?.decisionId, "require_approval", "defer"],
      [n.acmeLi?.decisionId, "defer", "allow"],
      [n.acmeLiRetry?.decisionId, "allow", "not_proposed"],
    ]);
    expect(r.flips[1]?.changedBy).toEqual([expect.objectContaining({ check: "coordination", now: "pass" })]);
  });

  it("a newly allowed touch takes its slot: a later one on the same channel is now over the cap", () => {
    const { w, n } = history();
    // Without the one-touch-a-day rule the LinkedIn message to acme goes out at once; with LinkedIn
    // capped at one a day, the LinkedIn message to delta an hour later no longer fits.
    const spec = inForce((raw) => {
      raw.coordination.frequencyCaps = [];
      raw.volume.perChannelPerDay.linkedin = 1;
    });
    const r = replay(version(spec), w.decisions);
    expect(flips(r)).toEqual([
      [n.acmeLi?.decisionId, "defer", "allow"],
      [n.deltaLi?.decisionId, "allow", "defer"],
      [n.acmeLiRetry?.decisionId, "allow", "not_proposed"],
    ]);
    expect(r.flips[1]?.changedBy).toEqual([expect.objectContaining({ check: "volume", now: "fail" })]);
    const li = r.totals.find((x) => x.agentId === "li-bot");
    expect(li?.before).toMatchObject({ proposed: 3, sent: 2, deferred: 1 });
    expect(li?.after).toMatchObject({ proposed: 2, sent: 1, deferred: 1 });
  });

  it("an experiment's holdout blocks its accounts' outreach as the gate does; arms decide under their version", () => {
    const { w } = history();
    const spec = inForce((raw) => {
      raw.experiments = { name: "q2", arms: [{ name: "current", weight: 1 }], holdout: { weight: 1 } };
    });
    const held = new Set(
      Object.keys(accounts).filter((a) => assignArm(spec.experiments as Experiment, a).holdout),
    );
    expect(held.size).toBeGreaterThan(0);
    expect(held.size).toBeLessThan(Object.keys(accounts).length);
    const r = replay(version(spec), w.decisions);
    const replayed = new Map(r.flips.map((f) => [f.decisionId, f]));
    for (const d of w.decisions) {
      if (
        !held.has(d.accountId) ||
        d.verdict === "block" ||
        replayed.get(d.decisionId)?.replayed === "not_proposed"
      )
        continue;
      expect(replayed.get(d.decisionId)).toMatchObject({
        replayed: "block",
        changedBy: expect.arrayContaining([expect.objectContaining({ check: "experiment", now: "fail" })]),
      });
    }
    for (const f of r.flips) if (f.replayed === "block") expect(held.has(f.accountId)).toBe(true);
    // An arm naming a version the caller did not give is a programming error, not a guess.
    const other = inForce((raw) => {
      raw.experiments = { name: "q2", arms: [{ name: "old", version: 7, weight: 1 }] };
    });
    expect(() => replay(version(other), w.decisions)).toThrow(/v7/);
    expect(
      replay(version(other), w.decisions, { armVersions: new Map([[7, version(inForce(), 7)]]) }).flips,
    ).toEqual([]);
  });

  it("decisions without facts or with erased facts are counted, not guessed", () => {
    const { w } = history();
    const [first, second, ...rest] = w.decisions as [Decision, Decision, ...Decision[]];
    const { facts: _f, ...old } = first;
    const erased: Decision = { ...second, erased: true };
    const r = replay(version(inForce()), [old, erased, ...rest]);
    expect(r.notReplayable).toEqual({ noFacts: 1, erased: 1 });
    expect(r.replayed).toBe(rest.length);
    expect(r.flips).toEqual([]);
  });

  it("facts are compact: signals as pairs within the horizon, the person's details in the personal part", () => {
    const old = { type: "funding_round", occurredAt: iso(NOW - 400 * DAY) };
    const a = account({ signals: [...account().signals, old] });
    const f = factsOf({
      now: NOW,
      spec: version(),
      proposal: proposal(),
      account: a,
      person: person(),
      touches: [],
      counts: { agent: 0, actionType: 0 },
      pauses: [],
      suppressions: [],
    });
    expect(f.account?.signals).toHaveLength(3);
    expect(f.account?.signals[0]).toEqual(["pricing_page_visit", NOW - 20 * HOUR]);
    expect(f.person).toEqual({ personId: "jane", accountId: "acme" });
    expect(f.personal?.person).toEqual({ title: "VP Sales", firstName: "Jane", emailDomain: "acme.io" });
    expect(JSON.stringify({ ...f, personal: undefined })).not.toMatch(/Jane|VP Sales|jane@/);
    expect(t("2026-03-17T14:00:00Z")).toBe(NOW);
  });
});
