/**
 * What the HubSpot webhook's queue worker does with one event the webhook queued
 * (hubspot-webhook.ts): record it as an outcome, an opt-out, a deletion or a merge (hubspot-outcomes.ts, hubspot-merge.ts).
 */
import type { ContactEmails, HubSpotWebhookEvent } from "../adapters/connectors/hubspot-webhook.ts";
import { EMAIL_OPT_OUT, HUBSPOT_DELETIONS } from "../adapters/connectors/hubspot-webhook.ts";
import type { Deps } from "../ports.ts";
import { recordHubSpotMerge } from "./hubspot-merge.ts";
import { recordHubSpotDeletion, recordHubSpotEvent, recordHubSpotOptOut } from "./hubspot-outcomes.ts";
import type { WorldOutcomeResult } from "./world-outcomes.ts";

export interface WebhookEventWiring {
  contacts: () => Promise<ContactEmails>;
  /** The knowledge base's person a HubSpot contact was imported as (the CRM import's link). */
  personOf: (contactId: string) => Promise<string | undefined>;
  /** Link a contact to a person (a merge's remaining contact to the person a merged one was). */
  link: (contactId: string, personId: string) => Promise<void>;
}

/** One queued event recorded: an outcome, an opt-out, a deletion or a merge (hubspot-outcomes.ts, hubspot-merge.ts). */
export const recordWebhookEvent = async (
  deps: Deps,
  event: HubSpotWebhookEvent,
  o: WebhookEventWiring,
): Promise<WorldOutcomeResult> =>
  Object.hasOwn(HUBSPOT_DELETIONS, event.subscriptionType)
    ? recordHubSpotDeletion(deps, event, o.personOf)
    : event.subscriptionType === "contact.merge"
      ? recordHubSpotMerge(deps, event, o)
      : event.subscriptionType === "contact.propertyChange" && event.propertyName === EMAIL_OPT_OUT
        ? recordHubSpotOptOut(deps, event, await o.contacts(), o.personOf)
        : recordHubSpotEvent(deps, event, await o.contacts(), o.personOf);
