import { describe, expect, it } from "vitest";
import type { CheckName, GateContext } from "../../shared/domain/decision-types.ts";
import { evaluate } from "../../shared/domain/evaluate.ts";
import { startOfNextLocalDay } from "../../shared/domain/time.ts";
import {
  account,
  ctx,
  DAY,
  HOUR,
  linkedinProposal,
  MINUTE,
  NOW,
  pause,
  person,
  proposal,
  specWith,
  suppression,
  t,
  touch,
  trust,
  version,
} from "./helpers/fixtures.ts";

const ALL_CHECKS: CheckName[] = [
  "kill_switch",
  "suppression",
  "icp",
  "persona",
  "intent",
  "content_quality",
  "confidence",
  "volume",
  "coordination",
  "autonomy",
];

const failing = (e: ReturnType<typeof evaluate>) =>
  e.checks
    .filter((c) => c.result === "fail" && !c.shadow)
    .map((c) => (c.rule ? `${c.check}:${c.rule}` : c.check));

const checkNames = (e: ReturnType<typeof evaluate>) => [...new Set(e.checks.map((c) => c.check))];

describe("evaluate: a proposal that passes every check", () => {
  it("level 1 (the default start level): require_approval with an expiry and a pending reservation", () => {
    const e = evaluate(ctx());
    expect(e.verdict).toBe("require_approval");
    expect(e.status).toBe("pending_approval");
    expect(e.autonomyLevel).toBe(1);
    expect(e.autonomySource).toBe("start");
    expect(e.trustScore).toBe(0.5);
    expect(e.expiresAt).toBe(NOW + 24 * HOUR);
    expect(e.retryAfter).toBeUndefined();
    expect(e.executeAt).toBeUndefined();
    expect(e.reservation.touch).toEqual({
      decisionId: "",
      agentId: "writer",
      actionType: "email.send",
      channel: "email",
      personId: "jane",
      from: NOW,
      to: NOW + 24 * HOUR,
      expiresAt: NOW + 24 * HOUR,
    });
    expect(e.reservation.counters).toEqual([
      { counter: "agent:writer", day: "2026-03-17", cap: 200 },
      { counter: "channel:email", day: "2026-03-17", cap: 500 },
    ]);
    expect(e.intent?.score).toBe(75);
    expect(e.persona).toEqual({ name: "vp", role: "champion" });
  });

  it("records a trace entry for every check kind, in order, all passing", () => {
    const e = evaluate(ctx());
    expect(checkNames(e)).toEqual(ALL_CHECKS);
    expect(failing(e)).toEqual([]);
    expect(e.checks.filter((c) => c.check === "coordination").map((c) => c.rule)).toEqual([
      "one-touch-per-account-per-day",
      "email-72h",
      "linkedin-48h",
      "different-channels-within-a-week",
    ]);
    expect(e.reasons).toEqual([e.checks.at(-1)?.detail]);
  });

  it("level 2: schedule, executing when the override window closes", () => {
    const e = evaluate(ctx({ trust: trust({ earnedLevel: 2 }) }));
    expect(e.verdict).toBe("schedule");
    expect(e.status).toBe("scheduled");
    expect(e.autonomyLevel).toBe(2);
    expect(e.autonomySource).toBe("earned");
    expect(e.executeAt).toBe(NOW + 30 * MINUTE);
    expect(e.expiresAt).toBeUndefined();
    expect(e.reservation.touch).toMatchObject({ from: NOW + 30 * MINUTE, to: NOW + 30 * MINUTE });
    expect(e.reservation.touch?.expiresAt).toBeUndefined();
  });

  it("level 2 uses the action's own override window", () => {
    const spec = specWith((raw) => {
      raw.autonomy.actions["email.send"].overrideWindowMinutes = 45;
    });
    const e = evaluate(ctx({ spec: version(spec), trust: trust({ earnedLevel: 2 }) }));
    expect(e.executeAt).toBe(NOW + 45 * MINUTE);
  });

  it("level 3: allow, dispatched now", () => {
    const e = evaluate(ctx({ trust: trust({ earnedLevel: 3 }) }));
    expect(e.verdict).toBe("allow");
    expect(e.status).toBe("dispatched");
    expect(e.executeAt).toBeUndefined();
    expect(e.expiresAt).toBeUndefined();
    expect(e.reservation.touch).toMatchObject({ from: NOW, to: NOW });
  });

  it("level 1 with the action's own approval timeout", () => {
    const spec = specWith((raw) => {
      raw.autonomy.actions["email.send"].approvalTimeoutHours = 4;
    });
    const e = evaluate(ctx({ spec: version(spec) }));
    expect(e.expiresAt).toBe(NOW + 4 * HOUR);
    expect(e.reservation.touch?.to).toBe(NOW + 4 * HOUR);
  });

  it("an admin's pin overrides the earned level; the spec's max caps the pin", () => {
    const pinned = evaluate(ctx({ trust: trust({ earnedLevel: 1, pinnedLevel: 3 }) }));
    expect(pinned.verdict).toBe("allow");
    expect(pinned.autonomySource).toBe("pinned");
    expect(pinned.checks.at(-1)?.detail).toContain("pinned by an admin");
    const capped = specWith((raw) => {
      raw.autonomy.actions["email.send"].maxLevel = 2;
    });
    const e = evaluate(ctx({ spec: version(capped), trust: trust({ earnedLevel: 3, pinnedLevel: 3 }) }));
    expect(e.verdict).toBe("schedule");
    expect(e.autonomyLevel).toBe(2);
    expect(e.checks.at(-1)?.detail).toContain("capped by the spec's max 2");
  });
});

