/**
 * POST /v1/webhooks/hubspot: not a bearer-token route. The caller is HubSpot when the v3 signature
 * over the exact request holds under the app's client secret; then the events the harness reads are
 * queued, and the request answered. HubSpot times a delivery out after 5 seconds and gives up after
 * its retries: a batch recorded while HubSpot waited (up to 100 events, each a contact read and some
 * writes) could outlast it, be delivered again and again, and be lost when an event kept failing.
 * Queued, each event is recorded on its own (hubspot-webhook-events.ts, by the webhook's queue worker) and
 * retried on its own, until the queue's dead-letter queue keeps it. Nothing is read or written
 * before the signature holds.
 */
import {
  HubSpotWebhookBody,
  HubSpotWebhookEvent,
  legacyForm,
  SIGNATURE_MISMATCH,
  type SignedRequest,
  signatureProblem,
  webhookEventKind,
} from "../adapters/connectors/hubspot-webhook.ts";

export interface WebhookAnswer {
  status: number;
  body: unknown;
  /** Why events of the batch were passed over (their fields' paths, no values): for the log. */
  passedOver?: string[];
  /** Why the batch's events could not be queued: for the log. */
  failed?: string;
}

export async function receiveHubSpotWebhook(
  now: () => number,
  req: SignedRequest,
  o: {
    clientSecret: string;
    /**
     * The client secret read again when a signature does not hold under the one kept (it may have
     * been rotated since it was read); undefined when it was read too recently to ask again. HubSpot
     * never resends a request answered 401, so a secret kept past its rotation would lose events.
     */
    reread?: () => Promise<string | undefined> | undefined;
    /**
     * The deployment's portal (connectors.hubspot.portalId): an event of another portal (an app
     * installed in several) names a contact id there, which here may be another person.
     */
    portalId?: string | undefined;
    /** Queue the events, in the batch's order; resolves once every one is queued. */
    enqueue: (events: HubSpotWebhookEvent[]) => Promise<void>;
  },
): Promise<WebhookAnswer> {
  let problem = signatureProblem(o.clientSecret, req, now());
  if (problem === SIGNATURE_MISMATCH) {
    const fresh = await o.reread?.();
    if (fresh !== undefined && fresh !== o.clientSecret) problem = signatureProblem(fresh, req, now());
  }
  if (problem) return { status: 401, body: { error: "unauthorized", message: problem } };
  let raw: unknown;
  try {
    raw = JSON.parse(req.body);
  } catch {
    return { status: 400, body: { error: "validation", message: "body: not JSON" } };
  }
  const parsed = HubSpotWebhookBody.safeParse(raw);
  if (!parsed.success)
    return {
      status: 400,
      body: {
        error: "validation",
        issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
      },
    };
  const queued: HubSpotWebhookEvent[] = [];
  const passedOver: string[] = [];
  let ignored = 0;
  for (const [n, item] of parsed.data.entries()) {
    // One app posts every subscription's events to one URL: an event of a shape the harness does not
    // read (an association change has no objectId) is passed over, not a 400 for the whole batch,
    // which HubSpot would never send again.
    const one = HubSpotWebhookEvent.safeParse(item);
    if (!one.success) {
      passedOver.push(
        `event ${n} is not one the harness reads: ${one.error.issues.map((i) => i.path.join(".") || "event").join(", ")}`,
      );
      continue;
    }
    const event = legacyForm(one.data);
    if (o.portalId !== undefined && String(event.portalId) !== o.portalId)
      passedOver.push(`event ${n} is of portal ${event.portalId}, not connectors.hubspot.portalId`);
    else if (webhookEventKind(event)) queued.push(event);
    else ignored++;
  }
  try {
    if (queued.length) await o.enqueue(queued);
  } catch (err) {
    // HubSpot delivers the batch again; what was queued already is recorded once (the queue's
    // deduplication within 5 minutes, the outcomes' own ids after that).
    const failed = (err as Error).message;
    return {
      status: 500,
      body: { error: "internal", message: `the batch's events could not be queued` },
      passedOver,
      failed,
    };
  }
  return {
    status: 200,
    body: { received: parsed.data.length, queued: queued.length, ignored, passedOver: passedOver.length },
    passedOver,
  };
}
