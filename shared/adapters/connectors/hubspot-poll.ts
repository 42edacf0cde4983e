/**
 * The webhook's fallback: contacts HubSpot wrote since a checkpoint that hold a reply or
 * booked-meeting time, found with CRM search (POST /crm/v3/objects/contacts/search) and turned into
 * the same contact.propertyChange events a webhook delivers, so both record through one path with
 * one id (a reply seen again is a duplicate, counted once).
 */
import { FilterOperatorEnum } from "@hubspot/api-client/lib/codegen/crm/contacts/models/Filter.js";
import { type HubSpotContactsClient, hubspotContactsClient } from "./hubspot-client.ts";
import { type HubSpotWebhookEvent, OUTCOME_PROPERTIES } from "./hubspot-webhook.ts";

const PROPERTIES = Object.keys(OUTCOME_PROPERTIES);
const MODIFIED = "lastmodifieddate";
/**
 * How late HubSpot may log a reply or meeting and the poll still see it: a contact written since the
 * checkpoint counts only when its time is this recent, so a contact that replied months ago and was
 * touched today for another reason (an open, a workflow, the harness's own update) is not read.
 */
export const LATE_LOG_MS = 7 * 86_400_000;

/** One page of contacts with a reply or meeting time, by the time HubSpot last wrote them. */
export interface OutcomePage {
  /** One event per reply or meeting time the page's contacts hold. */
  events: HubSpotWebhookEvent[];
  /** Each contact's email as the search returned it: no read per contact to find its person. */
  emails: Map<string, string>;
  /** The page's last contact's modification time (epoch ms); undefined for an empty page. */
  lastModified?: number;
  /** The next position of this query, when more contacts follow. */
  after?: string;
}

export interface OutcomeChanges {
  /**
   * Contacts HubSpot wrote at or after `since` (epoch ms) holding a reply or meeting time, oldest
   * write first. By the write, not by the time the property holds: a reply logged minutes after it
   * was received still has a write after the checkpoint.
   */
  modifiedSince(since: number, after?: string): Promise<OutcomePage>;
}

export class HubSpotOutcomeSearch implements OutcomeChanges {
  private readonly client: HubSpotContactsClient;
  constructor(
    o: { accessToken: string; basePath?: string },
    private readonly pageSize = 100,
  ) {
    this.client = hubspotContactsClient(o);
  }

  async modifiedSince(since: number, after?: string): Promise<OutcomePage> {
    const page = await this.client.doSearch({
      // One group per property (groups are ORed): written since the checkpoint, with a recent time in it.
      filterGroups: PROPERTIES.map((propertyName) => ({
        filters: [
          { propertyName: MODIFIED, operator: FilterOperatorEnum.Gte, value: String(since) },
          { propertyName, operator: FilterOperatorEnum.Gte, value: String(since - LATE_LOG_MS) },
        ],
      })),
      sorts: [MODIFIED],
      properties: ["email", MODIFIED, ...PROPERTIES],
      limit: this.pageSize,
      ...(after ? { after } : {}),
    });
    const events: HubSpotWebhookEvent[] = [];
    const emails = new Map<string, string>();
    let lastModified: number | undefined;
    for (const c of page.results) {
      const email = c.properties.email;
      if (email) emails.set(c.id, email);
      const modified = Date.parse(c.properties[MODIFIED] ?? "") || new Date(c.updatedAt).getTime();
      if (Number.isFinite(modified)) lastModified = modified;
      for (const propertyName of PROPERTIES) {
        const value = c.properties[propertyName];
        const at = value ? Date.parse(value) : Number.NaN;
        // The search matched the contact by one of its times: the other may be months old (a reply
        // long since recorded, met again beside today's meeting), and is not read as news.
        if (!value || !Number.isFinite(at) || at < since - LATE_LOG_MS) continue;
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
    }
    const next = page.paging?.next?.after;
    return {
      events,
      emails,
      ...(lastModified !== undefined ? { lastModified } : {}),
      ...(next ? { after: next } : {}),
    };
  }
}