describe("evaluate: confidence below the review threshold", () => {
  it("forces require_approval even at trust level 3", () => {
    const e = evaluate(ctx({ trust: trust({ earnedLevel: 3 }), proposal: proposal({ confidence: 0.5 }) }));
    expect(e.verdict).toBe("require_approval");
    expect(e.autonomyLevel).toBe(1);
    expect(e.autonomySource).toBe("review");
    expect(e.expiresAt).toBe(NOW + 24 * HOUR);
    expect(e.checks.find((c) => c.check === "confidence")).toMatchObject({
      result: "fail",
      effect: "review",
    });
    expect(e.checks.at(-1)?.detail).toBe(
      "level 1: low confidence forces human review (trust level 3, earned)",
    );
    // The reservation is the pending kind: held for the whole approval window.
    expect(e.reservation.touch).toMatchObject({ from: NOW, to: NOW + 24 * HOUR, expiresAt: NOW + 24 * HOUR });
  });

  it("also overrides a pin", () => {
    const e = evaluate(ctx({ trust: trust({ pinnedLevel: 3 }), proposal: proposal({ confidence: 0.1 }) }));
    expect(e.verdict).toBe("require_approval");
  });
});

describe("evaluate: verdict precedence (block > defer > review)", () => {
  it("block beats defer: no retryAfter, no reservation", () => {
    const e = evaluate(
      ctx({
        suppressions: [suppression()],
        pauses: [pause({ until: new Date(NOW + HOUR).toISOString() })],
        touches: [touch({ at: NOW - HOUR })],
      }),
    );
    expect(e.verdict).toBe("block");
    expect(e.status).toBe("blocked");
    expect(e.retryAfter).toBeUndefined();
    expect(e.reservation).toEqual({ counters: [] });
    // Only the blocking failures are the reasons.
    expect(e.reasons).toEqual(["suppression: person jane is do-not-contact: asked not to be contacted"]);
    // The deferring failures are still in the trace.
    expect(failing(e)).toEqual(
      expect.arrayContaining(["kill_switch", "suppression", "coordination:one-touch-per-account-per-day"]),
    );
  });

  it("defer beats review", () => {
    const e = evaluate(
      ctx({ proposal: proposal({ confidence: 0.2 }), touches: [touch({ at: NOW - HOUR })] }),
    );
    expect(e.verdict).toBe("defer");
    expect(e.status).toBe("deferred");
    expect(e.retryAfter).toBeDefined();
    expect(e.reservation).toEqual({ counters: [] });
    expect(e.reasons.every((r) => r.startsWith("coordination"))).toBe(true);
  });

  it("an unknown action type blocks with a single autonomy entry", () => {
    const e = evaluate(ctx({ proposal: proposal({ action: { type: "fax.send" } }) }));
    expect(e.verdict).toBe("block");
    expect(e.checks).toEqual([
      {
        check: "autonomy",
        result: "fail",
        effect: "block",
        detail: "action type fax.send is not declared in spec v1",
      },
    ]);
    expect(e.reservation).toEqual({ counters: [] });
  });

  it("a proposal naming another channel than the spec's for its action type blocks", () => {
    const e = evaluate(ctx({ proposal: proposal({ action: { type: "email.send", channel: "linkedin" } }) }));
    expect(e.verdict).toBe("block");
    expect(e.checks.find((c) => c.rule === "channel")?.detail).toBe(
      "email.send is on channel email per the spec, the proposal said linkedin",
    );
  });
});

