/**
 * The HubSpot webhook's queue (shared/adapters/aws/fifo-queue.ts, functions/webhooks/hubspot.ts)
 * against SQS's SendMessageBatch on a local stand-in: messages go in order, one request after
 * another, nothing after a request SQS did not take whole; a redelivered event gets the same
 * deduplication id; a contact's events, a merge's included, share a group.
 */

import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterEach, describe, expect, it } from "vitest";
import { webhookMessage } from "../../functions/webhooks/hubspot.ts";
import { queueId, sendFifo } from "../../shared/adapters/aws/fifo-queue.ts";
import type { HubSpotWebhookEvent } from "../../shared/adapters/connectors/hubspot-webhook.ts";
import { fixture } from "../fixtures/events.ts";
import { fakeSqs, TEST_CREDENTIALS } from "../handlers/stand-ins.ts";

const QUEUE = "/123456789012/dev-harness-hubspot-events.fifo";
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const reply = (): HubSpotWebhookEvent => fixture("hubspot-webhook-contact-property-change.json")[0];

describe("the webhook's messages", () => {
  it("a redelivery (another attempt, its fields in another order) has the event's deduplication id", () => {
    const first = reply();
    const { attemptNumber: _a, ...rest } = first;
    const retried = Object.fromEntries(Object.entries({ ...rest, attemptNumber: 3 }).reverse());
    expect(webhookMessage(retried as HubSpotWebhookEvent).dedupe).toBe(webhookMessage(first).dedupe);
    // Another value is another event.
    expect(webhookMessage({ ...first, propertyValue: "1" }).dedupe).not.toBe(webhookMessage(first).dedupe);
    expect(webhookMessage({ ...first, eventId: 1 }).dedupe).not.toBe(webhookMessage(first).dedupe);
  });

  it("a contact's events share a group; a merge is grouped with the contact that remains", () => {
    const e = reply();
    expect(webhookMessage(e).group).toBe(`contact-${e.objectId}`);
    const merge = { ...e, subscriptionType: "contact.merge", objectId: 7701, primaryObjectId: 7701 };
    expect(webhookMessage({ ...merge, mergedObjectIds: [7702] }).group).toBe("contact-7701");
    expect(webhookMessage({ ...merge, newObjectId: 7703, mergedObjectIds: [7702] }).group).toBe(
      "contact-7703",
    );
  });

  it("a group or deduplication id SQS would refuse is hashed", () => {
    expect(queueId("contact-1246965")).toBe("contact-1246965");
    for (const unsafe of ["contact-a b", "contact-é", "x".repeat(129), ""])
      expect(queueId(unsafe)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("sendFifo", () => {
  it("sends 23 messages in order, up to 10 to a request, a group at most once in each", async () => {
    const sqs = await fakeSqs();
    close = sqs.close;
    const messages = Array.from({ length: 23 }, (_, n) => ({
      group: `contact-${n < 20 ? n : 0}`,
      dedupe: `d-${n}`,
      body: JSON.stringify({ n }),
    }));
    await sendFifo(sqs.client, `${sqs.url}${QUEUE}`, messages);
    // Messages 20-22 are contact 0's again: each goes in a request of its own after the first.
    expect(sqs.requests.map((r) => r.body.Entries.length)).toEqual([10, 10, 1, 1, 1]);
    expect(sqs.queued.map((m) => JSON.parse(m.body).n)).toEqual(messages.map((_, n) => n));
    expect(sqs.queued.map((m) => m.group)).toEqual(messages.map((m) => m.group));
  });

  it("stops at a request SQS does not take whole: no later message of a group is queued ahead of one that was not", async () => {
    const sqs = await fakeSqs();
    close = sqs.close;
    // Contact 1's five events and contact 2's: SQS refuses the first entry (contact 1's first event).
    const messages = Array.from({ length: 10 }, (_, n) => ({
      group: `contact-${(n % 2) + 1}`,
      dedupe: `d-${n}`,
      body: `${n}`,
    }));
    sqs.refuse(1);
    await expect(sendFifo(sqs.client, `${sqs.url}${QUEUE}`, messages)).rejects.toThrow(
      /1 of 2 messages of a request not queued \(1 of 10 queued\): InternalError/,
    );
    // One request of one message per contact; the other contact's went in, no later event of contact 1.
    expect(sqs.requests).toHaveLength(1);
    expect(sqs.queued.map((m) => m.body)).toEqual(["1"]);
  });

  it("ends at its deadline when SQS does not answer, rejecting", async () => {
    // SQS accepting the connection and never answering.
    const held: ServerResponse[] = [];
    const server = createServer((_req, res) => void held.push(res));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    close = () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      });
    const sqs = new SQSClient({
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: TEST_CREDENTIALS,
    });
    const started = Date.now();
    await expect(
      sendFifo(
        sqs,
        `http://127.0.0.1${QUEUE}`,
        [{ group: "contact-1", dedupe: "d", body: "{}" }],
        AbortSignal.timeout(300),
      ),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(held.length).toBeGreaterThan(0);
  });
});
