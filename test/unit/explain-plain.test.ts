/**
 * explain for a person outside engineering (issue 10): the summary and the short answer are in plain
 * words at the person's local time, executed record updates are not "held back", and the rule ids
 * stay available per contact for the expanded view.
 */
import { describe, expect, it } from "vitest";
import type { Decision } from "../../shared/domain/decision.ts";
import type { CheckResult } from "../../shared/domain/decision-types.ts";
import type { Account, Person } from "../../shared/domain/kb.ts";
import type { Deps } from "../../shared/ports.ts";
import { explain } from "../../shared/usecases/explain.ts";
import { checkLabel, heldBackWords, localTime } from "../../shared/usecases/plain-words.ts";
import { account, person } from "./helpers/fixtures.ts";

const pass = (check: CheckResult["check"], rule: string | undefined, detail: string): CheckResult => ({
  check,
  result: "pass",
  detail,
  ...(rule ? { rule } : {}),
});

const TOUCH_CHECKS: CheckResult[] = [
  pass("kill_switch", undefined, "no pause applies"),
  pass("icp", "icp.industries", "industry Software"),
  pass("icp", "icp.employees", "250 employees"),
  pass("persona", "vp-sales", "title → vp → champion"),
  pass("coordination", "one-touch-per-account-per-day", "0 of 1"),
  pass("volume", "volume.perAgentPerDay", "3 of 200"),
];

let n = 0;
function decision(over: Partial<Decision>): Decision {
  n++;
  return {
    decisionId: `d${n}`,
    proposalId: `p${n}`,
    agentId: "outreach-writer",
    actionType: "email.send",
    actionKind: "touch",
    channel: "email",
    accountId: "acme",
    personId: "jane",
    payload: { subject: "Your pricing research", body: "Hi Jane" },
    payloadDigest: "sha256:x",
    reasoning: "Three pricing page visits this week",
    confidence: 0.9,
    verdict: "require_approval",
    status: "executed",
    checks: TOUCH_CHECKS,
    reasons: [],
    autonomyLevel: 1,
    autonomySource: "start",
    trustScore: 0.5,
    specVersion: 3,
    specHash: "h3",
    context: {
      account: {
        name: "Acme Analytics",
        domain: "acme.io",
        industry: "Software",
        employees: 250,
        country: "US",
        timezone: "America/New_York",
        lifecycle: "prospect",
      },
      person: { name: "Jane Doe", title: "VP Sales", persona: "vp", role: "champion" },
      intent: { score: 75, counted: [{ type: "pricing_page_visit", count: 3, weight: 25, windowDays: 7 }] },
      touchesSeen: 0,
    },
    decidedAt: "2026-03-10T13:00:00.000Z",
    idempotencyKey: `k${n}`,
    reservation: { touch: true, counters: [] },
    outcomes: [],
    version: 1,
    updatedAt: "2026-03-10T14:00:00.000Z",
    ...over,
  } as Decision;
}

function deps(p: Person, a: Account, decisions: Decision[]) {
  return {
    kb: {
      personIdByEmail: async (email: string) => (email === p.email ? p.personId : undefined),
      getPerson: async (id: string) => (id === p.personId ? p : undefined),
      getAccount: async (id: string) => (id === a.accountId ? a : undefined),
    },
    decisions: { queryDecisions: async () => ({ items: decisions }) },
  } as unknown as Pick<Deps, "kb" | "decisions" | "erasure">;
}

/** explain's full answer (not an erased person's), its optional fields checked present. */
async function ask(p: Person, a: Account, decisions: Decision[]) {
  const r = await explain(deps(p, a, decisions), { personId: p.personId });
  const { contacts, otherDecisions, shortAnswer } = r;
  if (!contacts || !otherDecisions || shortAnswer === undefined) throw new Error("expected a full answer");
  return { ...r, contacts, otherDecisions, shortAnswer };
}

const approvedEmail = () =>
  decision({
    review: { action: "approved", by: "alice", at: "2026-03-10T13:30:00.000Z", digest: "sha256:x" },
    execution: { at: "2026-03-10T14:00:00.000Z", idempotencyKey: "k" },
  });
const crmUpdate = () =>
  decision({
    agentId: "crm-sync",
    actionType: "crm.update",
    actionKind: "record",
    verdict: "allow",
    status: "executed",
    payload: { operation: "upsert" },
    checks: [pass("kill_switch", undefined, "no pause applies")],
    autonomyLevel: 3,
    execution: { at: "2026-03-10T15:00:00.000Z", idempotencyKey: "k" },
  });
const stopOnReplyDeferral = () =>
  decision({
    agentId: "linkedin-agent",
    actionType: "linkedin.message",
    channel: "linkedin",
    verdict: "defer",
    status: "deferred",
    payload: { body: "Hi" },
    decidedAt: "2026-03-11T15:00:00.000Z",
    checks: [
      {
        check: "kill_switch",
        result: "fail",
        effect: "defer",
        detail: "account acme paused by sim-crm-webhook: stop-on-reply: replied from person jane (until x)",
      },
    ],
    reasons: ["kill_switch: account acme paused"],
  });

/** Words a person outside engineering should never have to read in the summary or the short answer. */
const INTERNAL =
  /kill.?switch|coordination|\bicp\b|persona|\bspec\b|verdict|outreach-writer|crm-sync|linkedin-agent|\blevel \d|trust|shadow|one-touch|[a-z]+_[a-z]+|\d{4}-\d\d-\d\dT|\bUTC\b/i;

