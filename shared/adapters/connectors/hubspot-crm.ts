/**
 * The connector's HubSpot client: the CRM areas it writes (contacts, companies, notes, emails,
 * communications, v4 associations, lists), each built as `Client.crm` builds it, with the options of
 * hubspot-client.ts. Kept apart from that file so the webhook and poll bundles carry contacts only.
 */
import type AssociationsV4Discovery from "@hubspot/api-client/lib/src/discovery/crm/associations/v4/AssociationsDiscovery.js";
import * as associationsV4Module from "@hubspot/api-client/lib/src/discovery/crm/associations/v4/AssociationsDiscovery.js";
import type CompaniesDiscovery from "@hubspot/api-client/lib/src/discovery/crm/companies/CompaniesDiscovery.js";
import * as companiesModule from "@hubspot/api-client/lib/src/discovery/crm/companies/CompaniesDiscovery.js";
import type ContactsDiscovery from "@hubspot/api-client/lib/src/discovery/crm/contacts/ContactsDiscovery.js";
import * as contactsModule from "@hubspot/api-client/lib/src/discovery/crm/contacts/ContactsDiscovery.js";
import type ListsDiscovery from "@hubspot/api-client/lib/src/discovery/crm/lists/ListsDiscovery.js";
import * as listsModule from "@hubspot/api-client/lib/src/discovery/crm/lists/ListsDiscovery.js";
import type CommunicationsDiscovery from "@hubspot/api-client/lib/src/discovery/crm/objects/communications/CommunicationsDiscovery.js";
import * as communicationsModule from "@hubspot/api-client/lib/src/discovery/crm/objects/communications/CommunicationsDiscovery.js";
import type EmailsDiscovery from "@hubspot/api-client/lib/src/discovery/crm/objects/emails/EmailsDiscovery.js";
import * as emailsModule from "@hubspot/api-client/lib/src/discovery/crm/objects/emails/EmailsDiscovery.js";
import type NotesDiscovery from "@hubspot/api-client/lib/src/discovery/crm/objects/notes/NotesDiscovery.js";
import * as notesModule from "@hubspot/api-client/lib/src/discovery/crm/objects/notes/NotesDiscovery.js";
import { discovery, type HubSpotOptions, hubspotConfig } from "./hubspot-client.ts";

/** The part of the SDK's `Client` the connector calls, with the same paths (`client.crm.…`). */
export interface HubSpotCrmClient {
  crm: {
    contacts: ContactsDiscovery;
    companies: CompaniesDiscovery;
    objects: { notes: NotesDiscovery; emails: EmailsDiscovery; communications: CommunicationsDiscovery };
    associations: { v4: AssociationsV4Discovery };
    lists: ListsDiscovery;
  };
}

export function hubspotCrmClient(o: HubSpotOptions): HubSpotCrmClient {
  const config = hubspotConfig(o);
  return {
    crm: {
      contacts: new (discovery(contactsModule))(config),
      companies: new (discovery(companiesModule))(config),
      objects: {
        notes: new (discovery(notesModule))(config),
        emails: new (discovery(emailsModule))(config),
        communications: new (discovery(communicationsModule))(config),
      },
      associations: { v4: new (discovery(associationsV4Module))(config) },
      lists: new (discovery(listsModule))(config),
    },
  };
}
