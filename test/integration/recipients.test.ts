/**
 * Whom a touch goes to is the knowledge base's to say (shared/domain/touch-payloads.ts): the gate
 * fills the address from the person on file, blocks a payload addressed to anyone else, and refuses a
 * payload its connector could not send before anything is written. Executed through the sandbox
 * connectors that build the real SES and LinkedIn requests.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SandboxConnectors } from "../../shared/adapters/connectors/sandbox.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import { ValidationError } from "../../shared/domain/errors.ts";
import { decisionIdFor, payloadDigest } from "../../shared/domain/ids.ts";
import { addSuppression, putPerson } from "../../shared/usecases/admin.ts";
import { approve, execute } from "../../shared/usecases/lifecycle.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, jane, linkedinProposal, recordProposal, seedAcme } from "../helpers/world.ts";
import { approver, dueFor, pin, touchCounters } from "./helpers/store.ts";

let rt: TestRuntime;
let sandbox: SandboxConnectors;
beforeEach(async () => {
  sandbox = new SandboxConnectors(undefined, () => Date.now());
  rt = await startRuntime({ runWorkers: false, connector: sandbox });
  await seedAcme(rt.deps, "acme");
});
afterEach(() => rt.close());

const propose = async (p: ReturnType<typeof emailProposal>, agentId = "writer") =>
  (await rt.deps.gate.propose(p, agent(agentId))).decision;

const withPayload = (payload: Record<string, unknown>, personId = "acme-jane") =>
  emailProposal("writer", "acme", personId, { payload });

const BODY =
  "Hi Jane, saw your team comparing plans this week. Happy to share how similar teams rolled out in two weeks.";

/** What the SES connector would have been asked: SendEmail's destination. */
const sentTo = () =>
  sandbox.entries.map((e) => (e.request as { input: { Destination: { ToAddresses: string[] } } }).input);

describe("the gate addresses a touch to the person it checked", () => {
  it("an email without `to` goes to the target's address on file, which the reviewer sees", async () => {
    await pin(rt, "writer", "email.send", 3);
    const d = await propose(withPayload({ subject: "Your pricing research", body: BODY }));
    expect(d.verdict).toBe("allow");
    expect(d.payload.to).toBe("jane@acme.io");
    expect(d.payloadDigest).toBe(payloadDigest(d.payload));
    await execute(rt.deps, d.decisionId);
    expect((await rt.deps.decisions.getDecision(d.decisionId))?.status).toBe("executed");
    expect(sentTo().map((i) => i.Destination.ToAddresses)).toEqual([["jane@acme.io"]]);
  });

  it("an email to someone else's address is blocked as the draft's fault, reserving nothing", async () => {
    // Bob opted out; an agent targets Jane, who did not, with Bob's address in the payload.
    await addSuppression(rt.deps, { kind: "email", value: "bob@acme.io", reason: "unsubscribed" });
    await pin(rt, "writer", "email.send", 3);
    const d = await propose(withPayload({ to: "bob@acme.io", subject: "Pricing", body: BODY }));
    expect(d.verdict).toBe("block");
    const failed = d.checks.filter((c) => c.result === "fail");
    expect(failed).toEqual([
      {
        check: "persona",
        rule: "recipient",
        result: "fail",
        effect: "block",
        detail: "payload.to is not the email on file for acme-jane",
      },
    ]);
    // No address in the trace or the reasons (they are not sealed like the payload).
    expect(JSON.stringify([d.checks, d.reasons])).not.toContain("bob@");
    expect(await touchCounters(rt, "writer", "email")).toEqual({ agent: 0, channel: 0 });
    // A blocked draft teaches the agent's trust (usecases/trust-evidence.ts).
    expect((await dueFor(rt, d.decisionId)).map((x) => x.kind)).toEqual(["settle"]);
    await execute(rt.deps, d.decisionId);
    expect(sandbox.entries).toEqual([]);
  });

  it("the address on file is compared as the vendor reads it: case for email, form for a profile", async () => {
    await pin(rt, "writer", "email.send", 3);
    await pin(rt, "li", "linkedin.message", 3);
    const email = await propose(withPayload({ to: "Jane@ACME.io", subject: "Pricing", body: BODY }));
    expect(email.verdict).toBe("allow");
    const li = await propose(
      linkedinProposal("li", "acme", "acme-jane", {
        payload: { linkedinUrl: "https://linkedin.com/in/JANE-acme/", body: BODY },
      }),
      "li",
    );
    expect(li.checks.filter((c) => c.rule === "recipient")).toEqual([]);
  });

  it("a LinkedIn message to a person with no profile on file is blocked, and one with none given is filled", async () => {
    await pin(rt, "li", "linkedin.message", 3);
    const { linkedinUrl: _, ...noProfile } = jane;
    await putPerson(rt.deps, "acme-kim", { ...noProfile, email: "kim@acme.io", firstName: "Kim" });
    const none = await propose(
      linkedinProposal("li", "acme", "acme-kim", {
        payload: { linkedinUrl: "https://www.linkedin.com/in/someone-else", body: BODY },
      }),
      "li",
    );
    expect(none.verdict).toBe("block");
    expect(none.checks.find((c) => c.rule === "recipient")?.detail).toBe(
      "acme-kim has no LinkedIn profile on file to send linkedin.message to",
    );
    const filled = await propose(linkedinProposal("li", "acme", "acme-jane"), "li");
    expect(filled.payload.linkedinUrl).toBe("https://www.linkedin.com/in/jane-acme");
  });

  it("a payload its connector could not send is refused naming the field, and nothing is written", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ body: BODY }, "payload.subject"],
      [{ subject: "Pricing", body: "" }, "payload.body"],
      [{ to: "not an address", subject: "Pricing", body: BODY }, "payload.to"],
    ];
    for (const [payload, field] of cases) {
      const p = withPayload(payload);
      const err = await rt.deps.gate.propose(p, agent("writer")).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.path)).toEqual([field]);
      expect(await rt.deps.decisions.getDecision(decisionIdFor(p.agentId, p.proposalId))).toBeUndefined();
    }
    expect(await touchCounters(rt, "writer", "email")).toEqual({ agent: 0, channel: 0 });
  });

  it("a record action HubSpot could not apply is refused naming the field, and nothing is written", async () => {
    const cases: [string, Record<string, unknown>, string[]][] = [
      ["crm.update", { operation: "note", text: "Head count up." }, ["payload.operation"]],
      [
        "crm.update",
        { operation: "classify_contact", personId: "acme-jane", email: "jane@acme.io", persona: "vp" },
        ["payload.role", "payload.method", "payload.confidence"],
      ],
      [
        "list.sync",
        { audienceId: "sdr-1", add: [{ personId: "acme-jane", email: "jane" }], remove: [], members: [] },
        ["payload.listName", "payload.add[0].email"],
      ],
    ];
    for (const [type, payload, fields] of cases) {
      const p = { ...recordProposal("recorder"), proposalId: `bad-${fields[0]}`, action: { type }, payload };
      const err = await rt.deps.gate.propose(p, agent("recorder")).catch((e: unknown) => e);
      expect(err, type).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues.map((i) => i.path)).toEqual(fields);
      expect(await rt.deps.decisions.getDecision(decisionIdFor(p.agentId, p.proposalId))).toBeUndefined();
    }
    const fine = await rt.deps.gate.propose(recordProposal("recorder"), agent("recorder"));
    expect(fine.decision.verdict).toBe("allow");
  });

  it("a retry of a decided proposal gets its decision back, whatever its payload now says", async () => {
    const p = withPayload({ subject: "Pricing", body: BODY });
    const first = await propose(p);
    const again = await rt.deps.gate.propose({ ...p, payload: { body: BODY } }, agent("writer"));
    expect(again.replay).toBe(true);
    expect(again.decision.decisionId).toBe(first.decisionId);
  });
});

