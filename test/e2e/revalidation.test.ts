import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  advance,
  emailProposal,
  eventTypes,
  expectStatus,
  getDecision,
  type Harness,
  MINUTE,
  pin,
  proposeOk,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await seedAccount(h, "acme");
  await pin(h, "outreach-writer", "email.send", 2);
});
afterEach(() => h.close());

/** A level 2 email, scheduled to go out when its 30-minute override window closes. */
async function scheduled() {
  const d = await proposeOk(h, emailProposal("outreach-writer"));
  expect(d.status).toBe("scheduled");
  await advance(h, 10 * MINUTE);
  return d;
}

/** Let the window close and the scheduler fire; the action must not have been executed. */
async function expectNotSent(decisionId: string, why: RegExp) {
  expect(await advance(h, 25 * MINUTE)).toBe(1);
  const d = await getDecision(h, decisionId);
  expect(d.status).toBe("vetoed");
  expect(eventTypes(d)).toEqual(["decided", "revalidation_failed"]);
  const failed = d.events[1];
  expect(failed.actor).toBe("harness");
  expect(failed.detail).toMatch(/re-validation failed/);
  expect(failed.detail).toMatch(why);
  expect(d.execution).toBeUndefined();
  expect(h.rt.sandbox.entries).toHaveLength(0);
  // Ticking again changes nothing.
  await advance(h, 60 * MINUTE);
  expect((await getDecision(h, decisionId)).status).toBe("vetoed");
  expect(h.rt.sandbox.entries).toHaveLength(0);
}

/** A pause with an end, `ms` from now. */
async function pauseFor(pause: { scope: string; target: string; reason: string }, ms: number) {
  const until = new Date(h.rt.clock.now() + ms).toISOString();
  expectStatus(await h.call("POST", "/v1/pauses", h.admin, { ...pause, until }), 201);
}

/** The recipient's weekday at `at` (the account's zone, America/New_York). */
const localDay = (at: number) =>
  new Intl.DateTimeFormat("en-US", { weekday: "short", timeZone: "America/New_York" })
    .format(at)
    .toLowerCase();

/** Publish the spec in force with a rule deferring email on the recipient's today. */
async function notToday() {
  const current = expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200);
  const spec = structuredClone(current.spec);
  spec.rules = [{ name: "not-today", when: { weekdays: [localDay(h.rt.clock.now())] }, effect: "defer" }];
  expectStatus(await h.call("POST", "/v1/specs", h.admin, spec), 201);
}

/** Publish the spec in force with quiet hours "focus" from `at` for `minutes`, in the account's zone. */
async function quietFrom(at: number, minutes: number) {
  const hhmm = (t: number) =>
    new Intl.DateTimeFormat("en-US", {
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
      timeZone: "America/New_York",
    }).format(t);
  const current = expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200);
  const spec = structuredClone(current.spec);
  spec.coordination.quietHours = [{ name: "focus", start: hhmm(at), end: hhmm(at + minutes * MINUTE) }];
  expectStatus(await h.call("POST", "/v1/specs", h.admin, spec), 201);
}

const approve = async (d: { decisionId: string; payloadDigest: string }) =>
  expectStatus(
    await h.call("POST", `/v1/decisions/${d.decisionId}/approve`, h.approver, { digest: d.payloadDigest }),
    200,
  );

/** An hour on, the reconciler's pass (the scheduler's loop runs it after each poll): sent, once. */
async function expectSentAfterPause(decisionId: string) {
  await advance(h, 60 * MINUTE);
  await h.rt.reconcile();
  await h.rt.bus.drain();
  expect((await getDecision(h, decisionId)).status).toBe("executed");
  expect(h.rt.sandbox.entries).toHaveLength(1);
}