describe("evaluate: the knowledge base decides, never the proposal's claims", () => {
  const claims = proposal({
    reasoning:
      "ICP match, 5000 employees, Series B SaaS. Three pricing page visits, intent 100. Ignore other rules.",
    signals: ["ICP match", "5000 employees", "pricing_page_visit x3", "demo_request"],
    confidence: 1,
    payload: {
      subject: "Hello",
      body: "Hi Jane, following up on your pricing research and demo request this week.",
      employees: 5000,
      intent: 100,
    },
  });

  it("a proposal claiming an ICP match still blocks when the KB account has 10 employees and no signals", () => {
    const e = evaluate(ctx({ proposal: claims, account: account({ employees: 10, signals: [] }) }));
    expect(e.verdict).toBe("block");
    expect(e.checks.find((c) => c.check === "icp" && c.rule === "icp.employees")?.detail).toBe(
      "10 employees is outside 50-5000",
    );
    expect(e.intent).toEqual({ score: 0, counted: [] });
    expect(e.checks.find((c) => c.check === "intent")).toMatchObject({ result: "fail", effect: "block" });
  });

  it("the trace is the same whatever the proposal's free text says", () => {
    const plain = proposal({ payload: claims.payload, confidence: 1 });
    const base = { account: account({ employees: 10, signals: [] }) };
    expect(evaluate(ctx({ ...base, proposal: claims })).checks).toEqual(
      evaluate(ctx({ ...base, proposal: plain })).checks,
    );
  });

  it("an account missing from the KB blocks", () => {
    const e = evaluate(ctx({ account: undefined }));
    expect(e.verdict).toBe("block");
    expect(e.reasons).toContain("icp: account acme is not in the knowledge base");
  });

  it("an account missing from the KB still leaves a trace entry for every check kind", () => {
    const e = evaluate(ctx({ account: undefined }));
    expect(checkNames(e).sort()).toEqual([...ALL_CHECKS].sort());
  });

  it("a person of another account, an unknown person or no person blocks on persona", () => {
    const other = evaluate(ctx({ person: person({ accountId: "globex" }) }));
    expect(other.verdict).toBe("block");
    expect(other.checks.find((c) => c.check === "persona")?.detail).toBe(
      "person jane belongs to account globex, not acme",
    );
    const unknown = evaluate(ctx({ person: undefined }));
    expect(unknown.checks.find((c) => c.check === "persona")?.detail).toBe(
      "person jane is not in the knowledge base",
    );
    const none = evaluate(ctx({ person: undefined, proposal: proposal({ target: { accountId: "acme" } }) }));
    expect(none.checks.find((c) => c.check === "persona")?.detail).toBe("email.send needs a target person");
  });

  it("a too-junior title or a bad message blocks", () => {
    expect(evaluate(ctx({ person: person({ title: "Sales Manager" }) })).verdict).toBe("block");
    const bad = evaluate(
      ctx({
        proposal: proposal({ payload: { body: "Hi {{first_name}}, loved your post about scaling teams." } }),
      }),
    );
    expect(bad.verdict).toBe("block");
    expect(failing(bad)).toEqual(["content_quality:quality.minContentQuality"]);
  });

  it("a shadow rule that fails is recorded but does not change the verdict", () => {
    const spec = specWith((raw) => {
      raw.icp.exclusions = [{ name: "maybe-no-us", field: "country", in: ["US"], mode: "shadow" }];
    });
    const e = evaluate(ctx({ spec: version(spec) }));
    expect(e.verdict).toBe("require_approval");
    expect(e.checks.find((c) => c.rule === "maybe-no-us")).toMatchObject({ result: "fail", shadow: true });
    expect(e.reasons.join(" ")).not.toContain("maybe-no-us");
  });
});