describe("explain in plain words", () => {
  it("does not list an executed CRM update as held back, and says what was sent and why", async () => {
    const res = await ask(person(), account(), [crmUpdate(), approvedEmail()]);
    expect(res.summary).not.toMatch(/Not sent|Held back/);
    expect(res.technicalSummary).not.toMatch(/Held back/);
    expect(res.technicalSummary).toMatch(/Records kept up to date .*crm\.update executed/);
    expect(res.otherDecisions.map((d) => [d.actionType, d.status, "plain" in d])).toEqual([
      ["crm.update", "executed", false],
    ]);
    expect(res.contacts).toHaveLength(1);
    const [c] = res.contacts;
    expect(c?.reasons.join(" ")).toMatch(
      /Acme Analytics is the kind of company we work with \(Software, 250/,
    );
    expect(c?.reasons.join(" ")).toMatch(/3 visits to our pricing page in the past week/);
    expect(c?.reasons.join(" ")).toMatch(/As VP Sales, Jane usually leads the choice of tools like ours/);
    expect(c?.reasons.join(" ")).toMatch(/A person on our team approved it/);
    expect(c?.ruleIds).toEqual(expect.arrayContaining(["icp.industries", "one-touch-per-account-per-day"]));
    for (const text of [res.summary, res.shortAnswer, ...(c?.reasons ?? [])])
      expect(text).not.toMatch(INTERNAL);
    expect(res.shortAnswer).toMatch(/^Hi Jane, .*as VP Sales at Acme Analytics because/);
    expect(res.shortAnswer.split(/(?<=\.) /).length).toBeLessThanOrEqual(4);
  });

  it("tells times in the person's own zone, else in their company's", async () => {
    const berlin = await ask(person({ timezone: "Europe/Berlin" }), account(), [approvedEmail()]);
    // Sent at 14:00 UTC: 15:00 in Berlin (winter time), 10:00 in New York (summer time since 8 March).
    expect(berlin.timeZone).toBe("Europe/Berlin");
    expect(berlin.contacts[0]?.localTime).toBe("Tue, Mar 10, 3:00 PM GMT+1");
    expect(berlin.summary).toMatch(/on Tue, Mar 10, 3:00 PM GMT\+1\./);
    const la = await ask(person(), account({ timezone: "America/Los_Angeles" }), [approvedEmail()]);
    expect(la.contacts[0]).toMatchObject({
      timeZone: "America/Los_Angeles",
      localTime: "Tue, Mar 10, 7:00 AM PDT",
    });
    expect(la.shortAnswer).toMatch(/our first message was on Tue, Mar 10, 7:00 AM PDT/);
  });

  it("tells a stop-on-reply pause as a reply, not as a kill switch", async () => {
    const res = await ask(person(), account(), [approvedEmail(), stopOnReplyDeferral()]);
    expect(res.summary).toMatch(
      /Not sent \(held for later\): a LinkedIn message planned for Wed, Mar 11, 11:00 AM EDT, because someone at Acme Analytics had just replied/,
    );
    expect(res.summary).not.toMatch(INTERNAL);
  });

  it("says plainly when nobody was contacted", async () => {
    const res = await ask(person(), account(), []);
    expect(res.summary).toMatch(/We have not contacted Jane\./);
    expect(res.shortAnswer).toMatch(/We have not sent you any messages/);
  });

  it("formats an instant in a zone", () => {
    expect(localTime("2026-01-15T23:30:00Z", "Asia/Tokyo")).toBe("Fri, Jan 16, 8:30 AM GMT+9");
  });
});

describe("GTM labels of checks in reports", () => {
  const fail = (check: CheckResult["check"], detail: string, rule?: string): CheckResult => ({
    check,
    result: "fail",
    effect: "defer",
    detail,
    ...(rule ? { rule } : {}),
  });
  it("tells a stop-on-reply pause from an operator's pause, and quiet hours from a collision", () => {
    expect(
      checkLabel(fail("kill_switch", "account a paused by crm: stop-on-reply: replied from person p")),
    ).toBe("stop-on-reply pause");
    expect(checkLabel(fail("kill_switch", "agent x paused by alice: copy review"))).toBe("operator pause");
    expect(checkLabel(fail("coordination", "quiet: inside", "evenings"))).toBe("quiet hours (evenings)");
    expect(checkLabel(fail("coordination", "1 already used: email", "one-touch-per-account-per-day"))).toBe(
      "collision rule (one-touch-per-account-per-day)",
    );
  });

  it("tells a payload addressed to someone else from a persona the spec does not target", () => {
    const recipient = fail("persona", "payload.to is not the email on file for jane", "recipient");
    expect(checkLabel(recipient)).toBe("not addressed to the person on file");
    expect(heldBackWords(recipient, "Acme")).toBe(
      "the message was not addressed to their contact details on file",
    );
    expect(checkLabel(fail("persona", "VP Sales is not targeted", "personas.allowedRoles"))).toBe(
      "persona not targeted (personas.allowedRoles)",
    );
    expect(heldBackWords(fail("persona", "too junior"), "Acme")).toBe(
      "their role is not one we reach out to about this",
    );
  });
});