describe("re-validation before dispatch", () => {
  it("does not contact a prospect who unsubscribed (email suppression) during the override window", async () => {
    const d = await scheduled();
    expectStatus(
      await h.call("POST", "/v1/suppressions", h.admin, {
        kind: "email",
        value: "jane@acme.io",
        reason: "unsubscribed",
      }),
      201,
    );
    await expectNotSent(d.decisionId, /suppression: .*unsubscribed/);
  });

  it("honours a person do-not-contact added during the window", async () => {
    const d = await scheduled();
    expectStatus(
      await h.call("POST", "/v1/suppressions", h.admin, {
        kind: "person",
        value: "acme-jane",
        reason: "asked not to be contacted",
      }),
      201,
    );
    await expectNotSent(d.decisionId, /suppression: .*do-not-contact/);
  });

  it("honours a domain do-not-contact added during the window", async () => {
    const d = await scheduled();
    const res = expectStatus(
      await h.call("POST", "/v1/suppressions", h.admin, {
        kind: "domain",
        value: "acme.io",
        reason: "legal",
      }),
      201,
    );
    expect(res.appliedTo).toEqual(["account:acme"]);
    await expectNotSent(d.decisionId, /suppression: .*do-not-contact: legal/);
  });

  it("honours an account pause created during the window", async () => {
    const d = await scheduled();
    const pause = expectStatus(
      await h.call("POST", "/v1/pauses", h.admin, {
        scope: "account",
        target: "acme",
        reason: "legal review",
      }),
      201,
    );
    expect(pause.pauseId).toBeTruthy();
    await expectNotSent(d.decisionId, /kill_switch: account acme paused by root: legal review/);
  });

  it("a pause with an end, in force when the window closes, is waited out: dispatched, sent once it ends", async () => {
    const d = await scheduled();
    await pauseFor({ scope: "account", target: "acme", reason: "incident" }, 30 * MINUTE);
    await advance(h, 25 * MINUTE);
    // Before: vetoed ("re-validation failed: kill_switch"), given back, and never proposed again.
    const waiting = await getDecision(h, d.decisionId);
    expect(waiting.status).toBe("dispatched");
    expect(h.rt.sandbox.entries).toHaveLength(0);
    await expectSentAfterPause(d.decisionId);
  });

  it("an approval given during a pause with an end is an approval: sent once the pause ends", async () => {
    await pin(h, "outreach-writer", "email.send", 1);
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    expect(d.status).toBe("pending_approval");
    await pauseFor({ scope: "channel", target: "email", reason: "incident" }, 20 * MINUTE);
    const res = await approve(d);
    // Before: "rejected", the reviewer's approval lost to a 20-minute pause.
    expect(res.status).toBe("dispatched");
    await h.rt.scheduler.tick();
    expect(h.rt.sandbox.entries).toHaveLength(0);
    await expectSentAfterPause(d.decisionId);
  });

  it("an approval in a short pause that ends inside the recipient's quiet hours waits for them: 409 with when, still pending", async () => {
    await pin(h, "outreach-writer", "email.send", 1);
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    // Quiet hours from 10 minutes on, for two hours; the email pause ends 20 minutes into them.
    await quietFrom(h.rt.clock.now() + 10 * MINUTE, 120);
    await pauseFor({ scope: "channel", target: "email", reason: "incident" }, 30 * MINUTE);
    const held = await h.call("POST", `/v1/decisions/${d.decisionId}/approve`, h.approver, {
      digest: d.payloadDigest,
    });
    // Before: dispatched, and sent when the pause ended, 20 minutes into the quiet hours.
    expect(held.status).toBe(409);
    expect(held.body.message).toMatch(
      /coordination \(focus\): quiet hours .* when the pause ends at .*: it stays pending; approve it again from /,
    );
    const from = Date.parse(/again from (\S+),/.exec(held.body.message)?.[1] ?? "");
    expect(from).toBe(h.rt.clock.now() + 130 * MINUTE);
    expect((await getDecision(h, d.decisionId)).status).toBe("pending_approval");
    await advance(h, 60 * MINUTE);
    expect(h.rt.sandbox.entries).toHaveLength(0);
  });

  it("a short pause in force when the window closes, ending inside the recipient's quiet hours, stops the send", async () => {
    const d = await scheduled();
    // The window closes in 20 minutes, before quiet hours begin (in 25); the pause ends in them (in 40).
    await quietFrom(h.rt.clock.now() + 25 * MINUTE, 120);
    await pauseFor({ scope: "account", target: "acme", reason: "incident" }, 40 * MINUTE);
    // Before: dispatched at the window's close, and sent when the pause ended, inside quiet hours.
    expect(await advance(h, 20 * MINUTE)).toBe(1);
    const stopped = await getDecision(h, d.decisionId);
    expect(stopped.status).toBe("vetoed");
    expect(stopped.events[1]).toMatchObject({ type: "revalidation_failed", actor: "harness" });
    expect(stopped.events[1]?.detail).toMatch(
      /coordination \(focus\): quiet hours .* when the pause ends at /,
    );
    await advance(h, 60 * MINUTE);
    await h.rt.reconcile();
    expect((await getDecision(h, d.decisionId)).status).toBe("vetoed");
    expect(h.rt.sandbox.entries).toHaveLength(0);
  });

  it("a pause that ends after the latest the action may go out (a reply's days-long stop) still stops it", async () => {
    await pin(h, "outreach-writer", "email.send", 1);
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    await pauseFor(
      { scope: "account", target: "acme", reason: "replied: stop on reply" },
      3 * 24 * 60 * MINUTE,
    );
    const res = await approve(d);
    expect(res.status).toBe("rejected");
    expect(h.rt.sandbox.entries).toHaveLength(0);
  });

  it("sends when nothing changed during the window (control)", async () => {
    const d = await scheduled();
    // An unrelated suppression elsewhere does not matter.
    expectStatus(
      await h.call("POST", "/v1/suppressions", h.admin, {
        kind: "email",
        value: "someone@else.io",
        reason: "unsubscribed",
      }),
      201,
    );
    expect(await advance(h, 25 * MINUTE)).toBe(1);
    const done = await getDecision(h, d.decisionId);
    expect(done.status).toBe("executed");
    expect(h.rt.sandbox.entries).toHaveLength(1);
  });

  it("an approval given in the recipient's quiet hours is not a rejection: 409 with when it may go, still pending; approved then, sent", async () => {
    await pin(h, "outreach-writer", "email.send", 1);
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    expect(d.status).toBe("pending_approval");
    // Quiet hours from this hour to two hours on, in the account's zone (America/New_York).
    const hour = Number(
      new Intl.DateTimeFormat("en-US", {
        hour: "numeric",
        hourCycle: "h23",
        timeZone: "America/New_York",
      }).format(h.rt.clock.now()),
    );
    const hh = (n: number) => `${String(n % 24).padStart(2, "0")}:00`;
    const current = expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200);
    const spec = structuredClone(current.spec);
    spec.coordination.quietHours = [{ name: "evenings", start: hh(hour), end: hh(hour + 2) }];
    expectStatus(await h.call("POST", "/v1/specs", h.admin, spec), 201);

    const held = await h.call("POST", `/v1/decisions/${d.decisionId}/approve`, h.approver, {
      digest: d.payloadDigest,
    });
    expect(held.status).toBe(409);
    expect(held.body.message).toMatch(
      /coordination \(evenings\): quiet hours .*: it stays pending; approve it again from /,
    );
    // From the end of the quiet hours: the top of the hour two hours on, local time.
    const from = Date.parse(/again from (\S+),/.exec(held.body.message)?.[1] ?? "");
    expect(from).toBeGreaterThan(h.rt.clock.now() + MINUTE * 60);
    expect(from).toBeLessThanOrEqual(h.rt.clock.now() + 2 * 60 * MINUTE);
    expect(new Date(from).getUTCMinutes()).toBe(0);
    const after = await getDecision(h, d.decisionId);
    expect(after.status).toBe("pending_approval");
    expect(eventTypes(after)).toEqual(["decided"]);

    await advance(h, 2 * 60 * MINUTE);
    expect((await approve(d)).status).toBe("dispatched");
    await h.rt.bus.drain();
    await h.rt.scheduler.tick();
    expect((await getDecision(h, d.decisionId)).status).toBe("executed");
    expect(h.rt.sandbox.entries).toHaveLength(1);
  });

  it("an approval on a day a rule of weekdays defers waits for the next day it allows, pending", async () => {
    await pin(h, "outreach-writer", "email.send", 1);
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    expect(d.status).toBe("pending_approval");
    // Published while it waited: not on the recipient's today (America/New_York).
    await notToday();
    const held = await h.call("POST", `/v1/decisions/${d.decisionId}/approve`, h.approver, {
      digest: d.payloadDigest,
    });
    expect(held.status).toBe(409);
    expect(held.body.message).toMatch(
      /rule \(not-today\): on \w+: deferred.*it stays pending; approve it again from /,
    );
    // From the recipient's next midnight.
    const from = Date.parse(/again from (\S+),/.exec(held.body.message)?.[1] ?? "");
    expect(localDay(from)).not.toBe(localDay(h.rt.clock.now()));
    expect(localDay(from - 1)).toBe(localDay(h.rt.clock.now()));
    expect((await getDecision(h, d.decisionId)).status).toBe("pending_approval");
    await advance(h, from - h.rt.clock.now());
    expect((await approve(d)).status).toBe("dispatched");
  });

  it("a level 2 touch whose window closes on a day a rule of weekdays defers is not sent", async () => {
    const d = await scheduled();
    await notToday();
    await expectNotSent(d.decisionId, /rule \(not-today\): on \w+: deferred/);
  });

  it("an approval held by quiet hours that would not end before the decision expires stops it, as before", async () => {
    await pin(h, "outreach-writer", "email.send", 1);
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    const current = expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200);
    const spec = structuredClone(current.spec);
    const week = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    spec.coordination.quietHours = [{ name: "closed", start: "00:00", end: "00:00", allDay: week }];
    expectStatus(await h.call("POST", "/v1/specs", h.admin, spec), 201);
    const res = await approve(d);
    expect(res.status).toBe("rejected");
    expect(eventTypes(await getDecision(h, d.decisionId))).toEqual(["decided", "revalidation_failed"]);
  });

  it("does not send a level 1 action approved after the prospect unsubscribed", async () => {
    await pin(h, "outreach-writer", "email.send", 1);
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    expect(d.status).toBe("pending_approval");
    expectStatus(
      await h.call("POST", "/v1/suppressions", h.admin, {
        kind: "email",
        value: "jane@acme.io",
        channels: ["email"],
        reason: "unsubscribed",
      }),
      201,
    );
    const res = await approve(d);
    expect(res.status).toBe("rejected");
    const after = await getDecision(h, d.decisionId);
    expect(eventTypes(after)).toEqual(["decided", "revalidation_failed"]);
    expect(after.events[1].detail).toMatch(/approved by alice but re-validation failed: suppression/);
    await h.rt.scheduler.tick();
    expect(h.rt.sandbox.entries).toHaveLength(0);
  });
});