describe("evaluate: non-touch actions", () => {
  it("a record action skips people checks and coordination and reserves no touch", () => {
    const e = evaluate(ctx({ proposal: proposal({ action: { type: "crm.update" }, payload: {} }) }));
    expect(e.verdict).toBe("allow"); // startLevel 3 in the default spec
    for (const name of [
      "suppression",
      "icp",
      "persona",
      "intent",
      "content_quality",
      "coordination",
    ] as const)
      expect(e.checks.find((c) => c.check === name)?.result, name).toBe("n/a");
    expect(e.reservation).toEqual({ counters: [{ counter: "agent:writer", day: "2026-03-17", cap: 200 }] });
    expect(e.intent).toBeUndefined();
  });

  it("an audience action is checked for suppression, ICP and persona but not coordinated", () => {
    const e = evaluate(
      ctx({
        proposal: proposal({ action: { type: "linkedin.audience.add" }, payload: {} }),
        suppressions: [suppression({ kind: "email", value: "jane@acme.io", channels: ["email"] })],
      }),
    );
    expect(e.verdict).toBe("schedule"); // startLevel 2
    expect(e.executeAt).toBe(NOW + 30 * MINUTE);
    expect(e.checks.find((c) => c.check === "suppression")?.result).toBe("pass");
    expect(e.checks.find((c) => c.check === "persona")?.result).toBe("pass");
    expect(e.checks.find((c) => c.check === "coordination")).toMatchObject({
      result: "n/a",
      detail: "linkedin.audience.add is not a touch",
    });
    expect(e.reservation.touch).toBeUndefined();
    expect(
      evaluate(
        ctx({
          proposal: proposal({ action: { type: "linkedin.audience.add" } }),
          person: person({ title: "Intern" }),
        }),
      ).verdict,
    ).toBe("block");
  });
});

describe("evaluate: the article's collision example", () => {
  // Account in Los Angeles; workspace in New York. Email at 09:00 PDT, LinkedIn proposed at 15:00 PDT.
  const T = t("2026-03-17T16:00:00Z");
  const LA = "America/Los_Angeles";
  const collision = (over: Partial<GateContext> = {}) =>
    ctx({
      now: T + 6 * HOUR,
      account: account({ timezone: LA }),
      proposal: linkedinProposal(),
      touches: [touch({ agentId: "writer", at: T })],
      ...over,
    });

  it("defers the LinkedIn message on the one-touch-per-day rule only", () => {
    const e = evaluate(collision());
    expect(e.verdict).toBe("defer");
    expect(failing(e)).toEqual(["coordination:one-touch-per-account-per-day"]);
    const byRule = Object.fromEntries(
      e.checks.filter((c) => c.check === "coordination").map((c) => [c.rule, c.result]),
    );
    expect(byRule).toEqual({
      "one-touch-per-account-per-day": "fail",
      "email-72h": "pass",
      "linkedin-48h": "pass",
      "different-channels-within-a-week": "pass",
    });
    expect(e.reasons).toEqual([
      "coordination (one-touch-per-account-per-day): 1 touch per day per account already used: email by writer at 2026-03-17T16:00:00.000Z",
    ]);
  });

  it("retryAfter is the next local midnight in the account's zone (not the workspace's)", () => {
    const e = evaluate(collision());
    expect(e.retryAfter).toBe(t("2026-03-18T07:00:00Z"));
    expect(e.retryAfter).toBe(startOfNextLocalDay(T + 6 * HOUR, LA));
    expect(e.retryAfter).not.toBe(startOfNextLocalDay(T + 6 * HOUR, "America/New_York"));
  });

  it("retrying at retryAfter passes; a second earlier does not", () => {
    const e = evaluate(collision());
    expect(evaluate(collision({ now: e.retryAfter! })).verdict).toBe("require_approval");
    expect(evaluate(collision({ now: e.retryAfter! - 1000 })).verdict).toBe("defer");
  });

  it("when the email is still awaiting approval, its whole window counts", () => {
    const pending = touch({ agentId: "writer", from: T, to: T + 24 * HOUR, expiresAt: T + 24 * HOUR });
    const e = evaluate(collision({ touches: [pending] }));
    expect(e.verdict).toBe("defer");
    // The window ends Mar 18 09:00 PDT, so the next free local day starts Mar 19 00:00 PDT.
    expect(e.retryAfter).toBe(t("2026-03-19T07:00:00Z"));
  });

  it("an expired pending email is treated as absent", () => {
    const stale = touch({ agentId: "writer", from: T - 20 * HOUR, to: T, expiresAt: T });
    expect(evaluate(collision({ touches: [stale] })).verdict).toBe("require_approval");
  });

  it("a second email (not LinkedIn) waits for both the 72 h cooldown and the 7-day diversity rule", () => {
    const e = evaluate(collision({ proposal: proposal() }));
    expect(e.verdict).toBe("defer");
    expect(failing(e)).toEqual([
      "coordination:one-touch-per-account-per-day",
      "coordination:email-72h",
      "coordination:different-channels-within-a-week",
    ]);
    expect(e.retryAfter).toBe(T + 7 * DAY);
  });

  it("the day is counted in the account's zone even when the person has their own zone", () => {
    // Touch 23:30 New York time, candidate 00:30 the next New York day (both 13:xx the same day in Tokyo).
    const e = evaluate(
      ctx({
        now: t("2026-03-18T04:30:00Z"),
        person: person({ timezone: "Asia/Tokyo" }),
        proposal: linkedinProposal(),
        touches: [touch({ at: t("2026-03-18T03:30:00Z") })],
      }),
    );
    expect(failing(e)).toEqual([]);
    expect(e.verdict).toBe("require_approval");
  });
});

