/**
 * The webhook's fallback: contacts whose reply or booked-meeting time changed since a checkpoint,
 * found with CRM search (POST /crm/v3/objects/contacts/search) and turned into the same
 * contact.propertyChange events a webhook delivers, so both record through one path with one id.
 */
import { FilterOperatorEnum } from "@hubspot/api-client/lib/codegen/crm/contacts/models/Filter.js";
import { type HubSpotContactsClient, hubspotContactsClient } from "./hubspot-client.ts";
import { type HubSpotWebhookEvent, OUTCOME_PROPERTIES } from "./hubspot-webhook.ts";

const PROPERTIES = Object.keys(OUTCOME_PROPERTIES);

export interface OutcomeChanges {
  /** Changes after `since` (epoch ms), oldest first, at most `limit`. */
  changedSince(since: number, limit: number): Promise<HubSpotWebhookEvent[]>;
}

export class HubSpotOutcomeSearch implements OutcomeChanges {
  private readonly client: HubSpotContactsClient;
  constructor(o: { accessToken: string; basePath?: string }) {
    this.client = hubspotContactsClient(o);
  }

  async changedSince(since: number, limit: number): Promise<HubSpotWebhookEvent[]> {
    const events: HubSpotWebhookEvent[] = [];
    let after: string | undefined;
    do {
      const page = await this.client.doSearch({
        // One group per property: a contact matches when either changed (groups are ORed).
        filterGroups: PROPERTIES.map((propertyName) => ({
          filters: [{ propertyName, operator: FilterOperatorEnum.Gt, value: String(since) }],
        })),
        sorts: ["lastmodifieddate"],
        properties: ["email", ...PROPERTIES],
        limit: 100,
        ...(after ? { after } : {}),
      });
      for (const c of page.results)
        for (const propertyName of PROPERTIES) {
          const value = c.properties[propertyName];
          const at = value ? Date.parse(value) : Number.NaN;
          if (!value || !(at > since)) continue;
          events.push({
            eventId: `poll:${c.id}:${propertyName}:${at}`,
            subscriptionType: "contact.propertyChange",
            portalId: 0,
            objectId: c.id,
            occurredAt: at,
            propertyName,
            propertyValue: value,
          });
        }
      after = page.paging?.next?.after;
    } while (after && events.length < limit);
    return events.sort((a, b) => a.occurredAt - b.occurredAt).slice(0, limit);
  }
}
