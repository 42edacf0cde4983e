/**
 * POST /v1/webhooks/hubspot: not a bearer-token route. The caller is HubSpot when the v3 signature
 * over the exact request holds under the app's client secret; then each event is recorded as an
 * outcome where it is one (world-outcomes.ts). Nothing is read or written before the signature holds.
 */
import {
  type ContactEmails,
  HubSpotWebhookBody,
  type SignedRequest,
  signatureProblem,
} from "../adapters/connectors/hubspot-webhook.ts";
import type { Deps } from "../ports.ts";
import { recordHubSpotMerge } from "./hubspot-merge.ts";
import {
  HUBSPOT_DELETIONS,
  recordHubSpotDeletion,
  recordHubSpotEvent,
  type WorldOutcomeResult,
} from "./world-outcomes.ts";

export interface WebhookAnswer {
  status: number;
  body: unknown;
}

export async function receiveHubSpotWebhook(
  deps: Deps,
  req: SignedRequest,
  o: {
    clientSecret: string;
    contacts: () => Promise<ContactEmails>;
    /** The knowledge base's person a HubSpot contact was imported as (the CRM import's link). */
    personOf: (contactId: string) => Promise<string | undefined>;
    /** Link a contact to a person (a merge's remaining contact to the person a merged one was). */
    link: (contactId: string, personId: string) => Promise<void>;
  },
): Promise<WebhookAnswer> {
  const problem = signatureProblem(o.clientSecret, req, deps.clock.now());
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
  // In order, one at a time: two events about one contact then see each other's writes.
  for (const event of parsed.data)
    results.push(
      Object.hasOwn(HUBSPOT_DELETIONS, event.subscriptionType)
        ? await recordHubSpotDeletion(deps, event, o.personOf)
        : event.subscriptionType === "contact.merge"
          ? await recordHubSpotMerge(deps, event, o)
          : await recordHubSpotEvent(deps, event, await o.contacts()),
    );
  return { status: 200, body: { received: results.length, results } };
}