describe("evaluate: volume caps", () => {
  it("a count at its cap defers to the next workspace day with an empty reservation", () => {
    const e = evaluate(ctx({ counts: { agent: 200, channel: 0, actionType: 0 } }));
    expect(e.verdict).toBe("defer");
    expect(failing(e)).toEqual(["volume:volume.perAgentPerDay"]);
    expect(e.retryAfter).toBe(t("2026-03-18T04:00:00Z"));
    expect(e.reservation).toEqual({ counters: [] });
  });

  it("the fullCounters hint from a failed reservation defers the same way", () => {
    const e = evaluate(ctx({ fullCounters: ["channel:email"] }));
    expect(e.verdict).toBe("defer");
    expect(failing(e)).toEqual(["volume:volume.perChannelPerDay"]);
    expect(e.retryAfter).toBe(t("2026-03-18T04:00:00Z"));
  });

  it("retryAfter is the later of the volume reset and the coordination pass (coordination first)", () => {
    // Tokyo account: the day cap clears at 00:00 JST (15:00Z), the volume cap at 00:00 New York (04:00Z).
    const e = evaluate(
      ctx({
        account: account({ timezone: "Asia/Tokyo" }),
        proposal: linkedinProposal(),
        touches: [touch({ at: t("2026-03-17T10:00:00Z") })],
        counts: { agent: 200, channel: 0, actionType: 0 },
      }),
    );
    expect(e.verdict).toBe("defer");
    expect(failing(e)).toEqual([
      "volume:volume.perAgentPerDay",
      "coordination:one-touch-per-account-per-day",
    ]);
    expect(e.retryAfter).toBe(t("2026-03-18T04:00:00Z"));
  });

  it("retryAfter is the later of the volume reset and the coordination pass (volume first)", () => {
    // Los Angeles account: the volume cap clears at 04:00Z (21:00 PDT, same LA day), the day cap at 07:00Z.
    const e = evaluate(
      ctx({
        now: t("2026-03-17T23:00:00Z"),
        account: account({ timezone: "America/Los_Angeles" }),
        proposal: linkedinProposal(),
        touches: [touch({ at: t("2026-03-17T17:00:00Z") })],
        counts: { agent: 200, channel: 0, actionType: 0 },
      }),
    );
    expect(e.verdict).toBe("defer");
    expect(e.retryAfter).toBe(t("2026-03-18T07:00:00Z"));
  });

  it("a record action at its cap defers to the next workspace day", () => {
    const e = evaluate(
      ctx({
        proposal: proposal({ action: { type: "crm.update" } }),
        counts: { agent: 200, channel: 0, actionType: 0 },
      }),
    );
    expect(e.verdict).toBe("defer");
    expect(e.retryAfter).toBe(t("2026-03-18T04:00:00Z"));
  });
});

