import { describe, expect, it } from "vitest";
import type { Decision } from "../../shared/domain/decision.ts";
import type { CheckResult } from "../../shared/domain/decision-types.ts";
import { coordinationClearsAt, failures, revalidate } from "../../shared/domain/revalidate.ts";
import {
  account,
  ctx,
  GOOD_BODY,
  HOUR,
  NOW,
  pause,
  person,
  specWith,
  suppression,
  touch,
  trust,
  version,
} from "./helpers/fixtures.ts";

/** The fields of a decision revalidation reads. */
const decision = (over: Partial<Decision> = {}): Decision =>
  ({
    decisionId: "d-mine",
    actionType: "email.send",
    channel: "email",
    accountId: "acme",
    personId: "jane",
    ...over,
  }) as Decision;

const payload = { subject: "Your pricing research", body: GOOD_BODY };
const names = (checks: CheckResult[]) =>
  failures(checks).map((c) => (c.rule ? `${c.check}:${c.rule}` : c.check));

describe("revalidate: hard rules re-checked before dispatch", () => {
  it("passes when nothing changed, ignoring the decision's own reservation", () => {
    const own = touch({ decisionId: "d-mine", agentId: "writer", at: NOW });
    const checks = revalidate(ctx({ touches: [own] }), decision(), payload);
    expect(names(checks)).toEqual([]);
    expect(checks.map((c) => c.check)).toEqual([
      "kill_switch",
      "suppression",
      "icp",
      "icp",
      "persona",
      "content_quality",
      "coordination",
      "coordination",
      "coordination",
      "coordination",
    ]);
  });

  it("a prospect who unsubscribed during the window is not contacted", () => {
    const c = ctx({
      suppressions: [suppression({ kind: "email", value: "jane@acme.io", channels: ["email"] })],
    });
    expect(names(revalidate(c, decision(), payload))).toEqual(["suppression"]);
  });

  it("a pause taken during the window stops dispatch", () => {
    expect(names(revalidate(ctx({ pauses: [pause()] }), decision(), payload))).toEqual(["kill_switch"]);
  });

  it("another touch reserved meanwhile is a coordination failure", () => {
    const other = touch({ decisionId: "d-other", at: NOW - HOUR });
    expect(names(revalidate(ctx({ touches: [other] }), decision(), payload))).toContain(
      "coordination:one-touch-per-account-per-day",
    );
  });

  it("an expired reservation of another decision does not count", () => {
    const stale = touch({
      decisionId: "d-other",
      from: NOW - 25 * HOUR,
      to: NOW - HOUR,
      expiresAt: NOW - HOUR,
    });
    expect(names(revalidate(ctx({ touches: [stale] }), decision(), payload))).toEqual([]);
  });

  it("the edited payload is what is checked", () => {
    const edited = { body: "Hi {{first_name}}, following up on the pricing page visits from this week." };
    expect(names(revalidate(ctx(), decision(), edited))).toEqual([
      "content_quality:quality.minContentQuality",
    ]);
  });

  it("the current spec applies (an ICP change during the window)", () => {
    const narrower = specWith((raw) => {
      raw.icp.employees = { min: 500, max: 5000 };
    });
    expect(names(revalidate(ctx({ spec: version(narrower) }), decision(), payload))).toEqual([
      "icp:icp.employees",
    ]);
  });

  it("an account or action type gone since the decision blocks", () => {
    expect(names(revalidate(ctx({ account: undefined }), decision(), payload))).toEqual(["icp"]);
    const gone = revalidate(ctx(), decision({ actionType: "fax.send" }), payload);
    expect(names(gone)).toEqual(["autonomy"]);
    expect(gone.at(-1)?.detail).toBe("fax.send is no longer declared in spec v1");
  });

  it("record actions only re-check kill switches", () => {
    const checks = revalidate(ctx(), decision({ actionType: "crm.update", channel: undefined }), {});
    expect(checks.map((c) => c.check)).toEqual(["kill_switch"]);
  });

  it("audience actions re-check people but not content or coordination", () => {
    const checks = revalidate(ctx(), decision({ actionType: "linkedin.audience.add", channel: "ads" }), {});
    expect(checks.map((c) => c.check)).toEqual(["kill_switch", "suppression", "icp", "icp", "persona"]);
  });

  it("a person who changed role to too junior is not contacted", () => {
    expect(
      names(revalidate(ctx({ person: person({ title: "Sales Manager" }) }), decision(), payload)),
    ).toEqual(["persona:personas.allowedRoles"]);
  });

  it("the account's zone is used for the day", () => {
    // A touch at 23:00 JST and dispatch at 01:00 JST: different days in Tokyo, the same day in New York.
    const other = touch({ decisionId: "d-other", at: NOW });
    const li = decision({ channel: "linkedin", actionType: "linkedin.message" });
    const tokyo = ctx({
      now: NOW + 2 * HOUR,
      account: account({ timezone: "Asia/Tokyo" }),
      touches: [other],
    });
    expect(names(revalidate(tokyo, li, payload))).toEqual([]);
    const newYork = ctx({ now: NOW + 2 * HOUR, touches: [other] });
    expect(names(revalidate(newYork, li, payload))).toEqual(["coordination:one-touch-per-account-per-day"]);
  });

  it("failures() ignores passes, shadow failures and review-only failures", () => {
    const checks: CheckResult[] = [
      { check: "icp", result: "pass", detail: "" },
      { check: "icp", rule: "s", result: "fail", effect: "block", shadow: true, detail: "" },
      { check: "confidence", result: "fail", effect: "review", detail: "" },
      { check: "suppression", result: "fail", effect: "block", detail: "" },
      { check: "coordination", rule: "c", result: "fail", effect: "defer", detail: "" },
    ];
    expect(failures(checks).map((c) => c.check)).toEqual(["suppression", "coordination"]);
  });

  it("a blocking conditional rule published while the action waited stops it; defer, review and shadow rules do not", () => {
    const withRules = (rules: unknown[]) =>
      version(
        specWith((raw) => {
          raw.rules = rules;
        }),
      );
    const d = decision({ agentId: "writer" });
    const block = withRules([{ name: "no-pricing-talk", when: { phrases: ["PRICING"] }, effect: "block" }]);
    expect(names(revalidate(ctx({ spec: block }), d, payload))).toEqual(["rule:no-pricing-talk"]);
    // The edited payload is what is matched.
    expect(names(revalidate(ctx({ spec: block }), d, { body: GOOD_BODY }))).toEqual([]);
    const soft = withRules([
      { name: "later", when: { agents: ["writer"] }, effect: "defer" },
      { name: "look", when: { roles: ["champion"] }, effect: "review" },
      { name: "maybe", when: { industries: ["Software"] }, effect: "block", mode: "shadow" },
    ]);
    expect(names(revalidate(ctx({ spec: soft }), d, payload))).toEqual([]);
    // At an override window's close nobody has looked: the review rule stops it, the defer rule not.
    const closing = revalidate(ctx({ spec: soft, trust: trust({ pinnedLevel: 2 }) }), d, payload, true);
    expect(failures(closing, true).map((c) => c.rule ?? c.check)).toEqual(["look"]);
  });

  it("a rule of weekdays that defers holds an approved or released action on those days, and says when it may go", () => {
    const noWeekends = version(
      specWith((raw) => {
        raw.rules = [{ name: "no-weekends", when: { weekdays: ["sat", "sun"] }, effect: "defer" }];
      }),
    );
    const d = decision({ agentId: "writer" });
    // Saturday 10:00 for the recipient in New York.
    const saturday = ctx({ spec: noWeekends, now: Date.parse("2026-03-21T10:00:00-04:00") });
    expect(names(revalidate(saturday, d, payload))).toEqual(["rule:no-weekends"]);
    expect(coordinationClearsAt(saturday, d, ["no-weekends"])).toBe(Date.parse("2026-03-23T00:00:00-04:00"));
    const monday = ctx({ spec: noWeekends, now: Date.parse("2026-03-23T09:00:00-04:00") });
    expect(names(revalidate(monday, d, payload))).toEqual([]);
  });

  it("an override window closing after the agent fell below level 2 stops it: it needs a person now", () => {
    const d = decision({ agentId: "writer" });
    const demoted = ctx({ trust: trust({ pinnedLevel: 1 }) });
    expect(names(revalidate(demoted, d, payload))).toEqual([]);
    const closing = failures(revalidate(demoted, d, payload, true), true);
    expect(closing.map((c) => c.check)).toEqual(["autonomy"]);
    expect(closing[0]?.detail).toContain("level for email.send is now 1 (pinned by an admin)");
    // The spec's cap lowered under it does the same; a level still at 2 or more does not.
    const capped = ctx({
      trust: trust({ pinnedLevel: 2 }),
      spec: version(
        specWith((raw) => {
          (raw as any).autonomy.actions["email.send"].maxLevel = 1;
        }),
      ),
    });
    const cappedFailures = failures(revalidate(capped, d, payload, true), true);
    expect(cappedFailures.map((c) => c.check)).toEqual(["autonomy"]);
    expect(cappedFailures[0]?.detail).toContain("is now 1 (the spec's maxLevel 1)");
    expect(failures(revalidate(ctx({ trust: trust({ pinnedLevel: 2 }) }), d, payload, true), true)).toEqual(
      [],
    );
  });
});
