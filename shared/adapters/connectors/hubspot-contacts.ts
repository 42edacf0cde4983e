import { type HubSpotContactsClient, hubspotContactsClient } from "./hubspot-client.ts";
import type { ContactEmails } from "./hubspot-webhook.ts";

/** A contact's email by its HubSpot id (CRM v3 contacts), for webhooks that name contacts by id only. */
export class HubSpotContactEmails implements ContactEmails {
  private readonly client: HubSpotContactsClient;
  constructor(o: { accessToken: string; basePath?: string }) {
    this.client = hubspotContactsClient(o);
  }

  async emailOf(contactId: string): Promise<string | undefined> {
    try {
      const c = await this.client.getById(contactId, ["email"]);
      return c.properties.email ?? undefined;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }
}
