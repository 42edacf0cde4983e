/**
 * What the HubSpot webhook's queue worker does with one event the webhook queued
 * (hubspot-webhook.ts): record it as an outcome, an opt-out, a contact's or a company's deletion or a
 * contact's merge (hubspot-outcomes.ts, hubspot-merge.ts).
 */
import type { ContactEmails, HubSpotWebhookEvent } from "../adapters/connectors/hubspot-webhook.ts";
import { webhookEventKind } from "../adapters/connectors/hubspot-webhook.ts";
import type { Deps } from "../ports.ts";
import { recordHubSpotMerge } from "./hubspot-merge.ts";
import {
  recordHubSpotCompanyDeletion,
  recordHubSpotDeletion,
  recordHubSpotEvent,
  recordHubSpotOptOut,
} from "./hubspot-outcomes.ts";
import type { WorldOutcomeResult } from "./world-outcomes.ts";

export interface WebhookEventWiring {
  contacts: () => Promise<ContactEmails>;
  /** The knowledge base's person a HubSpot contact was imported as (the CRM import's link). */
  personOf: (contactId: string) => Promise<string | undefined>;
  /**
   * Link a contact to a person (a merge's remaining contact to the person a merged one was), or mark
   * a merged contact's link taken in (`mergedInto`: the contact it was merged into).
   */
  link: (contactId: string, personId: string, mergedInto?: string) => Promise<void>;
  /** The person a contact was imported as, and the contact it was merged into (its link's mark), if it was. */
  contactOf: (contactId: string) => Promise<{ personId?: string; mergedInto?: string }>;
  /** The account a HubSpot company was imported as (the CRM import's link). */
  accountOf: (companyId: string) => Promise<string | undefined>;
}

/** One queued event recorded, by its kind: an outcome, an opt-out, a deletion or a merge (hubspot-outcomes.ts, hubspot-merge.ts). */
export async function recordWebhookEvent(
  deps: Deps,
  event: HubSpotWebhookEvent,
  o: WebhookEventWiring,
): Promise<WorldOutcomeResult> {
  switch (webhookEventKind(event)) {
    case "deletion":
      return recordHubSpotDeletion(deps, event, o.contactOf);
    case "companyDeletion":
      return recordHubSpotCompanyDeletion(deps, event, o.accountOf);
    case "merge":
      return recordHubSpotMerge(deps, event, o);
    case "optOut":
      return recordHubSpotOptOut(deps, event, await o.contacts(), o.personOf);
    default:
      // An outcome, or (never queued) no kind: recordHubSpotEvent says which it is not.
      return recordHubSpotEvent(deps, event, await o.contacts(), o.personOf);
  }
}
