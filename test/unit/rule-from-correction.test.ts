import { describe, expect, it } from "vitest";
import { checkRules } from "../../shared/domain/checks/rules.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import { flipsOf, sumFlipCells } from "../../shared/domain/drafts.ts";
import { ValidationError } from "../../shared/domain/errors.ts";
import { addRule } from "../../shared/domain/spec-rules.ts";
import type { SpecRule } from "../../shared/domain/spec-schema.ts";
import {
  daysMentioned,
  matchesDecision,
  patternDraftDue,
  quotesIn,
  redactedReason,
  reviewCellOf,
  ruleFromCorrection,
  ruleFromPattern,
} from "../../shared/learning/rules.ts";
import { account, defaultSpec } from "./helpers/fixtures.ts";

/** Tuesday 2026-03-10, 10:00 in New York. */
const TUESDAY = "2026-03-10T14:00:00.000Z";

function decision(over: Partial<Decision> = {}): Decision {
  return {
    decisionId: "d_abcdefghijklmnop",
    proposalId: "p1",
    agentId: "outreach-writer",
    actionType: "email.send",
    actionKind: "touch",
    channel: "email",
    accountId: "acme",
    personId: "acme-jane",
    payload: {
      to: "jane@acme.io",
      subject: "Your pricing research",
      body: "Hi Jane, teams like yours rolled out in two weeks. Free trial inside.",
    },
    payloadDigest: "sha256:x",
    reasoning: "r",
    confidence: 0.9,
    verdict: "require_approval",
    status: "rejected",
    checks: [],
    reasons: [],
    autonomyLevel: 1,
    autonomySource: "start",
    trustScore: 0,
    specVersion: 1,
    specHash: "h",
    context: {
      account: {
        name: "Acme",
        domain: "acme.io",
        industry: "Healthcare",
        employees: 200,
        country: "US",
        timezone: "America/New_York",
        lifecycle: "prospect",
      },
      person: { name: "Jane Doe", title: "VP Sales", persona: "vp", role: "champion" },
      touchesSeen: 0,
    },
    decidedAt: TUESDAY,
    idempotencyKey: "k",
    reservation: { touch: true, counters: [] },
    review: { action: "rejected", by: "alice", at: TUESDAY, digest: "sha256:x" },
    outcomes: [],
    version: 2,
    updatedAt: TUESDAY,
    ...over,
  };
}

const correct = (
  note: string,
  over: Partial<Decision> = {},
  action: "rejected" | "edited" | "vetoed" = "rejected",
) => ruleFromCorrection({ decision: decision(over), action, by: "alice", note, taken: new Set() });

/** What the gate itself says about the rule (checks/rules.ts), on the decision's subject at its time. */
function gateMatches(rule: SpecRule, d: Decision): boolean {
  const spec = addRule(defaultSpec(), { ...rule, mode: "enforce" });
  const a = d.context.account;
  const subject = {
    actionType: d.actionType,
    agentId: d.agentId,
    ...(d.channel ? { channel: d.channel } : {}),
    ...(a ? { account: account({ industry: a.industry, country: a.country, timezone: a.timezone }) } : {}),
    ...(d.context.person?.persona
      ? { persona: { name: d.context.person.persona, role: d.context.person.role ?? "champion" } as never }
      : {}),
    timeZone: a?.timezone ?? "UTC",
    payload: d.payload,
  };
  return checkRules(spec, subject, Date.parse(d.decidedAt)).checks.some((c) => c.rule === rule.name);
}