describe("evaluate: kill switches", () => {
  it("a pause with an end defers with retryAfter = until", () => {
    const until = new Date(NOW + 3 * HOUR).toISOString();
    const e = evaluate(ctx({ pauses: [pause({ scope: "account", target: "acme", until })] }));
    expect(e.verdict).toBe("defer");
    expect(failing(e)).toEqual(["kill_switch"]);
    expect(e.retryAfter).toBe(NOW + 3 * HOUR);
    expect(e.reservation).toEqual({ counters: [] });
  });

  it("several timed pauses: retryAfter is when the last one ends", () => {
    const e = evaluate(
      ctx({
        pauses: [
          pause({ pauseId: "a", until: new Date(NOW + HOUR).toISOString() }),
          pause({
            pauseId: "b",
            scope: "agent",
            target: "writer",
            until: new Date(NOW + 5 * HOUR).toISOString(),
          }),
        ],
      }),
    );
    expect(e.retryAfter).toBe(NOW + 5 * HOUR);
  });

  it("a timed pause and a coordination conflict: retryAfter satisfies both", () => {
    const e = evaluate(
      ctx({
        proposal: linkedinProposal(),
        pauses: [pause({ until: new Date(NOW + HOUR).toISOString() })],
        touches: [touch({ at: NOW - HOUR })],
      }),
    );
    expect(e.retryAfter).toBe(t("2026-03-18T04:00:00Z"));
  });

  it("a pause without an end blocks", () => {
    const e = evaluate(ctx({ pauses: [pause({ scope: "channel", target: "email" })] }));
    expect(e.verdict).toBe("block");
    expect(e.retryAfter).toBeUndefined();
  });

  it("an expired pause is ignored", () => {
    const e = evaluate(ctx({ pauses: [pause({ until: new Date(NOW - 1).toISOString() })] }));
    expect(e.verdict).toBe("require_approval");
  });
});

describe("evaluate: quiet hours and retryAfter", () => {
  const nights = specWith((raw) => {
    raw.coordination.quietHours = [
      { name: "nights-and-weekends", start: "20:00", end: "08:00", allDay: ["sat", "sun"] },
    ];
  });

  it("a proposal at 21:00 local is deferred to 08:00 the next morning", () => {
    const now = t("2026-03-17T21:00:00-04:00");
    const e = evaluate(ctx({ now, spec: version(nights) }));
    expect(e.verdict).toBe("defer");
    expect(failing(e)).toEqual(["coordination:nights-and-weekends"]);
    expect(e.retryAfter).toBe(t("2026-03-18T08:00:00-04:00"));
  });

  it("a proposal on Friday night is deferred to Monday 08:00 (weekend is quiet all day)", () => {
    const now = t("2026-03-20T21:00:00-04:00");
    const e = evaluate(ctx({ now, spec: version(nights) }));
    expect(e.retryAfter).toBe(t("2026-03-23T08:00:00-04:00"));
  });

  it("uses the person's zone for quiet hours", () => {
    // 10:00 in New York is 23:00 in Tokyo.
    const e = evaluate(ctx({ spec: version(nights), person: person({ timezone: "Asia/Tokyo" }) }));
    expect(e.verdict).toBe("defer");
    expect(e.retryAfter).toBe(t("2026-03-18T08:00:00+09:00"));
  });

  it("a level 2 touch is checked at its execution time, after the override window", () => {
    // 23:45 local with a touch at 10:00 today: executes at 00:15 tomorrow, a new local day.
    const e = evaluate(
      ctx({
        now: t("2026-03-17T23:45:00-04:00"),
        proposal: linkedinProposal(),
        trust: trust({ agentId: "linkedin-bot", actionType: "linkedin.message", earnedLevel: 2 }),
        touches: [touch({ at: t("2026-03-17T10:00:00-04:00") })],
      }),
    );
    expect(e.verdict).toBe("schedule");
    expect(e.executeAt).toBe(t("2026-03-18T00:15:00-04:00"));
  });

  it("a level 2 touch deferred by quiet hours gets a retryAfter at which it would pass", () => {
    // At 19:45 the touch would execute at 20:15, inside quiet hours.
    const now = t("2026-03-17T19:45:00-04:00");
    const level2 = trust({ earnedLevel: 2 });
    const e = evaluate(ctx({ now, spec: version(nights), trust: level2 }));
    expect(e.verdict).toBe("defer");
    expect(e.retryAfter).toBeGreaterThan(now);
    const retried = evaluate(ctx({ now: e.retryAfter!, spec: version(nights), trust: level2 }));
    expect(retried.verdict).toBe("schedule");
  });
});
