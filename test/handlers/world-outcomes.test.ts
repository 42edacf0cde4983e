/**
 * Outcomes from the world, through the Lambda entries with real payloads: an email really sent
 * through the deployed SES connector (SES v2 on a local stand-in, tagged with its decision), then
 * SES's EventBridge events (the documented event-publishing records); HubSpot's webhook (its
 * documented contact.propertyChange sample, v3-signed) behind API Gateway v2.
 */

import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler as executeAllowed } from "../../functions/events/execute-allowed.ts";
import { makeHandler as hubspotPoll } from "../../functions/outcomes/hubspot-poll.ts";
import { makeHandler as sesEvents } from "../../functions/outcomes/ses-events.ts";
import { makeHandler as hubspotWebhook } from "../../functions/webhooks/hubspot.ts";
import { makeHandler as hubspotEvents } from "../../functions/webhooks/hubspot-events.ts";
import { ConnectorSecrets } from "../../shared/adapters/aws/connector-secrets.ts";
import type { OutcomeChanges } from "../../shared/adapters/connectors/hubspot-poll.ts";
import { signV3 } from "../../shared/adapters/connectors/hubspot-webhook.ts";
import { DynamoCrmImportStore, putCrmLink } from "../../shared/adapters/dynamo/crm-import-store.ts";
import { DynamoKnowledgeStore, suppressionsFor } from "../../shared/adapters/dynamo/kb-store.ts";
import { type Decision, streams } from "../../shared/domain/decision.ts";
import { createAwsRuntime } from "../../shared/runtime/aws.ts";
import { parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import { EXECUTOR_STORES, OUTCOME_STORES } from "../../shared/runtime/aws-stores.ts";
import { HUBSPOT_SIGNING_SECRET, HUBSPOT_WEBHOOK_SECRET } from "../../shared/runtime/connector-schemas.ts";
import { deployedConnector } from "../../shared/runtime/deployed-connectors.ts";
import { getSpec, putPerson } from "../../shared/usecases/admin.ts";
import { execute } from "../../shared/usecases/execution.ts";
import { pollHubSpotOutcomes } from "../../shared/usecases/hubspot-outcomes.ts";
import { approve } from "../../shared/usecases/lifecycle.ts";
import { markDelivered, settle } from "../../shared/usecases/ses-settle.ts";
import { pinTrust } from "../../shared/usecases/trust.ts";
import { SES_NOT_SENT, type WorldOutcomeResult } from "../../shared/usecases/world-outcomes.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, linkedinProposal, seedAcme } from "../helpers/world.ts";
import { counterValue } from "../integration/helpers/store.ts";
import { awsRuntimeFor, fixture, functionEnv, lambdaContext, RecordingPublisher } from "./lambda.ts";
import {
  fakeHubSpotContacts,
  fakeSecretsManager,
  fakeSes,
  fakeSqs,
  TEST_CREDENTIALS,
  tagsOf,
} from "./stand-ins.ts";

const ctx = lambdaContext();
let rt: TestRuntime;
let ses: Awaited<ReturnType<typeof fakeSes>>;
const saved = { ...process.env };
beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
  ses = await fakeSes();
  // SES sends with the function's role: the SDK's credential chain reads these.
  process.env.AWS_ACCESS_KEY_ID = TEST_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = TEST_CREDENTIALS.secretAccessKey;
});
afterAll(async () => {
  process.env = { ...saved };
  await ses?.close();
  await rt?.close();
});

const liveSes = () =>
  JSON.stringify({
    dryRun: false,
    ses: {
      from: "sdr@harness.example",
      endpoint: ses.url,
      configurationSetName: "dev-harness",
      listManagement: { contactListName: "prospects", topicName: "outreach" },
    },
  });

/**
 * An email proposed, approved and sent by the execute-allowed entry through the live SES connector;
 * `unreviewed`: by an agent trusted to send on its own (level 3), so nobody reviewed it.
 */
async function sentEmail(accountId: string, o: { unreviewed?: string; agentId?: string } = {}) {
  await seedAcme(rt.deps, accountId);
  if (o.unreviewed) {
    const spec = await getSpec(rt.deps, "current");
    await pinTrust(rt.deps, spec, o.unreviewed, "email.send", 3, "autonomous sender", "admin@example.com");
  }
  // Another reviewed agent where a test's sends must not move w-writer's trust (its level is 1).
  const agentId = o.unreviewed ?? o.agentId ?? "w-writer";
  // What the outreach writer proposes: the payload the SES connector sends.
  const payload = {
    to: `jane@${accountId}.io`,
    subject: "Your pricing research",
    body: "Hi Jane, saw your team comparing plans this week. Happy to share how similar teams rolled out.",
    variant: "fact-led",
    companyName: "Acme Analytics",
    groundedOn: [`https://${accountId}.io/news`],
    persona: "vp",
    model: "local-deterministic-model/v1",
  };
  const proposal = emailProposal(agentId, accountId, `${accountId}-jane`, { payload });
  const { decision } = await rt.deps.gate.propose(proposal, agent(agentId));
  if (o.unreviewed) expect(decision.status).toBe("dispatched");
  else {
    if (decision.status !== "pending_approval") throw new Error(JSON.stringify(decision.reasons));
    const approved = await approve(
      rt.deps,
      decision.decisionId,
      { digest: decision.payloadDigest },
      { subject: "ana@example.com", roles: ["approver"] },
    );
    expect(approved.status).toBe("dispatched");
  }
  const env = parseAwsEnv(functionEnv(rt, { CONNECTORS_CONFIG: liveSes() }));
  const connector = deployedConnector(env, { outbox: () => rt.sandbox });
  const e = fixture("eventbridge-decision-made.json");
  e.detail.decisionId = decision.decisionId;
  const out = await executeAllowed(() =>
    awsRuntimeFor(rt, { extras: { connector }, stores: EXECUTOR_STORES }),
  )(e, ctx);
  if (out.status !== "executed")
    throw new Error(JSON.stringify((await rt.deps.decisions.getDecision(decision.decisionId))?.execution));
  const sent = ses.requests.at(-1)?.body;
  expect(sent.Destination.ToAddresses).toEqual([`jane@${accountId}.io`]);
  const executed = (await rt.deps.decisions.getDecision(decision.decisionId)) as Decision;
  return {
    decision: executed,
    sent,
    messageId: executed.execution?.externalId?.replace(/^ses:/, "") as string,
  };
}

function sesEvent(name: string, sent: { EmailTags: { Name: string; Value: string }[] }, messageId: string) {
  const e = fixture(name);
  e.detail.mail.messageId = messageId;
  e.detail.mail.tags = { ...e.detail.mail.tags, ...tagsOf(sent.EmailTags) };
  return e;
}

/** SES's delivery record of the send: the open fixture turned into the documented Delivery event. */
function deliveryEvent(sent: { EmailTags: { Name: string; Value: string }[] }, messageId: string) {
  const e = sesEvent("eventbridge-ses-open.json", sent, messageId);
  e["detail-type"] = "Email Delivered";
  e.detail.eventType = "Delivery";
  e.detail.delivery = { timestamp: e.detail.open.timestamp, recipients: e.detail.mail.destination };
  delete e.detail.open;
  return e;
}

/**
 * Move an executed decision where the harness's own steps would have left it otherwise (its executor
 * killed, still calling, failed), as a test's stand-in for them.
 */
const moveExecuted = (decision: Decision, patch: Partial<Decision> & { status: Decision["status"] }) =>
  rt.deps.decisions.transition({
    decisionId: decision.decisionId,
    expectStatus: ["executed"],
    expectVersion: decision.version,
    patch,
    event: {
      type: patch.status,
      at: new Date(rt.clock.now()).toISOString(),
      actor: "test",
      detail: "set by the test",
    },
  });

/**
 * At least `days` on (four: past the account's 72 h after an email; eight: a second email, past
 * "different channels within a week"), to a Tuesday to Thursday, 10:00
 * in New York: inside the spec's send window whatever the earlier tests did with the clock.
 */
const daysOn = (days = 4) => {
  let t = rt.clock.now() + days * 86_400_000;
  while (![2, 3, 4].includes(new Date(t).getUTCDay())) t += 86_400_000;
  rt.clock.set(
    Date.UTC(new Date(t).getUTCFullYear(), new Date(t).getUTCMonth(), new Date(t).getUTCDate(), 15),
  );
};

/** The poll's checkpoint, kept in memory as its store keeps it (never moved back). */
function keptCheckpoint(start: number) {
  const kept = {
    at: start as number | undefined,
    store: {
      get: async () => kept.at,
      advance: async (_: string, at: number) => {
        kept.at = Math.max(kept.at ?? 0, at);
      },
    },
  };
  return kept;
}

const outcomesOf = async (id: string) => (await rt.deps.decisions.getDecision(id))?.outcomes ?? [];

describe("SES events (EventBridge, source aws.ses) -> outcomes", () => {
  it("a complaint for a sent email suppresses the person and counts against the agent's trust, once", async () => {
    const { decision, sent, messageId } = await sentEmail("w-ses");
    expect(sent.EmailTags).toContainEqual({ Name: "decision_id", Value: decision.decisionId });
    expect(sent.ConfigurationSetName).toBe("dev-harness");
    // An HTML part by default (config `ses.html`): SES tracks opens and clicks only in HTML.
    expect(sent.Content.Simple.Body.Html.Data).toContain("Hi Jane, saw your team comparing plans");
    const before = await rt.deps.trust.get("w-writer", "email.send");
    const e = sesEvent("eventbridge-ses-complaint.json", sent, messageId);
    e.detail.complaint.complainedRecipients = [{ emailAddress: "jane@w-ses.io" }];
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const out = await handler(e, ctx);
    expect(out).toMatchObject({
      recorded: true,
      type: "complaint",
      duplicate: false,
      decisionId: decision.decisionId,
    });
    const suppressions = await suppressionsFor(rt.db, "w-ses", "w-ses-jane");
    expect(suppressions.some((s) => s.kind === "person" && /complaint/.test(s.reason))).toBe(true);
    // The address too, on every channel: a person record written later with it is suppressed.
    expect(suppressions).toContainEqual(
      expect.objectContaining({ kind: "email", reason: expect.stringMatching(/spam complaint/) }),
    );
    expect(suppressions.find((s) => s.kind === "email")?.channels).toBeUndefined();
    const after = await rt.deps.trust.get("w-writer", "email.send");
    expect(after?.market?.failure ?? 0).toBeGreaterThan(before?.market?.failure ?? 0);

    // EventBridge delivers at least once: the same event again changes nothing.
    const again = await handler(e, ctx);
    expect(again).toMatchObject({ recorded: true, duplicate: true });
    expect((await outcomesOf(decision.decisionId)).filter((o) => o.type === "complaint")).toHaveLength(1);
    expect((await rt.deps.trust.get("w-writer", "email.send"))?.version).toBe(after?.version);
  });

  it("a hard bounce suppresses the address; an open and then a click are one `opened`", async () => {
    const { decision, sent, messageId } = await sentEmail("w-bounce");
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const trustBefore = await rt.deps.trust.get("w-writer", "email.send");
    const open = sesEvent("eventbridge-ses-open.json", sent, messageId);
    expect(await handler(open, ctx)).toMatchObject({ recorded: true, type: "opened", duplicate: false });
    // An open weighs nothing in trust (the shipped spec): the agent's record is not written.
    expect((await rt.deps.trust.get("w-writer", "email.send"))?.version).toBe(trustBefore?.version);
    const click = sesEvent("eventbridge-ses-open.json", sent, messageId);
    click["detail-type"] = "Email Clicked";
    click.detail.eventType = "Click";
    click.detail.click = { ...click.detail.open, link: "https://acme.io/x" };
    delete click.detail.open;
    expect(await handler(click, ctx)).toMatchObject({ recorded: true, type: "opened", duplicate: true });

    const bounce = sesEvent("eventbridge-ses-bounce.json", sent, messageId);
    bounce.detail.bounce.bouncedRecipients[0].emailAddress = "jane@w-bounce.io";
    expect(await handler(bounce, ctx)).toMatchObject({ recorded: true, type: "bounced" });
    const suppressions = await suppressionsFor(rt.db, "w-bounce", "w-bounce-jane");
    expect(suppressions.some((s) => s.kind === "email" || s.kind === "person")).toBe(true);
    expect((await outcomesOf(decision.decisionId)).map((o) => o.type).sort()).toEqual(["bounced", "opened"]);

    // An email the harness did not send writes nothing.
    const foreign = fixture("eventbridge-ses-complaint.json");
    expect(await handler(foreign, ctx)).toEqual({
      recorded: false,
      reason: expect.stringMatching(/not sent by the harness/),
    });
  });
});

