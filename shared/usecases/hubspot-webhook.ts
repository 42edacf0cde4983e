/**
 * POST /v1/webhooks/hubspot: not a bearer-token route. The caller is HubSpot when the v3 signature
 * over the exact request holds under the app's client secret; then each event is recorded as an
 * outcome where it is one (world-outcomes.ts). Nothing is read or written before the signature holds.
 */
import {
  type ContactEmails,
  EMAIL_OPT_OUT,
  HubSpotWebhookBody,
  HubSpotWebhookEvent,
  SIGNATURE_MISMATCH,
  type SignedRequest,
  signatureProblem,
} from "../adapters/connectors/hubspot-webhook.ts";
import type { Deps } from "../ports.ts";
import { recordHubSpotMerge } from "./hubspot-merge.ts";
import {
  HUBSPOT_DELETIONS,
  recordHubSpotDeletion,
  recordHubSpotEvent,
  recordHubSpotOptOut,
  type WorldOutcomeResult,
} from "./world-outcomes.ts";

export interface WebhookAnswer {
  status: number;
  body: unknown;
  /** Why events of the batch were passed over (their fields' paths, no values): for the log. */
  passedOver?: string[];
  /** Events that failed (their place in the batch and the error): for the log. */
  failed?: { event: number; error: string }[];
}

export async function receiveHubSpotWebhook(
  deps: Deps,
  req: SignedRequest,
  o: {
    clientSecret: string;
    /**
     * The client secret read again when a signature does not hold under the one kept (it may have
     * been rotated since it was read); undefined when it was read too recently to ask again. HubSpot
     * never resends a request answered 401, so a secret kept past its rotation would lose events.
     */
    reread?: () => Promise<string | undefined> | undefined;
    contacts: () => Promise<ContactEmails>;
    /** The knowledge base's person a HubSpot contact was imported as (the CRM import's link). */
    personOf: (contactId: string) => Promise<string | undefined>;
    /** Link a contact to a person (a merge's remaining contact to the person a merged one was). */
    link: (contactId: string, personId: string) => Promise<void>;
  },
): Promise<WebhookAnswer> {
  let problem = signatureProblem(o.clientSecret, req, deps.clock.now());
  if (problem === SIGNATURE_MISMATCH) {
    const fresh = await o.reread?.();
    if (fresh !== undefined && fresh !== o.clientSecret)
      problem = signatureProblem(fresh, req, deps.clock.now());
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
  const results: WorldOutcomeResult[] = [];
  const passedOver: string[] = [];
  const failed: { event: number; error: string }[] = [];
  // In order, one at a time: two events about one contact then see each other's writes.
  for (const [n, item] of parsed.data.entries()) {
    // One app posts every subscription's events to one URL: an event of a shape the harness does not
    // read (an association change has no objectId) is passed over, not a 400 for the whole batch,
    // which HubSpot would never send again.
    const one = HubSpotWebhookEvent.safeParse(item);
    if (!one.success) {
      const reason = `event ${n} is not one the harness reads: ${one.error.issues.map((i) => i.path.join(".") || "event").join(", ")}`;
      passedOver.push(reason);
      results.push({ recorded: false, reason });
      continue;
    }
    const event = one.data;
    // Each event on its own: one that fails (HubSpot turning a contact read away, a throttled write)
    // no longer stops the ones after it, which a retry of the whole batch might never reach (HubSpot
    // gives up after its retries). The batch is still answered 500 so HubSpot delivers it again; what
    // was recorded counts once.
    try {
      results.push(
        Object.hasOwn(HUBSPOT_DELETIONS, event.subscriptionType)
          ? await recordHubSpotDeletion(deps, event, o.personOf)
          : event.subscriptionType === "contact.merge"
            ? await recordHubSpotMerge(deps, event, o)
            : event.subscriptionType === "contact.propertyChange" && event.propertyName === EMAIL_OPT_OUT
              ? await recordHubSpotOptOut(deps, event, await o.contacts(), o.personOf)
              : await recordHubSpotEvent(deps, event, await o.contacts(), o.personOf),
      );
    } catch (err) {
      failed.push({ event: n, error: (err as Error).message });
      results.push({ recorded: false, reason: "failed; HubSpot delivers it again" });
    }
  }
  if (failed.length)
    return {
      status: 500,
      body: { error: "internal", message: `${failed.length} of ${results.length} events failed`, results },
      passedOver,
      failed,
    };
  return { status: 200, body: { received: results.length, results }, passedOver };
}
