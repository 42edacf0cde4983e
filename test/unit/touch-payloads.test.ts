/**
 * Whom a touch goes to (shared/domain/recipients.ts): filled from the person on file, compared as the
 * vendor reads an address, checked by the gate's context and kept by replays, which have no address
 * to compare; and what its connector can send (shared/domain/touch-payloads.ts).
 */

import { describe, expect, it } from "vitest";
import { sendEmailInput } from "../../shared/adapters/connectors/ses.ts";
import { RECORD_PAYLOADS } from "../../shared/agents/records.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import { evaluate } from "../../shared/domain/evaluate.ts";
import { addressed, recipientProblem } from "../../shared/domain/recipients.ts";
import { contextFromFacts } from "../../shared/domain/replay-facts.ts";
import { revalidate } from "../../shared/domain/revalidate.ts";
import { EmailPayload, payloadShapeIssues } from "../../shared/domain/touch-payloads.ts";
import { gateContext } from "../../shared/usecases/gate.ts";
import { ctx, decisionOf, GOOD_BODY, NOW, person, proposal, specWith, version } from "./helpers/fixtures.ts";

const jane = person({ linkedinUrl: "https://www.linkedin.com/in/jane-doe" });

describe("addressed: the address on file where the payload has none", () => {
  it("fills email.send's `to`, a message's profile, an audience member's email and id", () => {
    expect(addressed("email.send", { body: "x" }, jane)).toEqual({ body: "x", to: "jane@acme.io" });
    expect(addressed("linkedin.message", { body: "x" }, jane)).toEqual({
      body: "x",
      linkedinUrl: "https://www.linkedin.com/in/jane-doe",
    });
    expect(addressed("linkedin.audience.add", { audienceId: "a" }, jane)).toEqual({
      audienceId: "a",
      email: "jane@acme.io",
      personId: "jane",
    });
  });

  it("returns the same object when nothing is filled, and leaves other types alone", () => {
    const given = { to: "jane@acme.io", body: "x" };
    expect(addressed("email.send", given, jane)).toBe(given);
    const note = { operation: "note", text: "x" };
    expect(addressed("crm.update", note, jane)).toBe(note);
    expect(addressed("email.send", note, undefined)).toBe(note);
    // Nothing on file to fill with: left for recipientProblem to name.
    const nobody = person();
    const msg = { body: "x" };
    expect(addressed("linkedin.message", msg, nobody)).toBe(msg);
  });
});

describe("recipientProblem: a payload addressed to anyone but the person checked", () => {
  it("accepts the address on file in the vendor's equivalent forms", () => {
    expect(recipientProblem("email.send", { to: " JANE@acme.IO " }, jane)).toBeUndefined();
    for (const url of [
      "https://linkedin.com/in/jane-doe",
      "https://www.linkedin.com/in/Jane-Doe/",
      "https://www.linkedin.com/in/jane-doe?trk=profile",
    ])
      expect(recipientProblem("linkedin.message", { linkedinUrl: url }, jane)).toBeUndefined();
  });

  it("names the field, never the address", () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ["email.send", { to: "bob@acme.io" }, "payload.to is not the email on file for jane"],
      ["email.send", { to: 42 }, "payload.to is not the email on file for jane"],
      [
        "linkedin.message",
        { linkedinUrl: "https://www.linkedin.com/in/jane-doe-2" },
        "payload.linkedinUrl is not the LinkedIn profile on file for jane",
      ],
      [
        "linkedin.audience.add",
        { email: "jane@acme.io", personId: "bob" },
        "payload.personId is not the person id on file for jane",
      ],
    ];
    for (const [type, payload, problem] of cases) {
      expect(recipientProblem(type, payload, jane)).toBe(problem);
      expect(problem).not.toMatch(/bob@|jane-doe-2/);
    }
    expect(recipientProblem("linkedin.message", { body: "x" }, person())).toBe(
      "jane has no LinkedIn profile on file to send linkedin.message to",
    );
  });

  it("reads a mapped tool's address where its mapping says, filling nothing", () => {
    const tool = { email: "/to", linkedinUrl: "/who/profile" };
    const args = (o: Record<string, unknown>) => ({ arguments: o, body: "x" });
    expect(
      recipientProblem(
        "crm.sequence.email",
        args({ to: "jane@ACME.io", who: { profile: "https://linkedin.com/in/jane-doe/" } }),
        jane,
        tool,
      ),
    ).toBeUndefined();
    expect(recipientProblem("crm.sequence.email", args({ to: "bob@acme.io" }), jane, { email: "/to" })).toBe(
      "arguments/to is not the email on file for jane",
    );
    // A tool call carries its arguments as written: none is not the address on file.
    expect(recipientProblem("crm.sequence.email", args({}), jane, { email: "/to" })).toBe(
      "arguments/to is not the email on file for jane",
    );
    expect(recipientProblem("crm.sequence.email", args({ to: "bob@acme.io" }), jane)).toBeUndefined();
  });

  it("has nothing to say about actions that address nobody", () => {
    expect(recipientProblem("crm.update", { to: "bob@acme.io" }, jane)).toBeUndefined();
  });
});