describe("the address is checked again before dispatch", () => {
  async function pending(payload: Record<string, unknown>, accountId = "acme"): Promise<Decision> {
    const d = await propose(emailProposal("writer", accountId, `${accountId}-jane`, { payload }));
    expect(d.status).toBe("pending_approval");
    return d;
  }

  it("a reviewer's edit without `to` goes to the address on file; an edit to another address is refused", async () => {
    const d = await pending({ to: "jane@acme.io", subject: "Pricing", body: BODY });
    const edited = { subject: "Pricing, briefly", body: BODY };
    const approved = await approve(
      rt.deps,
      d.decisionId,
      { digest: d.payloadDigest, payload: edited },
      approver,
    );
    expect(approved.status).toBe("dispatched");
    expect(approved.payload).toEqual({ ...edited, to: "jane@acme.io" });
    expect(approved.review?.action).toBe("edited");
    await execute(rt.deps, d.decisionId);
    expect(sentTo().map((i) => i.Destination.ToAddresses)).toEqual([["jane@acme.io"]]);

    // Another account: one touch per account per day.
    await seedAcme(rt.deps, "beta");
    const other = await pending({ subject: "Pricing", body: BODY }, "beta");
    // The edit alone fails the recipient check: refused naming why, the decision still waiting for an
    // approval of the agent's version (or a corrected edit); nothing is sent to Bob.
    await expect(
      approve(
        rt.deps,
        other.decisionId,
        { digest: other.payloadDigest, payload: { ...other.payload, to: "bob@beta.io" } },
        approver,
      ),
    ).rejects.toThrow(
      /payload: the edit does not pass the checks \(persona \(recipient\): payload.to is not the email on file/,
    );
    expect((await rt.deps.decisions.getDecision(other.decisionId))?.status).toBe("pending_approval");
    expect(sandbox.entries).toHaveLength(1);
  });

  it("an edit its connector could not send is refused naming the field, and the decision still waits", async () => {
    const d = await pending({ subject: "Pricing", body: BODY });
    const err = await approve(
      rt.deps,
      d.decisionId,
      { digest: d.payloadDigest, payload: { to: "jane@acme.io", body: BODY } },
      approver,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).issues.map((i) => i.path)).toEqual(["payload.subject"]);
    expect((await rt.deps.decisions.getDecision(d.decisionId))?.status).toBe("pending_approval");
  });

  it("an address that changed on file while a scheduled email waited stops it", async () => {
    await pin(rt, "writer", "email.send", 2);
    const d = await propose(withPayload({ subject: "Pricing", body: BODY }));
    expect(d.status).toBe("scheduled");
    // Jane moved on: her record now has another address.
    await putPerson(rt.deps, "acme-jane", { ...jane, email: "jane.doe@acme.io" });
    rt.clock.set(Date.parse(d.executeAt as string));
    await rt.scheduler.tick();
    const after = await rt.deps.decisions.getDecision(d.decisionId);
    expect(after?.status).toBe("vetoed");
    expect(sandbox.entries).toEqual([]);
  });
});