describe("a correction becomes a rule proposed from the decision's recorded context", () => {
  it("a day the note names: that weekday and the account's industry, with the action type; rejected blocks", () => {
    const rule = correct("Hospitals hate cold email on Tuesdays");
    expect(rule.when).toEqual({ actionTypes: ["email.send"], weekdays: ["tue"], industries: ["Healthcare"] });
    expect(rule).toMatchObject({
      effect: "block",
      mode: "shadow",
      origin: { decisionId: "d_abcdefghijklmnop" },
    });
    expect(rule.note).toMatch(/Weekdays tue: the note names them/);
    expect(rule.note).toMatch(/Industry Healthcare: the account's/);
  });

  it("a quoted phrase the payload contains, not one it does not", () => {
    expect(correct('Never promise "two weeks"').when).toEqual({
      actionTypes: ["email.send"],
      phrases: ["two weeks"],
    });
    // Quoted but not in the payload: no phrase; the persona instead.
    expect(correct('Never say "guaranteed"').when).toEqual({ actionTypes: ["email.send"], personas: ["vp"] });
  });

  it("never takes a phrase naming the person, and keeps their name and email out of the reason", () => {
    const rule = correct('Do not write "Hi Jane" to jane@acme.io, Jane Doe hates it');
    expect(rule.when.phrases).toBeUndefined();
    expect(rule.note).not.toMatch(/Jane|jane@acme\.io/);
    expect(redactedReason(decision(), "Jane Doe (jane@acme.io) said no")).not.toMatch(/Jane|Doe|jane@/);
  });

  it("a recipient's short name part inside an ordinary word does not make a phrase personal", () => {
    const named = (name: string) => ({
      context: {
        ...decision().context,
        person: { name, title: "VP Sales", persona: "vp", role: "champion" },
      },
    });
    // "Al" is in "trial" and "Ed" in "guaranteed": as substrings they threw the phrase away.
    const body = { ...decision().payload, body: "Start a free trial today; results guaranteed." };
    expect(correct('Never say "free trial"', { ...named("Al Smith"), payload: body }).when.phrases).toEqual([
      "free trial",
    ]);
    expect(correct('Never say "guaranteed"', { ...named("Ed Park"), payload: body }).when.phrases).toEqual([
      "guaranteed",
    ]);
    // As a word it still names them.
    const hi = { ...decision().payload, body: "Hi Al, start a free trial today." };
    expect(
      correct('Never write "Hi Al"', { ...named("Al Smith"), payload: hi }).when.phrases,
    ).toBeUndefined();
  });

  it("a persona or industry longer than a rule can hold is not named; the rule falls back", () => {
    const long = "p".repeat(101);
    const ctx = decision().context;
    const over = {
      context: { ...ctx, person: { ...ctx.person, name: "Jane Doe", persona: long } },
    } as Partial<Decision>;
    const rule = correct("too pushy for this audience", over);
    expect(rule.when).toEqual({ actionTypes: ["email.send"], industries: ["Healthcare"] });
    expect(reviewCellOf(decision(over))).toBeUndefined();
    // At the limit it is named, and the pattern's rule passes the spec's validation.
    const edge = "p".repeat(100);
    const atLimit = {
      context: { ...ctx, person: { ...ctx.person, name: "Jane Doe", persona: edge } },
    } as Partial<Decision>;
    const cell = reviewCellOf(decision(atLimit));
    expect(cell?.persona).toBe(edge);
    if (!cell) throw new Error("no cell");
    expect(() =>
      addRule(defaultSpec(), ruleFromPattern(cell, { rejected: 3, reviewed: 3 }, new Set())),
    ).not.toThrow();
  });

  it("no day or phrase: persona and action type; edited asks for review", () => {
    const rule = correct("too pushy for this audience", {}, "edited");
    expect(rule.when).toEqual({ actionTypes: ["email.send"], personas: ["vp"] });
    expect(rule.effect).toBe("review");
  });

  it("a day the note names that is not the decision's local day is no condition", () => {
    const rule = correct("not on Fridays");
    expect(rule.when.weekdays).toBeUndefined();
    expect(rule.note).toMatch(/names fri but the decision was on a tue/);
  });

  it("matches the corrected decision, by its own matcher and by the gate's, and not unrelated ones", () => {
    for (const note of ["Hospitals hate cold email on Tuesdays", 'Never promise "two weeks"', "too pushy"]) {
      const rule = correct(note);
      const d = decision();
      expect(matchesDecision(rule.when, d)).toBe(true);
      expect(gateMatches(rule, d)).toBe(true);
      const unrelated = [
        decision({ actionType: "linkedin.message", channel: "linkedin" }),
        decision({
          decidedAt: "2026-03-12T14:00:00.000Z",
          payload: { subject: "Hello", body: "A different message entirely, nothing promised." },
          context: {
            ...d.context,
            person: { name: "Bob", title: "Director", persona: "director", role: "influencer" },
          },
        }),
      ];
      for (const u of unrelated) {
        expect(matchesDecision(rule.when, u), `${note} / ${u.actionType}`).toBe(false);
        expect(gateMatches(rule, u)).toBe(false);
      }
    }
  });

  it("explicit conditions replace the proposal's, and must still match the corrected decision", () => {
    const rule = ruleFromCorrection({
      decision: decision(),
      action: "rejected",
      by: "alice",
      note: "n",
      explicit: { when: { countries: ["US"] }, effect: "defer" },
      taken: new Set(),
    });
    expect(rule).toMatchObject({ when: { countries: ["US"] }, effect: "defer" });
    const wrong = () =>
      ruleFromCorrection({
        decision: decision(),
        action: "rejected",
        by: "alice",
        note: "n",
        explicit: { when: { countries: ["DE"] } },
        taken: new Set(),
      });
    expect(wrong).toThrow(ValidationError);
    try {
      wrong();
    } catch (err) {
      expect((err as ValidationError).issues[0]?.path).toBe("rule.when");
    }
  });

  it("takes a name the spec does not use", () => {
    const first = correct("x").name;
    const again = ruleFromCorrection({
      decision: decision(),
      action: "rejected",
      by: "a",
      note: "x",
      taken: new Set([first]),
    });
    expect(again.name).toBe(`${first}-2`);
  });

  it("reads days and quotes out of a note", () => {
    expect(daysMentioned("no emails on weekends or Mondays")).toEqual(["sun", "mon", "sat"]);
    expect(daysMentioned("someday")).toEqual([]);
    expect(quotesIn(`say "free trial" or “act fast”, not 'ok'`)).toEqual(["free trial", "act fast"]);
    // An apostrophe inside a word opens no quotation.
    expect(quotesIn("Don't mention 'free trial' to hospitals")).toEqual(["free trial"]);
    expect(quotesIn("It's wrong to write 'act now', isn't it")).toEqual(["act now"]);
  });
});

describe("flips, cells and the repeated-rejection threshold", () => {
  it("a flip per shadow entry whose verdict differs from the actual one, ids only", () => {
    const d = decision({
      shadow: [
        { rule: "a", check: "rule", verdict: "block" },
        { rule: "b", check: "icp", verdict: "require_approval" },
      ],
    } as Partial<Decision>);
    const flips = flipsOf(d);
    expect(flips).toEqual([
      {
        specVersion: 1,
        rule: "a",
        check: "rule",
        decisionId: d.decisionId,
        decidedAt: TUESDAY,
        agentId: "outreach-writer",
        actionType: "email.send",
        accountId: "acme",
        actual: "require_approval",
        wouldBe: "block",
      },
    ]);
    expect(JSON.stringify(flips)).not.toMatch(/Jane|jane@|two weeks/);
  });

  it("totals sum the cells by agent, action type and day", () => {
    expect(
      sumFlipCells([
        { day: "2026-03-10", agentId: "a", actionType: "email.send", count: 2 },
        { day: "2026-03-11", agentId: "a", actionType: "linkedin.message", count: 1 },
        { day: "2026-03-11", agentId: "b", actionType: "email.send", count: 3 },
      ]),
    ).toEqual({
      total: 6,
      byAgent: { a: 3, b: 3 },
      byActionType: { "email.send": 5, "linkedin.message": 1 },
      byDay: { "2026-03-10": 2, "2026-03-11": 4 },
    });
  });

  it("a cell needs a persona and an industry", () => {
    expect(reviewCellOf(decision())).toEqual({
      actionType: "email.send",
      persona: "vp",
      industry: "Healthcare",
    });
    expect(reviewCellOf(decision({ context: { touchesSeen: 0 } }))).toBeUndefined();
  });

  it("≥ 3 rejections and ≥ 50% rejected, no open draft, and new evidence after a closed one", () => {
    const cell = { actionType: "email.send", persona: "vp", industry: "Healthcare" };
    expect(patternDraftDue({ cell, reviewed: 3, rejected: 2 })).toBe(false);
    expect(patternDraftDue({ cell, reviewed: 7, rejected: 3 })).toBe(false);
    expect(patternDraftDue({ cell, reviewed: 6, rejected: 3 })).toBe(true);
    expect(patternDraftDue({ cell, reviewed: 6, rejected: 3, openDraftId: "dr_1" })).toBe(false);
    expect(patternDraftDue({ cell, reviewed: 8, rejected: 5, rejectedAtLastDraft: 3 })).toBe(false);
    expect(patternDraftDue({ cell, reviewed: 9, rejected: 6, rejectedAtLastDraft: 3 })).toBe(true);
  });

  it("the pattern's rule blocks exactly its cell", () => {
    const rule = ruleFromPattern(
      { actionType: "email.send", persona: "vp", industry: "Healthcare" },
      { rejected: 3, reviewed: 4 },
      new Set(),
    );
    expect(rule).toMatchObject({
      name: "pattern-email.send-vp-healthcare",
      effect: "block",
      mode: "shadow",
      when: { actionTypes: ["email.send"], personas: ["vp"], industries: ["Healthcare"] },
    });
    expect(matchesDecision(rule.when, decision())).toBe(true);
    expect(matchesDecision(rule.when, decision({ actionType: "linkedin.message" }))).toBe(false);
  });
});