describe("payloadShapeIssues: what the connector could not send, by field", () => {
  it("requires what SES, LinkedIn and a segment need, but not the address or how a draft was made", () => {
    expect(payloadShapeIssues("email.send", { subject: "s", body: "b" })).toEqual([]);
    expect(payloadShapeIssues("linkedin.message", { body: "b" })).toEqual([]);
    expect(payloadShapeIssues("email.send", { body: "b" }).map((i) => i.path)).toEqual(["payload.subject"]);
    expect(
      payloadShapeIssues("email.send", { subject: "s", body: "b", groundedOn: "x" }).map((i) => i.path),
    ).toEqual(["payload.groundedOn"]);
    expect(
      payloadShapeIssues("linkedin.message", { body: "b", linkedinUrl: "https://evil.io/in/x" }).map(
        (i) => i.path,
      ),
    ).toEqual(["payload.linkedinUrl"]);
    expect(payloadShapeIssues("linkedin.audience.add", { audienceId: "a" }).map((i) => i.path)).toEqual([
      "payload.firstName",
      "payload.lastName",
      "payload.companyName",
      "payload.persona",
    ]);
    // Record actions' shapes are checked only where the caller passes them (the gate and the reviews).
    // A subject is one header line: a line break or more than RFC 5322's 998 characters is refused.
    for (const subject of ["Hi\r\nBcc: all@rivals.io", "Hi\nthere", "x".repeat(999)]) {
      expect(payloadShapeIssues("email.send", { subject, body: "b" }).map((i) => i.path)).toEqual([
        "payload.subject",
      ]);
    }
    expect(payloadShapeIssues("email.send", { subject: "x".repeat(998), body: "b" })).toEqual([]);
    expect(payloadShapeIssues("crm.update", { operation: "note" })).toEqual([]);
    expect(
      payloadShapeIssues("crm.update", { operation: "note" }, RECORD_PAYLOADS).map((i) => i.path),
    ).toEqual(["payload.operation"]);
    expect(payloadShapeIssues("x.custom", { anything: 1 }, RECORD_PAYLOADS)).toEqual([]);
  });
});

describe("the gate's context, revalidation and replay", () => {
  const read = (payload: Record<string, unknown>) =>
    gateContext(
      {
        contact: { touches: [], version: 0 },
        counts: { agent: 0, channel: 0, actionType: 0 },
        pauses: [],
        suppressions: [],
        account: ctx().account,
        person: jane,
      } as never,
      version(),
      proposal({ payload }),
      NOW,
    );

  it("a misaddressed email blocks as a persona entry with rule `recipient`; revalidation says the same", () => {
    const c = read({ to: "bob@acme.io", subject: "Pricing", body: GOOD_BODY });
    expect(c.misaddressed).toBe("payload.to is not the email on file for jane");
    const e = evaluate(c);
    expect(e.verdict).toBe("block");
    expect(e.checks.filter((x) => x.result === "fail")).toEqual([
      { check: "persona", rule: "recipient", result: "fail", effect: "block", detail: c.misaddressed },
    ]);
    expect(read({ to: "jane@acme.io", subject: "Pricing", body: GOOD_BODY }).misaddressed).toBeUndefined();
    const d = {
      decisionId: "d",
      actionType: "email.send",
      channel: "email",
      accountId: "acme",
      personId: "jane",
      agentId: "writer",
    };
    expect(
      revalidate(c, d as Decision, c.proposal.payload).filter((x) => x.rule === "recipient"),
    ).toHaveLength(1);
  });

  it("a shadow persona rule's would-be verdict keeps the recipient block: no false flip", () => {
    const spec = specWith((raw) => {
      raw.personas.rules.unshift({
        name: "vp-again",
        titlePatterns: ["\\bVP\\b"],
        role: "champion",
        mode: "shadow",
      });
    });
    const misaddressed = "payload.to is not the email on file for jane";
    const e = evaluate(ctx({ spec: version(spec), misaddressed }));
    expect(e.verdict).toBe("block");
    expect(e.shadow?.map((x) => [x.rule, x.verdict])).toEqual([["vp-again", "block"]]);
    // Without the misaddressing, the same rule enforced changes nothing either.
    expect(evaluate(ctx({ spec: version(spec) })).shadow?.map((x) => x.verdict)).toEqual([
      "require_approval",
    ]);
  });

  it("a replay keeps the gate's reading: its rebuilt person has no address to compare", () => {
    const decided = (payload: Record<string, unknown>): Decision => {
      const c = read(payload);
      return decisionOf(c, evaluate(c), "d1");
    };
    const wrong = decided({ to: "bob@acme.io", subject: "Pricing", body: GOOD_BODY });
    const again = contextFromFacts(wrong, version());
    expect(again.misaddressed).toBe("payload.to is not the email on file for jane");
    expect(evaluate(again).verdict).toBe("block");

    const right = decided({ to: "jane@acme.io", subject: "Pricing", body: GOOD_BODY });
    const rebuilt = contextFromFacts(right, version());
    // The facts keep the email's domain only: comparing again would have blocked every email.
    expect(rebuilt.person?.email).not.toBe("jane@acme.io");
    expect(rebuilt.misaddressed).toBeUndefined();
    expect(evaluate(rebuilt).verdict).toBe(right.verdict);
  });
});

describe("the SES request of an agent's own email", () => {
  it("is sent without the writer's draft fields, with no variant tag", () => {
    const payload = EmailPayload.parse({ to: "jane@acme.io", subject: "Pricing", body: "Hi Jane" });
    const input = sendEmailInput(payload, "key-1", { from: "sdr@example.com" }, "d1");
    expect(input.Destination?.ToAddresses).toEqual(["jane@acme.io"]);
    expect(input.EmailTags?.map((t) => t.Name)).toEqual(["idempotency_key", "decision_id"]);
    const drafted = sendEmailInput({ ...payload, variant: "fact-led" }, "key-1", { from: "sdr@example.com" });
    expect(drafted.EmailTags).toContainEqual({ Name: "variant", Value: "fact-led" });
  });
});