describe("SES saying whether a message went out: a reject, a soft bounce, a delivery", () => {
  it("fails the decision with SES's reason, gives its touch back, teaches no one, and counts once", async () => {
    const { decision, sent, messageId } = await sentEmail("w-reject");
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const trustBefore = await rt.deps.trust.get("w-writer", "email.send");
    const touchedBefore = await rt.deps.decisions.getContactState("w-reject");
    expect(touchedBefore.touches.map((t) => t.decisionId)).toContain(decision.decisionId);
    const e = sesEvent("eventbridge-ses-reject.json", sent, messageId);
    expect(await handler(e, ctx)).toEqual({
      recorded: true,
      outcomeId: expect.stringMatching(/^ses:.+:not_sent$/),
      type: "not_sent",
      duplicate: false,
      decisionId: decision.decisionId,
    });
    const failed = (await rt.deps.decisions.getDecision(decision.decisionId)) as Decision;
    expect(failed.status).toBe("failed");
    expect(failed.execution).toMatchObject({
      externalId: `ses:${messageId}`,
      error: "SES rejected the message: Bad content",
    });
    const events = await rt.deps.decisions.events(streams.decision(decision.decisionId));
    expect(events.at(-1)).toMatchObject({
      type: "failed",
      from: "executed",
      to: "failed",
      actor: "ses",
      detail: expect.stringMatching(/Bad content.*not sent/),
    });
    // Nothing reached Jane: her account's touch is given back, as for any send that failed.
    const touchedAfter = await rt.deps.decisions.getContactState("w-reject");
    expect(touchedAfter.touches.map((t) => t.decisionId)).not.toContain(decision.decisionId);
    expect(failed.outcomes).toEqual([]);
    expect((await rt.deps.trust.get("w-writer", "email.send"))?.version).toBe(trustBefore?.version);

    const again = await handler(e, ctx);
    expect(again).toMatchObject({ recorded: true, type: "not_sent", duplicate: true });
    expect(await rt.deps.decisions.events(streams.decision(decision.decisionId))).toHaveLength(events.length);
  });

  it("settles a decision in doubt (its executor stopped before recording SES's answer) as not sent", async () => {
    const { decision, sent, messageId } = await sentEmail("w-reject-doubt");
    // The record the executor never wrote: as the reconciler leaves a decision whose attempt went stale.
    await moveExecuted(decision, { status: "in_doubt" });
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const out = await handler(sesEvent("eventbridge-ses-reject.json", sent, messageId), ctx);
    expect(out).toMatchObject({ recorded: true, type: "not_sent", duplicate: false });
    expect((await rt.deps.decisions.getDecision(decision.decisionId))?.status).toBe("failed");
  });

  it("a soft bounce (SES stopped retrying) is not sent either: failed, nobody taught, the address not suppressed", async () => {
    const { decision, sent, messageId } = await sentEmail("w-soft");
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const trustBefore = await rt.deps.trust.get("w-writer", "email.send");
    const bounce = sesEvent("eventbridge-ses-bounce.json", sent, messageId);
    bounce.detail.bounce.bounceType = "Transient";
    bounce.detail.bounce.bounceSubType = "MailboxFull";
    bounce.detail.bounce.bouncedRecipients[0].emailAddress = "jane@w-soft.io";
    expect(await handler(bounce, ctx)).toMatchObject({ recorded: true, type: "not_sent", duplicate: false });
    const failed = await rt.deps.decisions.getDecision(decision.decisionId);
    expect(failed?.status).toBe("failed");
    expect(failed?.execution?.error).toBe(
      "SES did not deliver it: SES stopped retrying (soft bounce: MailboxFull)",
    );
    expect(failed?.outcomes).toEqual([]);
    expect(await suppressionsFor(rt.db, "w-soft", "w-soft-jane")).toEqual([]);
    expect((await rt.deps.trust.get("w-writer", "email.send"))?.version).toBe(trustBefore?.version);
  });

  it("the third soft bounce of a person's emails in 30 days suppresses the address on email, once", async () => {
    // The person index, read just after the bounce failed its decision, lags that write (a GSI is read
    // eventually consistent): it lists the decision bounced now as it was, executed.
    let bouncing = "";
    const handler = sesEvents(() => {
      const runtime = awsRuntimeFor(rt, { stores: OUTCOME_STORES });
      const query = runtime.deps.decisions.queryDecisions.bind(runtime.deps.decisions);
      runtime.deps.decisions.queryDecisions = async (q) => {
        const page = await query(q);
        const stale = (d: Decision): Decision =>
          d.decisionId === bouncing
            ? {
                ...d,
                status: "executed",
                execution: { ...d.execution, error: undefined } as Decision["execution"],
              }
            : d;
        return { ...page, items: page.items.map(stale) };
      };
      return runtime;
    });
    const softBounce = async () => {
      const { sent, messageId, decision } = await sentEmail("w-soft3", { agentId: "w-writer-soft3" });
      bouncing = decision.decisionId;
      const bounce = sesEvent("eventbridge-ses-bounce.json", sent, messageId);
      bounce.detail.bounce.bounceType = "Transient";
      bounce.detail.bounce.bounceSubType = "MailboxFull";
      bounce.detail.bounce.bouncedRecipients[0].emailAddress = "jane@w-soft3.io";
      expect(await handler(bounce, ctx)).toMatchObject({ recorded: true, type: "not_sent" });
      return bounce;
    };
    await softBounce();
    const second = await softBounce();
    // Delivered twice, the second bounce is still the second.
    await handler(second, ctx);
    expect(await suppressionsFor(rt.db, "w-soft3", "w-soft3-jane")).toEqual([]);
    await softBounce();
    // Before: never suppressed; each email waited out SES's retries and the next was written anyway.
    const suppressed = await suppressionsFor(rt.db, "w-soft3", "w-soft3-jane");
    expect(suppressed).toEqual([expect.objectContaining({ kind: "email", channels: ["email"] })]);
    expect(suppressed[0]?.reason).toMatch(/^3 soft bounces \(SES /);
    const next = await rt.deps.gate.propose(
      emailProposal("w-writer-soft3", "w-soft3", "w-soft3-jane"),
      agent("w-writer-soft3"),
    );
    expect(next.decision.verdict).toBe("block");
    expect(next.decision.reasons.join(" ")).toMatch(/suppress/);
  });

  it("an undetermined bounce is not sent either: failed with SES's reason, nobody taught or suppressed", async () => {
    const { decision, sent, messageId } = await sentEmail("w-undet", { agentId: "w-writer-undet" });
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const bounce = sesEvent("eventbridge-ses-bounce.json", sent, messageId);
    bounce.detail.bounce.bounceType = "Undetermined";
    bounce.detail.bounce.bounceSubType = "Undetermined";
    bounce.detail.bounce.bouncedRecipients[0].emailAddress = "jane@w-undet.io";
    // Before: settled as sent ("nothing to learn"), its touch and reservation held, the address mailed again.
    expect(await handler(bounce, ctx)).toMatchObject({ recorded: true, type: "not_sent" });
    const failed = await rt.deps.decisions.getDecision(decision.decisionId);
    expect(failed?.status).toBe("failed");
    expect(failed?.execution?.error).toBe(
      "SES did not deliver it: SES could not tell why (undetermined bounce: Undetermined)",
    );
    expect(await suppressionsFor(rt.db, "w-undet", "w-undet-jane")).toEqual([]);
  });

  it("a soft bounce after the email was opened leaves it sent: its touch and reservation stay", async () => {
    const { decision, sent, messageId } = await sentEmail("w-soft-late", { agentId: "w-writer-2" });
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    expect(await handler(sesEvent("eventbridge-ses-open.json", sent, messageId), ctx)).toMatchObject({
      recorded: true,
      type: "opened",
    });
    // The mailbox filled up afterwards and answered with a late bounce notice.
    const bounce = sesEvent("eventbridge-ses-bounce.json", sent, messageId);
    bounce.detail.bounce.bounceType = "Transient";
    bounce.detail.bounce.bounceSubType = "MailboxFull";
    expect(await handler(bounce, ctx)).toEqual({
      recorded: false,
      reason: "soft bounce after it was opened or answered",
    });
    expect((await rt.deps.decisions.getDecision(decision.decisionId))?.status).toBe("executed");
    const touched = await rt.deps.decisions.getContactState("w-soft-late");
    expect(touched.touches.map((t) => t.decisionId)).toContain(decision.decisionId);
  });

  it("an out-of-office reply (a soft bounce after SES delivered it) leaves it sent: touch held, no soft bounce counted", async () => {
    const { decision, sent, messageId } = await sentEmail("w-ooo", { agentId: "w-writer-ooo" });
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const delivery = deliveryEvent(sent, messageId);
    expect(await handler(delivery, ctx)).toMatchObject({
      recorded: true,
      type: "delivered",
      duplicate: false,
    });
    const delivered = await rt.deps.decisions.getDecision(decision.decisionId);
    expect(delivered?.execution?.deliveredAt).toBe(
      new Date(delivery.detail.delivery.timestamp).toISOString(),
    );
    const events = await rt.deps.decisions.events(streams.decision(decision.decisionId));
    expect(events.at(-1)).toMatchObject({ type: "delivered", actor: "ses" });
    // Delivered twice: written once.
    expect(await handler(delivery, ctx)).toEqual({ recorded: false, reason: "Delivery: already recorded" });
    expect(await rt.deps.decisions.events(streams.decision(decision.decisionId))).toHaveLength(events.length);
    // The recipient is away: their server answers with an automatic reply, which SES reports as a
    // Transient/General bounce (AWS's "Understand soft bounces"), three times over one holiday.
    for (let i = 0; i < 3; i++) {
      const bounce = sesEvent("eventbridge-ses-bounce.json", sent, messageId);
      bounce.detail.bounce.bounceType = "Transient";
      bounce.detail.bounce.bounceSubType = "General";
      bounce.detail.bounce.bouncedRecipients[0].emailAddress = "jane@w-ooo.io";
      // Before: failed as not delivered, its touch given back, and the third suppressed the address.
      expect(await handler(bounce, ctx)).toEqual({
        recorded: false,
        reason: "soft bounce after SES delivered it (an automatic reply)",
      });
    }
    const after = await rt.deps.decisions.getDecision(decision.decisionId);
    expect(after?.status).toBe("executed");
    const touched = await rt.deps.decisions.getContactState("w-ooo");
    expect(touched.touches.map((t) => t.decisionId)).toContain(decision.decisionId);
    expect(await suppressionsFor(rt.db, "w-ooo", "w-ooo-jane")).toEqual([]);
  });

  it("an out-of-office reply handled before its delivery: the delivery makes it sent again, its touch and counters taken back", async () => {
    // Unreviewed (level 3): its send taught its agent a draft that passed.
    const { decision, sent, messageId } = await sentEmail("w-ooo-first", { unreviewed: "w-writer-ooo-auto" });
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const counts = () =>
      Promise.all(decision.reservation.counters.map((c) => counterValue(rt, c.counter, c.day)));
    const reserved = await counts();
    expect(decision.reservation.counters.length).toBeGreaterThan(0);
    // The Delivery's handling failed (throttled) and Lambda retries it a minute later: the automatic
    // reply's bounce is handled first, and fails the email as a soft bounce would.
    const bounce = sesEvent("eventbridge-ses-bounce.json", sent, messageId);
    bounce.detail.bounce.bounceType = "Transient";
    bounce.detail.bounce.bounceSubType = "General";
    expect(await handler(bounce, ctx)).toMatchObject({ recorded: true, type: "not_sent" });
    expect((await rt.deps.decisions.getDecision(decision.decisionId))?.status).toBe("failed");
    expect(await counts()).toEqual(reserved.map((n) => (n ?? 0) - 1));
    const trustBefore = await rt.deps.trust.get("w-writer-ooo-auto", "email.send");
    // The Delivery: it reached Jane after all. Before, it was refused ("the decision is failed"), and
    // the email stayed failed, its touch and counters given back (another agent free to email her at
    // once, the day's caps one short), its complaints and opens charged to no one.
    const delivery = deliveryEvent(sent, messageId);
    expect(await handler(delivery, ctx)).toMatchObject({ recorded: true, type: "sent", duplicate: false });
    const after = (await rt.deps.decisions.getDecision(decision.decisionId)) as Decision;
    expect(after.status).toBe("executed");
    expect(after.execution).toMatchObject({
      externalId: `ses:${messageId}`,
      deliveredAt: new Date(delivery.detail.delivery.timestamp).toISOString(),
    });
    expect(after.execution?.error).toBeUndefined();
    const touched = await rt.deps.decisions.getContactState("w-ooo-first");
    expect(touched.touches.find((t) => t.decisionId === decision.decisionId)).toMatchObject({
      channel: "email",
      personId: decision.personId,
      from: Date.parse(decision.execution?.at ?? ""),
    });
    expect(await counts()).toEqual(reserved);
    // Nothing taught again: its draft passed when it was first recorded sent.
    expect((await rt.deps.trust.get("w-writer-ooo-auto", "email.send"))?.version).toBe(trustBefore?.version);
    // Delivered twice, or the bounce again: nothing more changes.
    await handler(delivery, ctx);
    expect(await handler(bounce, ctx)).toMatchObject({ recorded: false });
    expect((await rt.deps.decisions.getDecision(decision.decisionId))?.status).toBe("executed");
    expect(await counts()).toEqual(reserved);
    // A complaint now counts against the agent that sent it.
    expect(await handler(sesEvent("eventbridge-ses-complaint.json", sent, messageId), ctx)).toMatchObject({
      recorded: true,
      type: "complaint",
    });
    expect((await rt.deps.trust.get("w-writer-ooo-auto", "email.send"))?.version).not.toBe(
      trustBefore?.version,
    );
  });

  it("a Delivery and an out-of-office bounce handled at once: whichever commits first, the email stays sent", async () => {
    const bounceOf = (sent: { EmailTags: { Name: string; Value: string }[] }, messageId: string) => {
      const b = sesEvent("eventbridge-ses-bounce.json", sent, messageId);
      b.detail.bounce.bounceType = "Transient";
      b.detail.bounce.bounceSubType = "General";
      return b;
    };
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    // The Delivery's handler read it executed; the bounce failed it before the Delivery's write.
    const a = await sentEmail("w-race-a", { agentId: "w-writer-ooo3" });
    await handler(bounceOf(a.sent, a.messageId), ctx);
    const delivery = deliveryEvent(a.sent, a.messageId);
    const msg = a.messageId.replace(/[^A-Za-z0-9._-]/g, "-");
    // Before: "Delivery: the decision is failed", and it stayed failed.
    expect(await markDelivered(rt.deps, a.decision, delivery.detail, msg)).toMatchObject({ recorded: true });
    expect((await rt.deps.decisions.getDecision(a.decision.decisionId))?.status).toBe("executed");
    // The bounce's handler read it undelivered; the Delivery was written before the bounce's write.
    const b = await sentEmail("w-race-b", { agentId: "w-writer-ooo3" });
    await handler(deliveryEvent(b.sent, b.messageId), ctx);
    const bounced = bounceOf(b.sent, b.messageId);
    // Before: failed, its delivery wiped from its execution.
    expect(
      await settle(
        rt.deps,
        b.decision,
        bounced.detail,
        b.messageId,
        `${SES_NOT_SENT}: SES stopped retrying (soft bounce)`,
      ),
    ).toMatchObject({ recorded: false });
    const after = await rt.deps.decisions.getDecision(b.decision.decisionId);
    expect(after?.status).toBe("executed");
    expect(after?.execution?.deliveredAt).toBeDefined();
  });

  it("a Delivery of another message leaves an email a soft bounce failed as it is", async () => {
    const { decision, sent, messageId } = await sentEmail("w-ooo-other", { agentId: "w-writer-ooo2" });
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const bounce = sesEvent("eventbridge-ses-bounce.json", sent, messageId);
    bounce.detail.bounce.bounceType = "Transient";
    await handler(bounce, ctx);
    expect(await handler(deliveryEvent(sent, "another-message-id"), ctx)).toMatchObject({ recorded: false });
    expect((await rt.deps.decisions.getDecision(decision.decisionId))?.status).toBe("failed");
  });

  it("a complaint reported as not spam (feedback type not-spam) is no complaint: nobody suppressed or taught", async () => {
    const { decision, sent, messageId } = await sentEmail("w-notspam", { agentId: "w-writer-2" });
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const e = sesEvent("eventbridge-ses-complaint.json", sent, messageId);
    e.detail.complaint.complaintFeedbackType = "not-spam";
    expect(await handler(e, ctx)).toEqual({ recorded: false, reason: "a not-spam report" });
    expect(await outcomesOf(decision.decisionId)).toEqual([]);
    expect(await suppressionsFor(rt.db, "w-notspam", "w-notspam-jane")).toEqual([]);
  });

  it("a Reject while the executor has not yet recorded SES's answer settles it: failed", async () => {
    const { decision, sent, messageId } = await sentEmail("w-reject-early");
    // As the decision is between SES's answer and the executor's record of it (its attempt on record).
    await moveExecuted(decision, { status: "dispatched" });
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const e = sesEvent("eventbridge-ses-reject.json", sent, messageId);
    // Before, it was acknowledged and dropped: the decision went on as executed.
    expect(await handler(e, ctx)).toMatchObject({ recorded: true, type: "not_sent", duplicate: false });
    expect((await rt.deps.decisions.getDecision(decision.decisionId))?.status).toBe("failed");
  });

  it("an SES event that lands while the executor is still calling SES wins; the executor gives way", async () => {
    await seedAcme(rt.deps, "w-race");
    const spec = await getSpec(rt.deps, "current");
    await pinTrust(rt.deps, spec, "w-racer", "email.send", 3, "autonomous sender", "admin@example.com");
    const proposal = emailProposal("w-racer", "w-race", "w-race-jane");
    const { decision } = await rt.deps.gate.propose(proposal, agent("w-racer"));
    expect(decision.status).toBe("dispatched");
    const messageId = "0100019a-race-000000";
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    // SES accepts the send and publishes its delivery before the executor has heard the answer.
    const connector = {
      execute: async () => {
        const delivery = deliveryEvent(
          { EmailTags: [{ Name: "decision_id", Value: decision.decisionId }] },
          messageId,
        );
        expect(await handler(delivery, ctx)).toMatchObject({ recorded: true, type: "sent" });
        return { externalId: `ses:${messageId}` };
      },
    };
    // Before, the executor's record failed on the moved decision and it threw (a retried task).
    const out = await execute({ ...rt.deps, connector }, decision.decisionId);
    expect(out?.status).toBe("executed");
    expect(out?.execution?.externalId).toBe(`ses:${messageId}`);
  });

  it("a delivery settles a decision in doubt as sent, with its trust window; a second delivery changes nothing", async () => {
    const { decision, sent, messageId } = await sentEmail("w-delivered", { unreviewed: "w-auto" });
    await moveExecuted(decision, { status: "in_doubt" });
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const trustBefore = await rt.deps.trust.get("w-auto", "email.send");
    const delivery = deliveryEvent(sent, messageId);
    expect(await handler(delivery, ctx)).toMatchObject({ recorded: true, type: "sent", duplicate: false });
    const settled = await rt.deps.decisions.getDecision(decision.decisionId);
    expect(settled?.status).toBe("executed");
    expect(settled?.execution?.deliveredAt).toBe(new Date(delivery.detail.delivery.timestamp).toISOString());
    expect(settled?.execution?.externalId).toBe(`ses:${messageId}`);
    const events = await rt.deps.decisions.events(streams.decision(decision.decisionId));
    expect(events.at(-1)).toMatchObject({ from: "in_doubt", to: "executed", actor: "ses" });
    // Nobody reviewed it: the send teaches its draft_passed, as the executor's record would have.
    const trustAfter = await rt.deps.trust.get("w-auto", "email.send");
    expect(trustAfter?.version).toBeGreaterThan(trustBefore?.version ?? 0);
    expect(await handler(delivery, ctx)).toMatchObject({ recorded: false });
    expect(await rt.deps.decisions.events(streams.decision(decision.decisionId))).toHaveLength(events.length);
  });

  it("a Reject for a decision that never went out (vetoed, failed otherwise) changes nothing", async () => {
    const { decision, sent, messageId } = await sentEmail("w-reject-other");
    await moveExecuted(decision, {
      status: "failed",
      execution: { at: "2026-03-10T15:00:00.000Z", idempotencyKey: "k", error: "refused" },
    });
    const before = await rt.deps.decisions.events(streams.decision(decision.decisionId));
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    expect(await handler(sesEvent("eventbridge-ses-reject.json", sent, messageId), ctx)).toEqual({
      recorded: false,
      reason: "Reject: the decision is failed, not sent",
    });
    expect(await rt.deps.decisions.events(streams.decision(decision.decisionId))).toHaveLength(before.length);
  });
});

describe("SES refusing an address on the account's suppression list (subtype OnAccountSuppressionList)", () => {
  it("suppresses the address here too, and teaches no agent a bounce or a complaint this send did not cause", async () => {
    const { decision, sent, messageId } = await sentEmail("w-listed");
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const before = await rt.deps.trust.get("w-writer", "email.send");
    const bounce = sesEvent("eventbridge-ses-bounce.json", sent, messageId);
    bounce.detail.bounce.bounceSubType = "OnAccountSuppressionList";
    bounce.detail.bounce.bouncedRecipients[0].emailAddress = "Jane@w-listed.io";
    // SES sent nothing: the decision is failed and its touch given back, as for a reject.
    expect(await handler(bounce, ctx)).toMatchObject({ recorded: true, type: "not_sent", duplicate: false });
    const failed = await rt.deps.decisions.getDecision(decision.decisionId);
    expect(failed?.status).toBe("failed");
    expect(failed?.execution?.error).toMatch(/account suppression list/);
    const complaint = sesEvent("eventbridge-ses-complaint.json", sent, messageId);
    complaint.detail.complaint.complaintSubType = "OnAccountSuppressionList";
    complaint.detail.complaint.complainedRecipients = [{ emailAddress: "jane@w-listed.io" }];
    expect(await handler(complaint, ctx)).toMatchObject({
      recorded: true,
      type: "not_sent",
      duplicate: true,
    });
    const suppressions = await suppressionsFor(rt.db, "w-listed", "w-listed-jane");
    expect(suppressions.some((x) => x.kind === "email" && /account suppression list/.test(x.reason))).toBe(
      true,
    );
    expect(await outcomesOf(decision.decisionId)).toEqual([]);
    expect((await rt.deps.trust.get("w-writer", "email.send"))?.version).toBe(before?.version);
  });
});

describe("SES refusing an address on its global suppression list (hard bounce, subtype Suppressed)", () => {
  it("fails the decision as never sent and suppresses the address, teaching no bounce", async () => {
    const { decision, sent, messageId } = await sentEmail("w-global");
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const before = await rt.deps.trust.get("w-writer", "email.send");
    const bounce = sesEvent("eventbridge-ses-bounce.json", sent, messageId);
    expect(bounce.detail.bounce.bounceType).toBe("Permanent");
    bounce.detail.bounce.bounceSubType = "Suppressed";
    bounce.detail.bounce.bouncedRecipients[0].emailAddress = "jane@w-global.io";
    expect(await handler(bounce, ctx)).toMatchObject({ recorded: true, type: "not_sent", duplicate: false });
    const failed = await rt.deps.decisions.getDecision(decision.decisionId);
    expect(failed?.status).toBe("failed");
    expect(failed?.execution?.error).toMatch(/global suppression list/);
    const suppressions = await suppressionsFor(rt.db, "w-global", "w-global-jane");
    expect(suppressions.some((x) => x.kind === "email" && /global suppression list/.test(x.reason))).toBe(
      true,
    );
    expect(await outcomesOf(decision.decisionId)).toEqual([]);
    expect((await rt.deps.trust.get("w-writer", "email.send"))?.version).toBe(before?.version);
  });
});

describe("an unsubscribe through SES's subscription management (Email Subscribed)", () => {
  it("suppresses the person and the address on email, teaches the agent, and counts once", async () => {
    const { decision, sent, messageId } = await sentEmail("w-unsub");
    // The send names the contact list: SES adds the List-Unsubscribe headers and hosts the page.
    expect(sent.ListManagementOptions).toEqual({ ContactListName: "prospects", TopicName: "outreach" });
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const before = await rt.deps.trust.get("w-writer", "email.send");
    const e = sesEvent("eventbridge-ses-subscription.json", sent, messageId);
    e.detail.mail.destination = ["jane@w-unsub.io"];
    expect(await handler(e, ctx)).toMatchObject({
      recorded: true,
      type: "unsubscribed",
      duplicate: false,
      decisionId: decision.decisionId,
    });
    const suppressions = await suppressionsFor(rt.db, "w-unsub", "w-unsub-jane");
    expect(suppressions).toContainEqual(
      expect.objectContaining({
        kind: "person",
        channels: ["email"],
        reason: expect.stringMatching(/unsubscribed/),
      }),
    );
    expect(suppressions.some((x) => x.kind === "email" && /SES's link/.test(x.reason))).toBe(true);
    expect((await rt.deps.trust.get("w-writer", "email.send"))?.market?.failure ?? 0).toBeGreaterThan(
      before?.market?.failure ?? 0,
    );
    // The next email to her is refused by the gate; SES's redelivery counts once.
    const next = await rt.deps.gate.propose(emailProposal("w-writer", "w-unsub"), agent("w-writer"));
    expect(next.decision.checks.find((c) => c.check === "suppression")?.result).toBe("fail");
    expect(await handler(e, ctx)).toMatchObject({ recorded: true, duplicate: true });
    expect((await outcomesOf(decision.decisionId)).filter((o) => o.type === "unsubscribed")).toHaveLength(1);
  });

  it("an unsubscribe by someone already out of the list suppresses the address but charges this email's agent nothing", async () => {
    const { decision, sent, messageId } = await sentEmail("w-unsub2");
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const before = await rt.deps.trust.get("w-writer", "email.send");
    // She left the list from another agent's email; now she uses this email's link too.
    const e = sesEvent("eventbridge-ses-subscription.json", sent, messageId);
    e.detail.mail.destination = ["jane@w-unsub2.io"];
    e.detail.subscription.oldTopicPreferences.unsubscribeAll = true;
    expect(await handler(e, ctx)).toEqual({
      recorded: false,
      reason: expect.stringMatching(/already unsubscribed/),
    });
    const suppressions = await suppressionsFor(rt.db, "w-unsub2", "w-unsub2-jane");
    expect(suppressions.some((x) => x.kind === "email" && /SES's link/.test(x.reason))).toBe(true);
    // The person too, on email, in case the first event was lost.
    expect(suppressions).toContainEqual(expect.objectContaining({ kind: "person", channels: ["email"] }));
    expect(await outcomesOf(decision.decisionId)).toEqual([]);
    expect((await rt.deps.trust.get("w-writer", "email.send"))?.version).toBe(before?.version);
  });

  it("an opt-in, or a change that leaves every topic as it was, suppresses nobody", async () => {
    const { decision, sent, messageId } = await sentEmail("w-optin");
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const e = sesEvent("eventbridge-ses-subscription.json", sent, messageId);
    e.detail.subscription.newTopicPreferences = {
      unsubscribeAll: false,
      topicSubscriptionStatus: [{ topicName: "outreach", subscriptionStatus: "OptIn" }],
    };
    expect(await handler(e, ctx)).toEqual({
      recorded: false,
      reason: expect.stringMatching(/not an opt-out/),
    });
    e.detail.subscription.oldTopicPreferences.topicSubscriptionStatus = [
      { topicName: "news", subscriptionStatus: "OptOut" },
    ];
    e.detail.subscription.newTopicPreferences.topicSubscriptionStatus = [
      { topicName: "news", subscriptionStatus: "OptOut" },
    ];
    expect(await handler(e, ctx)).toMatchObject({ recorded: false });
    expect(await suppressionsFor(rt.db, "w-optin", "w-optin-jane")).toEqual([]);
    expect(await outcomesOf(decision.decisionId)).toEqual([]);
  });

  it("an email sent on a topic asks about that topic: opting in to it on a shared list is no opt-out", async () => {
    const { decision, sent, messageId } = await sentEmail("w-topic");
    // The send names its topic in a tag, which SES's events carry back.
    expect(sent.EmailTags).toContainEqual({ Name: "list_topic", Value: "outreach" });
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    // Someone who never chose saves SES's page opting in to outreach; the list's newsletter topic,
    // opt-out by default, is listed as OptOut.
    const e = sesEvent("eventbridge-ses-subscription.json", sent, messageId);
    e.detail.mail.destination = ["jane@w-topic.io"];
    e.detail.subscription.oldTopicPreferences = { unsubscribeAll: false, topicSubscriptionStatus: [] };
    e.detail.subscription.newTopicPreferences = {
      unsubscribeAll: false,
      topicSubscriptionStatus: [
        { topicName: "outreach", subscriptionStatus: "OptIn" },
        { topicName: "newsletter", subscriptionStatus: "OptOut" },
      ],
    };
    // Before: an opt-out, Jane suppressed and the writer charged an unsubscribe.
    expect(await handler(e, ctx)).toEqual({
      recorded: false,
      reason: expect.stringMatching(/not an opt-out/),
    });
    expect(await suppressionsFor(rt.db, "w-topic", "w-topic-jane")).toEqual([]);
    // Leaving the topic it went out on is one.
    e.detail.subscription.newTopicPreferences.topicSubscriptionStatus[0].subscriptionStatus = "OptOut";
    expect(await handler(e, ctx)).toMatchObject({ recorded: true, type: "unsubscribed" });
    expect((await outcomesOf(decision.decisionId)).map((o) => o.type)).toEqual(["unsubscribed"]);
  });
});

describe("POST /v1/webhooks/hubspot (API Gateway v2, no authorizer, v3 signature)", () => {
  const clientSecret = "hubspot-app-client-secret";
  const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-hubspot-webhook-AbCdEf";
  const signingArn =
    "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-hubspot-signing-AbCdEf";

  async function wiring(
    contactEmail: string,
    search: Parameters<typeof fakeHubSpotContacts>[1] = [],
    /** The stand-in's secrets, to rotate one; the secrets' clock (default: the wall clock). */
    o: {
      values?: Record<string, string>;
      now?: () => number;
      emails?: Record<string, string>;
      /** The client secret in its own secret (hubspot-signing), the webhook given that one only. */
      signing?: boolean;
      /** connectors.hubspot.portalId: the webhook's HUBSPOT_PORTAL_ID. */
      portalId?: string;
    } = {},
  ) {
    const values =
      o.values ??
      (o.signing
        ? {
            [arn]: JSON.stringify({ accessToken: "pat-read" }),
            [signingArn]: JSON.stringify({ clientSecret }),
          }
        : { [arn]: JSON.stringify({ clientSecret, accessToken: "pat-read" }) });
    // The webhook's reads (`sm`) apart from its worker's: two functions, two containers.
    const sm = await fakeSecretsManager(values);
    const workerSm = await fakeSecretsManager(values);
    const hubspot = await fakeHubSpotContacts({ "1246965": contactEmail, ...o.emails }, search);
    const env = parseAwsEnv(
      functionEnv(rt, {
        CONNECTOR_SECRET_ARNS: JSON.stringify({ [HUBSPOT_WEBHOOK_SECRET]: arn }),
        CONNECTORS_CONFIG: JSON.stringify({ hubspot: { basePath: hubspot.url } }),
      }),
    );
    const runtime = createAwsRuntime(
      env,
      { clock: rt.clock, events: new RecordingPublisher() },
      OUTCOME_STORES,
    );
    const secrets = new ConnectorSecrets(sm.client, env.CONNECTOR_SECRET_ARNS, o.now ? { now: o.now } : {});
    const poll = hubspotPoll(() => runtime, secrets);
    const sqs = await fakeSqs();
    const webhookEnv = {
      ...env,
      ...(o.signing ? { CONNECTOR_SECRET_ARNS: { [HUBSPOT_SIGNING_SECRET]: signingArn } } : {}),
      WEBHOOK_QUEUE_URL: `${sqs.url}/123456789012/dev-harness-hubspot-events.fifo`,
      ...(o.portalId ? { HUBSPOT_PORTAL_ID: o.portalId } : {}),
    };
    const handler = hubspotWebhook({
      env: () => webhookEnv,
      now: () => rt.clock.now(),
      secrets: o.signing
        ? new ConnectorSecrets(sm.client, webhookEnv.CONNECTOR_SECRET_ARNS, o.now ? { now: o.now } : {})
        : secrets,
      sqs: sqs.client,
    });
    const results: WorldOutcomeResult[] = [];
    const worker = hubspotEvents({
      runtime: () => runtime,
      secrets: new ConnectorSecrets(workerSm.client, env.CONNECTOR_SECRET_ARNS, o.now ? { now: o.now } : {}),
      onRecorded: (r) => results.push(r),
    });
    /** The worker given a batch of the queue's (one SQS delivers again, say). */
    const work = async (records: SQSRecord[], context = ctx) => {
      results.length = 0;
      const batch = await worker({ Records: records }, context);
      return {
        results: [...results],
        failed: batch.batchItemFailures.map((f) =>
          records.findIndex((r) => r.messageId === f.itemIdentifier),
        ),
      };
    };
    /**
     * A delivery as it goes in AWS: HubSpot's request to the webhook, then what it queued to the worker
     * as one SQS batch (the event source mapping's); what became of each event, and the messages the
     * worker reported failed (SQS delivers them again).
     */
    const deliver = async (e: APIGatewayProxyEventV2, context = ctx) => {
      const answer = (await handler(e, context)) as APIGatewayProxyStructuredResultV2;
      const records = sqs.take();
      const worked = records.length ? await work(records, context) : { results: [], failed: [] };
      return { statusCode: answer.statusCode, body: answer.body, records, ...worked };
    };
    return {
      sm,
      hubspot,
      sqs,
      deliver,
      work,
      poll,
      close: () => Promise.all([sm.close(), workerSm.close(), hubspot.close(), sqs.close()]),
    };
  }

  function delivery(body: string, o: { secret?: string; timestamp?: number } = {}) {
    const e = fixture("api-v2-hubspot-webhook.json");
    const timestamp = String(o.timestamp ?? rt.clock.now());
    e.body = body;
    e.headers["x-hubspot-request-timestamp"] = timestamp;
    e.headers["x-hubspot-signature-v3"] = signV3(o.secret ?? clientSecret, {
      method: "POST",
      uri: `https://${e.requestContext.domainName}${e.rawPath}`,
      body,
      timestamp,
    });
    return e;
  }

  it("a request without a signature in time, or to a deployment that takes no HubSpot webhooks, is answered without reading a secret", async () => {
    const w = await wiring("jane@w-hs-unsigned.io");
    try {
      const body = JSON.stringify(fixture("hubspot-webhook-contact-property-change.json"));
      const unsigned = delivery(body);
      delete unsigned.headers["x-hubspot-signature-v3"];
      const stale = delivery(body, { timestamp: rt.clock.now() - 6 * 60_000 });
      for (const e of [unsigned, stale]) {
        const answer = await w.deliver(e, ctx);
        expect(answer.statusCode).toBe(401);
        expect(answer.records).toEqual([]);
      }
      // Anyone can send these: before, each read the secret first.
      expect(w.sm.reads()).toBe(0);
    } finally {
      await w.close();
    }
    // No HubSpot webhook secret configured (the default dry run): before, every request threw (no
    // secret configured), a 500 and a function error, which kept the function's alarm up.
    const sm = await fakeSecretsManager({});
    try {
      const handler = hubspotWebhook({
        env: () => ({
          ...parseAwsEnv(functionEnv(rt, {})),
          WEBHOOK_QUEUE_URL: "http://127.0.0.1:1/123456789012/dev-harness-hubspot-events.fifo",
        }),
        now: () => rt.clock.now(),
        secrets: new ConnectorSecrets(sm.client, {}),
        sqs: {} as never,
      });
      const answer = (await handler(
        delivery(JSON.stringify(fixture("hubspot-webhook-contact-property-change.json"))),
        ctx,
      )) as APIGatewayProxyStructuredResultV2;
      expect(answer.statusCode).toBe(404);
      expect(answer.body).toMatch(/HubSpot webhooks are not configured in this deployment/);
      expect(sm.reads()).toBe(0);
    } finally {
      await sm.close();
    }
  });

  it("a signed reply for a touched contact is recorded once, even delivered twice", async () => {
    const { decision } = await sentEmail("w-hs");
    const w = await wiring("jane@w-hs.io");
    try {
      const body = JSON.stringify(fixture("hubspot-webhook-contact-property-change.json"));
      const first = await w.deliver(delivery(body), ctx);
      expect(first.statusCode).toBe(200);
      expect(first.results[0]).toMatchObject({
        recorded: true,
        type: "replied",
        duplicate: false,
        decisionId: decision.decisionId,
      });
      // HubSpot retries with a new timestamp and signature; the event is the same.
      rt.clock.advance(60_000);
      const second = await w.deliver(delivery(body), ctx);
      expect(second.statusCode).toBe(200);
      expect(second.results[0]).toMatchObject({ recorded: true, duplicate: true });
      expect((await outcomesOf(decision.decisionId)).filter((o) => o.type === "replied")).toHaveLength(1);
      // The secret was read once for the container.
      expect(w.sm.reads()).toBe(1);
    } finally {
      await w.close();
    }
  });

  it("a later reply in the thread is kept on the decision but teaches the agent once", async () => {
    const { decision } = await sentEmail("w-hs-thread", { agentId: "w-thread-writer" });
    const w = await wiring("jane@w-hs-thread.io");
    try {
      const [event] = fixture("hubspot-webhook-contact-property-change.json");
      const reply = (at: number, eventId: number) =>
        JSON.stringify([{ ...event, propertyValue: String(at), eventId }]);
      const first = Number(event.propertyValue);
      expect((await w.deliver(delivery(reply(first, 1))))?.results[0]).toMatchObject({
        recorded: true,
        decisionId: decision.decisionId,
      });
      const taught = await rt.deps.trust.get("w-thread-writer", "email.send");
      // Jane writes again two days later, in the same thread: HubSpot's last-replied time moves.
      const second = await w.deliver(delivery(reply(first + 2 * 86_400_000, 2)));
      expect(second.results[0]).toMatchObject({
        recorded: true,
        duplicate: false,
        decisionId: decision.decisionId,
      });
      expect((await outcomesOf(decision.decisionId)).filter((o) => o.type === "replied")).toHaveLength(2);
      // Before, each reply counted one more success for the same email.
      expect((await rt.deps.trust.get("w-thread-writer", "email.send"))?.version).toBe(taught?.version);
    } finally {
      await w.close();
    }
  });

  it("a reply from a contact the harness never touched pauses the account's agents, once however often delivered", async () => {
    await seedAcme(rt.deps, "w-hs-untouched");
    const w = await wiring("jane@w-hs-untouched.io");
    try {
      const [event] = fixture("hubspot-webhook-contact-property-change.json");
      // She replied just now: the pause runs from the reply.
      const body = JSON.stringify([{ ...event, propertyValue: String(rt.clock.now() - 60_000) }]);
      const first = await w.deliver(delivery(body));
      // Jane answered a rep's own email: nothing of the harness's to learn from, but a person is
      // talking with the account. Before, nothing was recorded, and its agents kept writing to it.
      expect(first.results[0]).toMatchObject({
        recorded: true,
        type: "replied",
        decisionId: null,
        duplicate: false,
      });
      const pauses = (await rt.deps.pauses.list()).filter((p) => p.target === "w-hs-untouched");
      expect(pauses).toHaveLength(1);
      expect(pauses[0]).toMatchObject({
        scope: "account",
        reason: expect.stringMatching(/stop-on-reply: replied/),
      });
      rt.clock.advance(60_000);
      const again = await w.deliver(delivery(body));
      expect(again.results[0]).toMatchObject({ recorded: true, duplicate: true });
      expect((await rt.deps.pauses.list()).filter((p) => p.target === "w-hs-untouched")).toHaveLength(1);
      const kept = await rt.deps.decisions.events(streams.personOutcomes("w-hs-untouched-jane"));
      expect(kept.map((e) => e.detail)).toEqual(["replied with no touch to attribute it to"]);
    } finally {
      await w.close();
    }
  });

  it("with the client secret in a secret of its own, the public webhook reads that one only; the worker reads contacts with the other", async () => {
    const { decision } = await sentEmail("w-hs-signing");
    const w = await wiring("jane@w-hs-signing.io", [], { signing: true });
    try {
      const body = JSON.stringify(fixture("hubspot-webhook-contact-property-change.json"));
      const answer = await w.deliver(delivery(body), ctx);
      expect(answer.statusCode).toBe(200);
      expect(answer.results[0]).toMatchObject({ recorded: true, decisionId: decision.decisionId });
      expect((await w.deliver(delivery(body, { secret: "not-the-app's" }), ctx)).statusCode).toBe(401);
      // The token's secret was never asked for by the webhook: it checked signatures with the signing one.
      const asked = w.sm.requests.map((r) => (r.body as { SecretId?: string }).SecretId);
      expect(new Set(asked)).toEqual(new Set([signingArn]));
    } finally {
      await w.close();
    }
  });

  /** The documented sample, its reply at `at` (epoch ms, as the webhook sends it). */
  const replyAt = (at: number) => {
    const events = fixture("hubspot-webhook-contact-property-change.json");
    events[0].propertyValue = String(at);
    return JSON.stringify(events);
  };

  /** A touch by an agent trusted to act alone: dispatched by the gate, not yet sent. */
  async function dispatchedTouch(proposal: ReturnType<typeof emailProposal>) {
    const spec = await getSpec(rt.deps, "current");
    await pinTrust(rt.deps, spec, proposal.agentId, proposal.action.type, 3, "test", "admin@example.com");
    const { decision } = await rt.deps.gate.propose(proposal, agent(proposal.agentId));
    if (decision.status !== "dispatched") throw new Error(JSON.stringify(decision.reasons));
    return decision;
  }

  it("a contact who unsubscribed from all email in HubSpot is suppressed on email, touched or not", async () => {
    await seedAcme(rt.deps, "w-hs-opt");
    const w = await wiring("jane@w-hs-opt.io");
    try {
      const [reply] = fixture("hubspot-webhook-contact-property-change.json");
      const optOut = {
        ...reply,
        eventId: 3816279341,
        propertyName: "hs_email_optout",
        propertyValue: "true",
        changeSource: "EMAIL",
      };
      const res = await w.deliver(delivery(JSON.stringify([optOut])), ctx);
      expect(res.statusCode).toBe(200);
      expect(res.results).toEqual([
        expect.objectContaining({
          recorded: true,
          type: "suppressed",
          outcomeId: "hubspot:1246965:email_optout",
        }),
      ]);
      const suppressions = await suppressionsFor(rt.db, "w-hs-opt", "w-hs-opt-jane");
      expect(suppressions).toContainEqual(
        expect.objectContaining({
          kind: "email",
          channels: ["email"],
          reason: expect.stringMatching(/HubSpot/),
        }),
      );
      const next = await rt.deps.gate.propose(emailProposal("w-writer", "w-hs-opt"), agent("w-writer"));
      expect(next.decision.checks.find((c) => c.check === "suppression")?.result).toBe("fail");
      // LinkedIn is another channel: the opt-out is from email.
      const li = await rt.deps.gate.propose(linkedinProposal("w-writer", "w-hs-opt"), agent("w-writer"));
      expect(li.decision.checks.find((c) => c.check === "suppression")?.result).toBe("pass");
      // Opting back in lifts nothing.
      const back = await w.deliver(
        delivery(JSON.stringify([{ ...optOut, eventId: 3816279342, propertyValue: "false" }])),
        ctx,
      );
      expect(back.results[0]).toMatchObject({ recorded: false });
      expect(await suppressionsFor(rt.db, "w-hs-opt", "w-hs-opt-jane")).toEqual(suppressions);
    } finally {
      await w.close();
    }
  });

  it("events in HubSpot's generic format (object.propertyChange, objectTypeId 0-1) are read as the contact's: an opt-out suppresses", async () => {
    await seedAcme(rt.deps, "w-hs-gen");
    const w = await wiring("jane@w-hs-gen.io");
    try {
      const [reply] = fixture("hubspot-webhook-contact-property-change.json");
      // As an app on HubSpot's current developer platform receives them (subscriptions under crmObjects).
      const generic = { ...reply, subscriptionType: "object.propertyChange", objectTypeId: "0-1" };
      const optOut = {
        ...generic,
        eventId: 3816279351,
        propertyName: "hs_email_optout",
        propertyValue: "true",
        changeSource: "EMAIL",
      };
      // A deal's change (0-3) and a contact's property the harness does not read: answered, not queued.
      const deal = { ...generic, eventId: 3816279352, objectTypeId: "0-3", propertyName: "dealstage" };
      const other = { ...generic, eventId: 3816279353, propertyName: "jobtitle", propertyValue: "CFO" };
      const res = await w.deliver(delivery(JSON.stringify([optOut, deal, other])), ctx);
      expect(res.statusCode).toBe(200);
      // Before: queued 0, ignored 3, and the opt-out lost for good (HubSpot sends nothing again).
      expect(JSON.parse(res.body as string)).toEqual({ received: 3, queued: 1, ignored: 2, passedOver: 0 });
      expect(res.results).toEqual([
        expect.objectContaining({
          recorded: true,
          type: "suppressed",
          outcomeId: "hubspot:1246965:email_optout",
        }),
      ]);
      const next = await rt.deps.gate.propose(emailProposal("w-writer", "w-hs-gen"), agent("w-writer"));
      expect(next.decision.checks.find((c) => c.check === "suppression")?.result).toBe("fail");
    } finally {
      await w.close();
    }
  });

  it("an opt-out reaches the person the contact was imported as, though HubSpot now has another address", async () => {
    await seedAcme(rt.deps, "w-hs-opt2");
    // A contact of its own: the link stays in the shared tables.
    await putCrmLink(rt.db, "contacts", "1246966", {
      kbId: "w-hs-opt2-jane",
    });
    // The knowledge base has jane@w-hs-opt2.io; HubSpot's contact now carries her private address.
    const w = await wiring("unused@example.com", [], { emails: { "1246966": "jane.doe@home.example" } });
    try {
      const [reply] = fixture("hubspot-webhook-contact-property-change.json");
      const optOut = {
        ...reply,
        objectId: 1246966,
        eventId: 3816279351,
        propertyName: "hs_email_optout",
        propertyValue: "true",
      };
      const res = await w.deliver(delivery(JSON.stringify([optOut])), ctx);
      expect(res.results[0]).toMatchObject({ recorded: true, type: "suppressed" });
      expect(await suppressionsFor(rt.db, "w-hs-opt2", "w-hs-opt2-jane")).toContainEqual(
        expect.objectContaining({
          kind: "person",
          channels: ["email"],
          reason: expect.stringMatching(/HubSpot/),
        }),
      );
      const next = await rt.deps.gate.propose(emailProposal("w-writer", "w-hs-opt2"), agent("w-writer"));
      expect(next.decision.checks.find((c) => c.check === "suppression")?.result).toBe("fail");
    } finally {
      await w.close();
    }
  });

  it("an event that fails is retried on its own (SQS), after HubSpot is answered; the batch's others are recorded", async () => {
    await seedAcme(rt.deps, "w-hs-fail");
    await putCrmLink(rt.db, "contacts", "777", {
      kbId: "w-hs-fail-jane",
    });
    const w = await wiring("jane@w-hs-fail.io", [], { emails: { "777": "jane@w-hs-fail.io" } });
    try {
      const [reply] = fixture("hubspot-webhook-contact-property-change.json");
      const optOut = { ...reply, propertyName: "hs_email_optout", propertyValue: "true" };
      const batch = [
        { ...optOut, eventId: 3816279361, objectId: 777 },
        { ...optOut, eventId: 3816279362, objectId: 778 },
        // A later event of contact 777 (one that reads nothing from HubSpot, so it would go through
        // alone): it follows the failed one, so it waits for it.
        {
          eventId: 3816279363,
          subscriptionType: "contact.deletion",
          portalId: reply.portalId,
          objectId: 777,
          occurredAt: reply.occurredAt,
        },
      ];
      // HubSpot throttles the first contact read (the worker's client does not retry).
      w.hubspot.failNext({ status: 429, body: { status: "error", category: "RATE_LIMITS" } });
      const res = await w.deliver(delivery(JSON.stringify(batch)), ctx);
      // HubSpot's part is done: the events are queued.
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body as string)).toMatchObject({ received: 3, queued: 3 });
      // The worker reports contact 777's two events failed; 778's, another group, is read (HubSpot has
      // no such contact: nothing to record).
      expect(res.failed).toEqual([0, 2]);
      expect(res.results).toEqual([expect.objectContaining({ recorded: false })]);
      expect(await suppressionsFor(rt.db, "w-hs-fail", "w-hs-fail-jane")).toEqual([]);
      // SQS delivers the two again, in order: the opt-out, then the deletion.
      const again = await w.work(res.failed.map((n) => res.records[n] as SQSRecord));
      expect(again.failed).toEqual([]);
      expect(again.results).toEqual([
        expect.objectContaining({
          recorded: true,
          type: "suppressed",
          outcomeId: "hubspot:777:email_optout",
        }),
        expect.objectContaining({ recorded: true, type: "suppressed" }),
      ]);
      const kinds = (await suppressionsFor(rt.db, "w-hs-fail", "w-hs-fail-jane")).map((x) => x.kind).sort();
      expect(kinds).toEqual(expect.arrayContaining(["email", "person"]));
    } finally {
      await w.close();
    }
  });

  it("a company deleted in HubSpot suppresses the account it wrote; a duplicate's deletion leaves the account alone", async () => {
    await seedAcme(rt.deps, "w-hs-codel");
    const kb = new DynamoKnowledgeStore(rt.db);
    const {
      accountId: _a,
      signals: _s,
      updatedAt: _u,
      ...input
    } = (await kb.getAccount("w-hs-codel")) as NonNullable<Awaited<ReturnType<typeof kb.getAccount>>>;
    const at = new Date(rt.clock.now()).toISOString();
    // Imported from company 9901; 9902 is a duplicate of the same domain, linked to the same account.
    await kb.upsertAccount("w-hs-codel", input, at, {
      source: { system: "hubspot", objectType: "companies", id: "9901", modifiedAt: at },
    });
    await putCrmLink(rt.db, "companies", "9901", { kbId: "w-hs-codel" });
    await putCrmLink(rt.db, "companies", "9902", { kbId: "w-hs-codel" });
    const w = await wiring("jane@w-hs-codel.io");
    try {
      const [reply] = fixture("hubspot-webhook-contact-property-change.json");
      const deletion = (eventId: number, objectId: number) => ({
        eventId,
        subscriptionId: 4_711,
        portalId: reply.portalId,
        appId: reply.appId,
        occurredAt: rt.clock.now(),
        subscriptionType: "company.deletion",
        attemptNumber: 0,
        objectId,
        changeFlag: "DELETED",
        changeSource: "CRM_UI",
      });
      const dup = await w.deliver(delivery(JSON.stringify([deletion(3816279381, 9902)])), ctx);
      expect(JSON.parse(dup.body as string)).toMatchObject({ received: 1, queued: 1 });
      expect(dup.results).toEqual([
        expect.objectContaining({
          recorded: false,
          reason: "account w-hs-codel is not company 9902's: hubspot companies 9901 wrote it last",
        }),
      ]);
      expect(await suppressionsFor(rt.db, "w-hs-codel")).toEqual([]);
      const own = await w.deliver(delivery(JSON.stringify([deletion(3816279382, 9901)])), ctx);
      expect(own.results).toEqual([
        expect.objectContaining({
          recorded: true,
          type: "suppressed",
          outcomeId: "hubspot:company-9901:deleted",
        }),
      ]);
      expect(await suppressionsFor(rt.db, "w-hs-codel")).toEqual([
        expect.objectContaining({ kind: "account", reason: "deleted in HubSpot (company 9901)" }),
      ]);
      // The gate refuses the account's people from then on.
      const next = await rt.deps.gate.propose(emailProposal("w-writer", "w-hs-codel"), agent("w-writer"));
      expect(next.decision.checks.find((c) => c.check === "suppression")?.result).toBe("fail");
    } finally {
      await w.close();
    }
  });

  it("an event that can never be recorded (a merge whose merged ids are no list) is let go, not retried: its contact's next event goes on", async () => {
    const { decision } = await sentEmail("w-hs-poison");
    const w = await wiring("jane@w-hs-poison.io");
    try {
      const [reply] = fixture("hubspot-webhook-contact-property-change.json");
      const poison = {
        eventId: 3816279371,
        subscriptionType: "contact.merge",
        portalId: reply.portalId,
        objectId: reply.objectId,
        occurredAt: reply.occurredAt,
        primaryObjectId: reply.objectId,
        mergedObjectIds: "7701",
      };
      const res = await w.deliver(delivery(JSON.stringify([poison, reply])), ctx);
      expect(JSON.parse(res.body as string)).toMatchObject({ queued: 2 });
      // Retried, it would fail 5 times and take the reply behind it to the dead-letter queue.
      expect(res.failed).toEqual([]);
      expect(res.results).toEqual([
        expect.objectContaining({ recorded: true, type: "replied", decisionId: decision.decisionId }),
      ]);
    } finally {
      await w.close();
    }
  });

  it("HubSpot is answered 500 in time when SQS does not answer: queueing ends at its deadline", async () => {
    const w = await wiring("jane@w-hs-slow.io");
    // SQS taking the request and never answering.
    const held: ServerResponse[] = [];
    const slow = createServer((_req, res) => void held.push(res));
    await new Promise<void>((r) => slow.listen(0, "127.0.0.1", r));
    try {
      const env = parseAwsEnv(
        functionEnv(rt, {
          CONNECTOR_SECRET_ARNS: JSON.stringify({ [HUBSPOT_WEBHOOK_SECRET]: arn }),
          WEBHOOK_QUEUE_URL:
            "https://sqs.us-east-1.amazonaws.com/123456789012/dev-harness-hubspot-events.fifo",
        }),
      );
      const handler = hubspotWebhook({
        env: () => env,
        now: () => rt.clock.now(),
        secrets: new ConnectorSecrets(w.sm.client, env.CONNECTOR_SECRET_ARNS),
        sqs: new SQSClient({
          region: "us-east-1",
          endpoint: `http://127.0.0.1:${(slow.address() as AddressInfo).port}`,
          credentials: TEST_CREDENTIALS,
        }),
        queueDeadlineMs: 400,
      });
      const started = Date.now();
      const body = JSON.stringify(fixture("hubspot-webhook-contact-property-change.json"));
      const answer = (await handler(delivery(body), ctx)) as APIGatewayProxyStructuredResultV2;
      expect(answer.statusCode).toBe(500);
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(held.length).toBeGreaterThan(0);
    } finally {
      slow.closeAllConnections();
      await new Promise<void>((r) => slow.close(() => r()));
      await w.close();
    }
  });

  it("HubSpot is answered 500 when its events cannot be queued, and the redelivery records them once", async () => {
    const { decision } = await sentEmail("w-hs-queue");
    const w = await wiring("jane@w-hs-queue.io");
    try {
      const body = JSON.stringify(fixture("hubspot-webhook-contact-property-change.json"));
      w.sqs.refuse(1);
      const refused = await w.deliver(delivery(body), ctx);
      expect(refused.statusCode).toBe(500);
      expect(refused.results).toEqual([]);
      expect(await outcomesOf(decision.decisionId)).toEqual([]);
      // HubSpot delivers the batch again; this time SQS takes it, and then once more (after SQS's
      // 5-minute deduplication, which the stand-in does not do): one reply.
      rt.clock.advance(60_000);
      expect((await w.deliver(delivery(body), ctx)).results).toEqual([
        expect.objectContaining({ recorded: true, type: "replied", duplicate: false }),
      ]);
      rt.clock.advance(60_000);
      expect((await w.deliver(delivery(body), ctx)).results).toEqual([
        expect.objectContaining({ recorded: true, type: "replied", duplicate: true }),
      ]);
      expect((await outcomesOf(decision.decisionId)).filter((o) => o.type === "replied")).toHaveLength(1);
    } finally {
      await w.close();
    }
  });

  it("a reply from an address two people in the knowledge base hold goes to the one that was touched", async () => {
    const { decision } = await sentEmail("w-hs-co", { agentId: "w-writer-3" });
    // The CRM's own record of Jane, written after the agent's with the same address (a rep corrected
    // the contact in HubSpot and the import wrote it): the address's most recent holder.
    await putPerson(rt.deps, "w-hs-co-crm", {
      accountId: "w-hs-co",
      email: "jane@w-hs-co.io",
      firstName: "Jane",
      lastName: "Doe",
      title: "VP Sales",
    });
    expect(new Set(await rt.deps.kb.peopleWithEmail("jane@w-hs-co.io"))).toEqual(
      new Set(["w-hs-co-jane", "w-hs-co-crm"]),
    );
    const w = await wiring("jane@w-hs-co.io");
    try {
      const res = await w.deliver(delivery(replyAt(rt.clock.now() + 60_000)), ctx);
      // Before: looked for on the most recent holder only, untouched: decisionId null, and the touch
      // later counted a silence.
      expect(res.results[0]).toMatchObject({
        recorded: true,
        type: "replied",
        decisionId: decision.decisionId,
      });
      expect((await outcomesOf(decision.decisionId)).map((o) => o.type)).toContain("replied");
    } finally {
      await w.close();
    }
  });

  it("a contact deleted in HubSpot suppresses every person in the knowledge base with its address", async () => {
    await seedAcme(rt.deps, "w-hs-del2");
    await putPerson(rt.deps, "w-hs-del2-agent", {
      accountId: "w-hs-del2",
      email: "jane@w-hs-del2.io",
      firstName: "Jane",
      lastName: "Doe",
      title: "VP Sales",
    });
    await putCrmLink(rt.db, "contacts", "9911", { kbId: "w-hs-del2-jane" });
    const w = await wiring("jane@w-hs-del2.io");
    try {
      const event = {
        eventId: 4252,
        subscriptionId: 17,
        portalId: 62515,
        appId: 54321,
        occurredAt: rt.clock.now(),
        subscriptionType: "contact.deletion",
        attemptNumber: 0,
        objectId: 9911,
        changeFlag: "DELETED",
        changeSource: "CRM_UI",
      };
      expect((await w.deliver(delivery(JSON.stringify([event])), ctx)).results).toEqual([
        expect.objectContaining({ recorded: true, type: "suppressed" }),
      ]);
      // Before, the agent's own record of the same human stayed open to outreach.
      for (const personId of ["w-hs-del2-jane", "w-hs-del2-agent"])
        expect(await suppressionsFor(rt.db, "w-hs-del2", personId), personId).toContainEqual(
          expect.objectContaining({
            kind: "person",
            reason: expect.stringMatching(/deleted in HubSpot.*9911/),
          }),
        );
      expect(w.hubspot.requests).toHaveLength(0);
    } finally {
      await w.close();
    }
  });

  it("a reply is found for the person the contact was imported as, though HubSpot has another address now", async () => {
    const { decision } = await sentEmail("w-hs-moved", { agentId: "w-writer-2" });
    // A contact of its own: the link stays in the shared tables.
    await putCrmLink(rt.db, "contacts", "1246967", {
      kbId: "w-hs-moved-jane",
    });
    const w = await wiring("unused@example.com", [], { emails: { "1246967": "jane.private@home.example" } });
    try {
      const events = JSON.parse(replyAt(rt.clock.now() + 60_000));
      events[0].objectId = 1246967;
      const res = await w.deliver(delivery(JSON.stringify(events)), ctx);
      expect(res.results[0]).toMatchObject({
        recorded: true,
        type: "replied",
        decisionId: decision.decisionId,
      });
    } finally {
      await w.close();
    }
  });

  it("a contact deleted in HubSpot (a privacy deletion) suppresses the person it was imported as", async () => {
    await seedAcme(rt.deps, "w-hs-del");
    // As the CRM import links a HubSpot contact to the knowledge base's person.
    await putCrmLink(rt.db, "contacts", "9901", {
      kbId: "w-hs-del-jane",
    });
    const w = await wiring("jane@w-hs-del.io");
    try {
      // HubSpot's documented deletion event: no property, the contact id as objectId.
      const event = {
        eventId: 4242,
        subscriptionId: 17,
        portalId: 62515,
        appId: 54321,
        occurredAt: rt.clock.now(),
        subscriptionType: "contact.privacyDeletion",
        attemptNumber: 0,
        objectId: 9901,
        changeFlag: "DELETED",
        changeSource: "GDPR",
      };
      const unknown = { ...event, eventId: 4243, objectId: 9902 };
      const res = await w.deliver(delivery(JSON.stringify([event, unknown])), ctx);
      expect(res.statusCode).toBe(200);
      expect(res.results).toEqual([
        expect.objectContaining({ recorded: true, type: "suppressed" }),
        { recorded: false, reason: "not a person in the knowledge base" },
      ]);
      const suppressions = await suppressionsFor(rt.db, "w-hs-del", "w-hs-del-jane");
      expect(suppressions).toContainEqual(
        expect.objectContaining({
          kind: "person",
          reason: expect.stringMatching(/privacy request.*contact 9901/),
        }),
      );
      // Nothing was asked of HubSpot about a contact that no longer exists.
      expect(w.hubspot.requests).toHaveLength(0);
    } finally {
      await w.close();
    }
  });

  it("contacts merged in HubSpot: the remaining contact carries the person on, a duplicate person is suppressed", async () => {
    await seedAcme(rt.deps, "w-hs-merge");
    const links = new DynamoCrmImportStore(rt.db, new DynamoKnowledgeStore(rt.db));
    // Jane imported from contact 7701, Bob from 7702, nobody from 7703 yet.
    await links.putLink("contacts", "7701", { kbId: "w-hs-merge-jane" });
    await links.putLink("contacts", "7702", { kbId: "w-hs-merge-bob" });
    const w = await wiring("jane@w-hs-merge.io");
    try {
      // HubSpot's merge event: the merged ids, the primary, and the contact that remains.
      const merge = (eventId: number, primary: number, merged: number[], remaining = primary) => ({
        eventId,
        subscriptionId: 18,
        portalId: 62515,
        appId: 54321,
        occurredAt: rt.clock.now(),
        subscriptionType: "contact.merge",
        attemptNumber: 0,
        objectId: primary,
        changeFlag: "MERGED",
        changeSource: "CRM_UI",
        primaryObjectId: primary,
        mergedObjectIds: merged,
        newObjectId: remaining,
        numberOfPropertiesMoved: 3,
      });
      // 7701 (Jane) merged into 7703, which no person holds yet: Jane carries on as 7703.
      const first = await w.deliver(delivery(JSON.stringify([merge(5001, 7703, [7701])])), ctx);
      expect(first.results).toEqual([expect.objectContaining({ recorded: true, type: "merged" })]);
      expect((await links.link("contacts", "7703"))?.kbId).toBe("w-hs-merge-jane");
      // Then 7702 (Bob) merged into 7703: one person in HubSpot, so Bob is suppressed, not Jane.
      await w.deliver(delivery(JSON.stringify([merge(5002, 7703, [7702])])), ctx);
      expect(await suppressionsFor(rt.db, "w-hs-merge", "w-hs-merge-bob")).toContainEqual(
        expect.objectContaining({
          kind: "person",
          reason: expect.stringMatching(/contact 7703.*w-hs-merge-jane/),
        }),
      );
      expect(
        (await suppressionsFor(rt.db, "w-hs-merge", "w-hs-merge-jane")).filter((x) => x.kind === "person"),
      ).toEqual([]);
      // Each merged contact's link is marked taken in: the CRM import, reading 7703's merged ids,
      // leaves them alone (and does not take Bob, suppressed, for the person to keep).
      expect(await links.link("contacts", "7701")).toEqual({ kbId: "w-hs-merge-jane", mergedInto: "7703" });
      expect(await links.link("contacts", "7702")).toEqual({ kbId: "w-hs-merge-bob", mergedInto: "7703" });
      // HubSpot deleting the merged-away contact 7701 (its record gone with the merge) leaves Jane,
      // who lives on as 7703, open. Before, her person was suppressed on every channel.
      const gone = { ...merge(5005, 7701, []), subscriptionType: "contact.deletion" };
      const mergedAway = await w.deliver(delivery(JSON.stringify([gone])), ctx);
      expect(mergedAway.results[0]).toEqual({
        recorded: false,
        reason: "contact 7701 was merged into contact 7703: its person lives on there",
      });
      expect(
        (await suppressionsFor(rt.db, "w-hs-merge", "w-hs-merge-jane")).filter((x) => x.kind === "person"),
      ).toEqual([]);
      // A deletion of the remaining contact now reaches the person it carries.
      const deletion = { ...merge(5003, 7703, []), subscriptionType: "contact.deletion" };
      await w.deliver(delivery(JSON.stringify([deletion])), ctx);
      expect(await suppressionsFor(rt.db, "w-hs-merge", "w-hs-merge-jane")).toContainEqual(
        expect.objectContaining({ kind: "person", reason: expect.stringMatching(/deleted in HubSpot/) }),
      );
      // A merge of contacts the harness never imported changes nothing.
      const none = await w.deliver(delivery(JSON.stringify([merge(5004, 8801, [8802])])), ctx);
      expect(none.results[0]).toMatchObject({ recorded: false });
      expect(w.hubspot.requests).toHaveLength(0);
    } finally {
      await w.close();
    }
  });

  it("a client secret rotated since it was read is read again, at most once in 10 s, so no event is lost", async () => {
    const { decision } = await sentEmail("w-hs-rot");
    const values = { [arn]: JSON.stringify({ clientSecret, accessToken: "pat-read" }) };
    const w = await wiring("jane@w-hs-rot.io", [], { values, now: () => rt.clock.now() });
    try {
      const body = JSON.stringify(fixture("hubspot-webhook-contact-property-change.json"));
      const rotated = "hubspot-app-client-secret-2";
      // Read once for the container, with the secret as it was.
      const first = await w.deliver(delivery(body, { secret: "not-the-secret" }), ctx);
      expect(first.statusCode).toBe(401);
      expect(w.sm.reads()).toBe(1);
      values[arn] = JSON.stringify({ clientSecret: rotated, accessToken: "pat-read" });
      // Within 10 s of the read, a failing signature does not make another read.
      rt.clock.advance(5_000);
      expect((await w.deliver(delivery(body, { secret: rotated }), ctx)).statusCode).toBe(401);
      expect(w.sm.reads()).toBe(1);
      // After, HubSpot's request under the rotated secret is read under it: HubSpot never resends a 401.
      rt.clock.advance(6_000);
      const after = await w.deliver(delivery(body, { secret: rotated }), ctx);
      expect(after.statusCode).toBe(200);
      expect(after.results[0]).toMatchObject({
        recorded: true,
        type: "replied",
        decisionId: decision.decisionId,
      });
      expect(w.sm.reads()).toBe(2);
      // The new secret is kept: the next request under it reads nothing; one under the old is refused.
      rt.clock.advance(1_000);
      expect((await w.deliver(delivery(body, { secret: rotated }), ctx)).statusCode).toBe(200);
      expect((await w.deliver(delivery(body, { secret: clientSecret }), ctx)).statusCode).toBe(401);
      expect(w.sm.reads()).toBe(2);
    } finally {
      await w.close();
    }
  });

  it("an event the harness does not read (an association change) is passed over; the batch's others are recorded", async () => {
    const { decision } = await sentEmail("w-hs-mixed");
    const w = await wiring("jane@w-hs-mixed.io");
    try {
      // HubSpot's association-change event (its webhooks documentation): no objectId.
      const association = {
        eventId: 1001,
        subscriptionId: 5678,
        portalId: 62515,
        appId: 54321,
        occurredAt: rt.clock.now(),
        subscriptionType: "contact.associationChange",
        attemptNumber: 0,
        changeSource: "USER",
        associationType: "CONTACT_TO_COMPANY",
        fromObjectId: 1246965,
        toObjectId: 4567,
        associationRemoved: false,
        isPrimaryAssociation: false,
      };
      const body = JSON.stringify([association, ...fixture("hubspot-webhook-contact-property-change.json")]);
      // And a change of a property that is no outcome: answered, not queued.
      const [reply] = fixture("hubspot-webhook-contact-property-change.json");
      const other = { ...reply, eventId: 1002, propertyName: "jobtitle", propertyValue: "CFO" };
      const answer = await w.deliver(delivery(JSON.stringify([...JSON.parse(body), other])), ctx);
      expect(answer.statusCode).toBe(200);
      expect(JSON.parse(answer.body as string)).toEqual({
        received: 3,
        queued: 1,
        ignored: 1,
        passedOver: 1,
      });
      expect(answer.results).toEqual([
        expect.objectContaining({ recorded: true, type: "replied", decisionId: decision.decisionId }),
      ]);
      // A body that is not a batch at all is still refused whole.
      expect((await w.deliver(delivery(JSON.stringify({ events: [] })), ctx)).statusCode).toBe(400);
    } finally {
      await w.close();
    }
  });

  it("with the deployment's portal configured, another portal's events (an app installed in several) are passed over", async () => {
    const { decision } = await sentEmail("w-hs-portal");
    const [reply] = fixture("hubspot-webhook-contact-property-change.json");
    const w = await wiring("jane@w-hs-portal.io", [], { portalId: String(reply.portalId) });
    try {
      // Contact 1246965 of another portal is someone else: not read as this portal's contact.
      const foreign = { ...reply, eventId: 2001, portalId: 999_999 };
      const answer = await w.deliver(delivery(JSON.stringify([foreign, reply])), ctx);
      expect(answer.statusCode).toBe(200);
      expect(JSON.parse(answer.body as string)).toMatchObject({ received: 2, queued: 1, passedOver: 1 });
      expect(answer.records).toHaveLength(1);
      expect(answer.results).toEqual([
        expect.objectContaining({ recorded: true, type: "replied", decisionId: decision.decisionId }),
      ]);
    } finally {
      await w.close();
    }
  });

  it("a wrong signature or a stale timestamp is 401 and nothing is read or written", async () => {
    const { decision } = await sentEmail("w-hs-bad");
    const w = await wiring("jane@w-hs-bad.io");
    try {
      const body = JSON.stringify(fixture("hubspot-webhook-contact-property-change.json"));
      const ledger = () => rt.deps.decisions.events(streams.decision(decision.decisionId));
      const before = await ledger();
      const forged = await w.deliver(delivery(body, { secret: "not-the-secret" }), ctx);
      expect(forged.statusCode).toBe(401);
      const tampered = delivery(body);
      tampered.body = body.replace("1246965", "1246966");
      expect((await w.deliver(tampered, ctx)).statusCode).toBe(401);
      const stale = await w.deliver(delivery(body, { timestamp: rt.clock.now() - 6 * 60_000 }), ctx);
      expect(stale.statusCode).toBe(401);
      expect(JSON.parse(stale.body as string).message).toMatch(/5 minutes/);
      expect(await ledger()).toEqual(before);
      expect(w.hubspot.requests).toEqual([]);
    } finally {
      await w.close();
    }
  });

  it("the poll reads contacts by when HubSpot wrote them: a reply logged late is recorded; the checkpoint moves page by page", async () => {
    const { decision } = await sentEmail("w-hs-late");
    const replied = rt.clock.now() + 10 * 60_000;
    rt.clock.advance(3 * 3_600_000);
    // An earlier poll ran after the reply's time but before HubSpot logged it, 1 h 50 min later.
    const saved = keptCheckpoint(replied + 3_600_000);
    const written = rt.clock.now() - 3_600_000;
    const asked: [number, string | undefined][] = [];
    let secondPage: "fails" | "empty" = "fails";
    const changes: OutcomeChanges = {
      modifiedSince: async (since, after) => {
        asked.push([since, after]);
        if (asked.length % 2 === 0) {
          if (secondPage === "fails") throw new Error("HubSpot contacts search: status 502 after 4 attempts");
          return { events: [], emails: new Map() };
        }
        return {
          events: [
            {
              eventId: `poll:42:hs_sales_email_last_replied:${replied}`,
              subscriptionType: "contact.propertyChange",
              portalId: 0,
              objectId: "42",
              occurredAt: replied,
              propertyName: "hs_sales_email_last_replied",
              propertyValue: new Date(replied).toISOString(),
            },
          ],
          emails: new Map([["42", "jane@w-hs-late.io"]]),
          lastModified: written,
          after: "1",
        };
      },
    };
    let reads = 0;
    const p = {
      changes,
      checkpoints: saved.store,
      contacts: { emailOf: async () => void reads++ },
    };
    await expect(pollHubSpotOutcomes(rt.deps, p)).rejects.toThrow(/502/);
    expect((await outcomesOf(decision.decisionId)).map((o) => o.type)).toEqual(["replied"]);
    expect(reads).toBe(0);
    // The first page's work is kept; the next page was a new query from its last write.
    expect(saved.at).toBe(written);
    expect(asked[1]).toEqual([written, undefined]);
    secondPage = "empty";
    const again = await pollHubSpotOutcomes(rt.deps, p);
    expect(again).toMatchObject({ changes: 1, recorded: 0, caughtUp: true });
    // It began at the checkpoint: that write was read an hour after HubSpot made it, surely indexed.
    expect(asked[2]).toEqual([written, undefined]);
    // Caught up: everything written up to 5 minutes before the query (the search indexes a write late).
    expect(saved.at).toBe(rt.clock.now() - 5 * 60_000);
  });

  it("a run that stops after its pages inside a burst resumes at its last read write, not 5 minutes earlier", async () => {
    const base = rt.clock.now() - 3_600_000;
    // Twelve contacts HubSpot wrote within two minutes, an hour ago: more than one run's pages.
    const writes = Array.from({ length: 12 }, (_, i) => base + i * 10_000);
    const saved = keptCheckpoint(base - 1);
    const asked: number[] = [];
    const changes: OutcomeChanges = {
      modifiedSince: async (since, after) => {
        asked.push(since);
        const from = writes.filter((t) => t >= since);
        const at = Number(after ?? 0);
        const page = from.slice(at, at + 2);
        return {
          events: [],
          emails: new Map(),
          ...(page.length ? { lastModified: page.at(-1) } : {}),
          ...(at + 2 < from.length ? { after: String(at + 2) } : {}),
        };
      },
    };
    const p = {
      changes,
      checkpoints: saved.store,
      contacts: { emailOf: async () => undefined },
    };
    const runs = [];
    for (let run = 0; run < 12 && !runs.at(-1)?.caughtUp; run++)
      runs.push(await pollHubSpotOutcomes(rt.deps, p, 2));
    // Before, each run went back 5 minutes, read the same two pages and left the checkpoint where it was.
    expect(runs.at(-1)?.caughtUp).toBe(true);
    expect(Math.min(...asked)).toBe(base - 1);
    expect(saved.at).toBe(rt.clock.now() - 5 * 60_000);
  });

  it("a run that stops inside one millisecond's writes moves its checkpoint past them instead of starting there for good", async () => {
    const tie = rt.clock.now() - 3_600_000;
    const saved = keptCheckpoint(tie);
    let n = 0;
    const p = {
      changes: {
        modifiedSince: async () => ({
          events: [],
          emails: new Map(),
          lastModified: tie,
          after: String(++n * 100),
        }),
      } as OutcomeChanges,
      checkpoints: saved.store,
      contacts: { emailOf: async () => undefined },
    };
    const out = await pollHubSpotOutcomes(rt.deps, p);
    expect(n).toBe(5);
    expect(out).toMatchObject({ caughtUp: false, stoppedInBulkWrite: new Date(tie).toISOString() });
    expect(saved.at).toBe(tie + 1);
  });

  it("a bulk write met on a run's last page is read whole by the next run, not skipped past", async () => {
    const base = rt.clock.now() - 3 * 3_600_000;
    // 350 contacts written a second apart, then 150 in one millisecond (a bulk edit): 100 a page.
    const tie = base + 400_000;
    const writes = [
      ...Array.from({ length: 350 }, (_, i) => ({ id: `c${i}`, at: base + i * 1000 })),
      ...Array.from({ length: 150 }, (_, i) => ({ id: `t${i}`, at: tie })),
    ];
    const read = new Set<string>();
    const saved = keptCheckpoint(base - 1);
    const p = {
      changes: {
        // HubSpot's search: written at or after `since`, oldest first, a page from a position.
        modifiedSince: async (since: number, after?: string) => {
          const from = writes.filter((w) => w.at >= since);
          const at = Number(after ?? 0);
          const page = from.slice(at, at + 100);
          for (const w of page) read.add(w.id);
          return {
            events: [],
            emails: new Map(),
            ...(page.length ? { lastModified: page.at(-1)?.at } : {}),
            ...(at + 100 < from.length ? { after: String(at + 100) } : {}),
          };
        },
      } as OutcomeChanges,
      checkpoints: saved.store,
      contacts: { emailOf: async () => undefined },
    };
    const first = await pollHubSpotOutcomes(rt.deps, p);
    // It met the bulk write on its fourth page and read 100 of it on its fifth: the rest is the next
    // run's, from the bulk write's millisecond. Before, the checkpoint moved past that millisecond, and
    // the last 50 were never read (a reply the webhook missed among them, lost).
    expect(first).toMatchObject({ caughtUp: false });
    expect(first).not.toHaveProperty("stoppedInBulkWrite");
    expect(saved.at).toBe(tie);
    const second = await pollHubSpotOutcomes(rt.deps, p);
    expect(second).toMatchObject({ caughtUp: true });
    expect(read.size).toBe(500);
  });

  it("the scheduled poll records what the webhook missed, counts what it saw once, and moves its checkpoint", async () => {
    const { decision } = await sentEmail("w-hs-poll");
    const replied = new Date(rt.clock.now() + 30 * 60_000).toISOString();
    const booked = new Date(rt.clock.now() + 50 * 60_000).toISOString();
    const w = await wiring("jane@w-hs-poll.io", [
      { id: "1246965", properties: { email: "jane@w-hs-poll.io", hs_sales_email_last_replied: replied } },
    ]);
    try {
      rt.clock.advance(60 * 60_000);
      // The webhook saw the reply (epoch ms in its payload)...
      const body = fixture("hubspot-webhook-contact-property-change.json");
      body[0].propertyValue = String(Date.parse(replied));
      expect((await w.deliver(delivery(JSON.stringify(body)), ctx)).statusCode).toBe(200);
      // ...the poll finds it again (ISO text in a search) plus a meeting the webhook missed.
      w.hubspot.requests.length = 0;
      const search = [
        {
          id: "1246965",
          properties: {
            email: "jane@w-hs-poll.io",
            hs_sales_email_last_replied: replied,
            engagements_last_meeting_booked: booked,
          },
        },
      ];
      const w2 = await wiring("jane@w-hs-poll.io", search);
      try {
        const out = await w2.poll({}, ctx);
        expect(out).toMatchObject({ changes: 2, recorded: 1, caughtUp: true });
        // The person is found by the email the search returned: no contact read per change.
        expect(w2.hubspot.requests.filter((r) => r.method === "GET")).toEqual([]);
        const types = (await outcomesOf(decision.decisionId)).map((o) => o.type).sort();
        expect(types).toEqual(["meeting_booked", "replied"]);
        // The next poll asks from the checkpoint (now, less the overlap), not from the first look-back.
        await w2.poll({}, ctx);
        const searches = w2.hubspot.requests.filter((r) => r.path.endsWith("/search"));
        const since = (r: (typeof searches)[number]) => Number(r.body.filterGroups[0].filters[0].value);
        expect(since(searches.at(-1) as (typeof searches)[number])).toBe(rt.clock.now() - 5 * 60_000);
        // ...contacts written since then whose reply or meeting is at most a week older: not every
        // contact that ever replied and was touched since for another reason.
        const groups = (searches.at(-1) as (typeof searches)[number]).body.filterGroups;
        expect(groups.map((g: any) => g.filters[1])).toEqual([
          {
            propertyName: "hs_sales_email_last_replied",
            operator: "GTE",
            value: String(rt.clock.now() - 5 * 60_000 - 7 * 86_400_000),
          },
          {
            propertyName: "engagements_last_meeting_booked",
            operator: "GTE",
            value: String(rt.clock.now() - 5 * 60_000 - 7 * 86_400_000),
          },
        ]);
        expect(since(searches[0] as (typeof searches)[number])).toBeLessThan(rt.clock.now() - 3_600_000);
        expect((await outcomesOf(decision.decisionId)).length).toBe(2);
      } finally {
        await w2.close();
      }
    } finally {
      await w.close();
    }
  });

  it("the poll reads only the recent of a contact's two times: a month-old reply met beside today's meeting is not news", async () => {
    const { decision } = await sentEmail("w-hs-old");
    const booked = new Date(rt.clock.now() + 20 * 60_000).toISOString();
    const old = new Date(rt.clock.now() - 29 * 86_400_000).toISOString();
    rt.clock.advance(30 * 60_000);
    const w = await wiring("jane@w-hs-old.io", [
      {
        id: "1246965",
        properties: {
          email: "jane@w-hs-old.io",
          hs_sales_email_last_replied: old,
          engagements_last_meeting_booked: booked,
        },
      },
    ]);
    try {
      expect(await w.poll({}, ctx)).toMatchObject({ changes: 1, recorded: 1 });
      expect((await outcomesOf(decision.decisionId)).map((o) => o.type)).toEqual(["meeting_booked"]);
    } finally {
      await w.close();
    }
  });

  // Last: these move the shared clock by days, past the documented sample's reply time.
  it("a reply goes to the touch sent before it, and stays there when a later touch goes out and HubSpot delivers it again", async () => {
    const first = await sentEmail("w-hs-order", { agentId: "w-writer-2" });
    daysOn(8);
    // Fresh intent signals: the seeded ones have aged out of their windows.
    await seedAcme(rt.deps, "w-hs-order");
    // A follow-up decided before the reply, sent after it but before HubSpot told the harness of it:
    // the reply cannot answer it.
    const followUp = await dispatchedTouch(emailProposal("w-hs-auto", "w-hs-order", "w-hs-order-jane"));
    const w = await wiring("jane@w-hs-order.io");
    try {
      const body = replyAt(rt.clock.now() + 60_000);
      rt.clock.advance(90_000);
      expect((await execute(rt.deps, followUp.decisionId))?.status).toBe("executed");
      rt.clock.advance(30_000);
      const got = await w.deliver(delivery(body), ctx);
      expect(got.results[0]).toMatchObject({
        recorded: true,
        duplicate: false,
        decisionId: first.decision.decisionId,
      });
      // And the first email is no longer a touch the reply could go to (a person marked it failed).
      await moveExecuted((await rt.deps.decisions.getDecision(first.decision.decisionId)) as Decision, {
        status: "failed",
      });
      // HubSpot delivers it again (or the poll reads it): the reply is the one already recorded, on the
      // decision it is on. Before, it went to whatever touch came last by then, or was dropped.
      rt.clock.advance(60_000);
      const again = await w.deliver(delivery(body), ctx);
      expect(again.results[0]).toMatchObject({
        recorded: true,
        duplicate: true,
        decisionId: first.decision.decisionId,
      });
      expect(await outcomesOf(followUp.decisionId)).toEqual([]);
      expect((await outcomesOf(first.decision.decisionId)).filter((o) => o.type === "replied")).toHaveLength(
        1,
      );
    } finally {
      await w.close();
    }
  });

  it("an email reply is not credited to a LinkedIn touch sent after the email", async () => {
    const first = await sentEmail("w-hs-chan", { agentId: "w-writer-2" });
    daysOn();
    // Fresh intent signals: the seeded ones have aged out of their windows.
    await seedAcme(rt.deps, "w-hs-chan");
    const li = await dispatchedTouch(linkedinProposal("w-hs-li", "w-hs-chan", "w-hs-chan-jane"));
    expect((await execute(rt.deps, li.decisionId))?.status).toBe("executed");
    const w = await wiring("jane@w-hs-chan.io");
    try {
      rt.clock.advance(60_000);
      const got = await w.deliver(delivery(replyAt(rt.clock.now())), ctx);
      expect(got.results[0]).toMatchObject({
        recorded: true,
        decisionId: first.decision.decisionId,
      });
      expect(await outcomesOf(li.decisionId)).toEqual([]);
    } finally {
      await w.close();
    }
  });
});

describe("an address SES cannot deliver to", () => {
  it("a hard bounce suppresses the address on email only: a LinkedIn touch may still reach the person", async () => {
    const { sent, messageId } = await sentEmail("w-bounce-li", { agentId: "w-writer-2" });
    const handler = sesEvents(() => awsRuntimeFor(rt, { stores: OUTCOME_STORES }));
    const bounce = sesEvent("eventbridge-ses-bounce.json", sent, messageId);
    bounce.detail.bounce.bouncedRecipients[0].emailAddress = "jane@w-bounce-li.io";
    expect(await handler(bounce, ctx)).toMatchObject({ recorded: true, type: "bounced" });
    const suppressions = await suppressionsFor(rt.db, "w-bounce-li", "w-bounce-li-jane");
    expect(suppressions.length).toBeGreaterThan(0);
    for (const s of suppressions) expect(s.channels).toEqual(["email"]);
    // The gate: email refused, LinkedIn not held back by the bounce.
    daysOn();
    // Fresh intent signals: the seeded ones have aged out of their windows.
    await seedAcme(rt.deps, "w-bounce-li");
    const email = await rt.deps.gate.propose(
      emailProposal("w-writer", "w-bounce-li", "w-bounce-li-jane"),
      agent("w-writer"),
    );
    expect(email.decision.reasons.join(" ")).toMatch(/suppression/);
    const li = await rt.deps.gate.propose(
      linkedinProposal("w-writer", "w-bounce-li", "w-bounce-li-jane"),
      agent("w-writer"),
    );
    expect(li.decision.checks.find((c) => c.check === "suppression")?.result).toBe("pass");
  });
});
