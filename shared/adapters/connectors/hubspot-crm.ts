/**
 * The connector's HubSpot client: the calls it makes, at the paths the SDK's `Client` has them
 * (`client.crm.…`), built as hubspot-area.ts says (the SDK's request factories and response
 * processors, no discovery classes). Three codegen areas, one call or two from each:
 * - crm/objects, the SDK's generic objects API: batch upsert of contacts, companies, notes, emails
 *   and communications; batch read of contacts (a list's removals, by email). `crm.contacts.batchApi.upsert(body)` and `crm.objects.batchApi.upsert(
 *   "contacts", body)` send the same POST /crm/v3/objects/contacts/batch/upsert with the same models
 *   (the areas' models are the same files), so five areas' models and APIs become one's.
 * - crm/associations/v4: the default association of two records (basicApi.createDefault).
 * - crm/lists: a list by name, a new list, membership changes.
 * In a file of its own so that the webhook, the poll and the CRM import carry none of it.
 */
import {
  BasicApiRequestFactory as AssociationsRequests,
  BasicApiResponseProcessor as AssociationsResponses,
} from "@hubspot/api-client/lib/codegen/crm/associations/v4/apis/BasicApi.js";
import { createConfiguration as createAssociationsConfiguration } from "@hubspot/api-client/lib/codegen/crm/associations/v4/configuration.js";
import type { BatchResponsePublicDefaultAssociation } from "@hubspot/api-client/lib/codegen/crm/associations/v4/models/BatchResponsePublicDefaultAssociation.js";
import { ServerConfiguration as AssociationsServer } from "@hubspot/api-client/lib/codegen/crm/associations/v4/servers.js";
import {
  ListsApiRequestFactory,
  ListsApiResponseProcessor,
} from "@hubspot/api-client/lib/codegen/crm/lists/apis/ListsApi.js";
import {
  MembershipsApiRequestFactory,
  MembershipsApiResponseProcessor,
} from "@hubspot/api-client/lib/codegen/crm/lists/apis/MembershipsApi.js";
import { createConfiguration as createListsConfiguration } from "@hubspot/api-client/lib/codegen/crm/lists/configuration.js";
import type { ListCreateRequest } from "@hubspot/api-client/lib/codegen/crm/lists/models/ListCreateRequest.js";
import type { ListCreateResponse } from "@hubspot/api-client/lib/codegen/crm/lists/models/ListCreateResponse.js";
import type { ListFetchResponse } from "@hubspot/api-client/lib/codegen/crm/lists/models/ListFetchResponse.js";
import type { MembershipChangeRequest } from "@hubspot/api-client/lib/codegen/crm/lists/models/MembershipChangeRequest.js";
import type { MembershipsUpdateResponse } from "@hubspot/api-client/lib/codegen/crm/lists/models/MembershipsUpdateResponse.js";
import { ServerConfiguration as ListsServer } from "@hubspot/api-client/lib/codegen/crm/lists/servers.js";
import {
  BatchApiRequestFactory,
  BatchApiResponseProcessor,
} from "@hubspot/api-client/lib/codegen/crm/objects/apis/BatchApi.js";
import { createConfiguration as createObjectsConfiguration } from "@hubspot/api-client/lib/codegen/crm/objects/configuration.js";
import type { BatchInputSimplePublicObjectBatchInputUpsert } from "@hubspot/api-client/lib/codegen/crm/objects/models/BatchInputSimplePublicObjectBatchInputUpsert.js";
import type { BatchReadInputSimplePublicObjectId } from "@hubspot/api-client/lib/codegen/crm/objects/models/BatchReadInputSimplePublicObjectId.js";
import type { BatchResponseSimplePublicObject } from "@hubspot/api-client/lib/codegen/crm/objects/models/BatchResponseSimplePublicObject.js";
import type { BatchResponseSimplePublicObjectWithErrors } from "@hubspot/api-client/lib/codegen/crm/objects/models/BatchResponseSimplePublicObjectWithErrors.js";
import type { BatchResponseSimplePublicUpsertObject } from "@hubspot/api-client/lib/codegen/crm/objects/models/BatchResponseSimplePublicUpsertObject.js";
import type { BatchResponseSimplePublicUpsertObjectWithErrors } from "@hubspot/api-client/lib/codegen/crm/objects/models/BatchResponseSimplePublicUpsertObjectWithErrors.js";
import { ServerConfiguration as ObjectsServer } from "@hubspot/api-client/lib/codegen/crm/objects/servers.js";
import { type HubSpotOptions, hubspotArea } from "./hubspot-area.ts";

/** `batchApi.upsert` of one object type, as the SDK's area for that type has it. */
export interface Upserts {
  batchApi: {
    upsert(
      input: BatchInputSimplePublicObjectBatchInputUpsert,
    ): Promise<BatchResponseSimplePublicUpsertObject | BatchResponseSimplePublicUpsertObjectWithErrors>;
  };
}

/** `batchApi.read` of contacts, as the SDK's contacts area has it (records not found come back as errors). */
export interface Reads {
  batchApi: {
    read(
      input: BatchReadInputSimplePublicObjectId,
      archived?: boolean,
    ): Promise<BatchResponseSimplePublicObject | BatchResponseSimplePublicObjectWithErrors>;
  };
}

/** The part of the SDK's `Client` the connector calls, with the same paths and arguments. */
export interface HubSpotCrmClient {
  crm: {
    contacts: { batchApi: Upserts["batchApi"] & Reads["batchApi"] };
    companies: Upserts;
    objects: { notes: Upserts; emails: Upserts; communications: Upserts };
    associations: {
      v4: {
        basicApi: {
          createDefault(
            fromObjectType: string,
            fromObjectId: string,
            toObjectType: string,
            toObjectId: string,
          ): Promise<BatchResponsePublicDefaultAssociation>;
        };
      };
    };
    lists: {
      listsApi: {
        getByName(listName: string, objectTypeId: string): Promise<ListFetchResponse>;
        create(request: ListCreateRequest): Promise<ListCreateResponse>;
      };
      membershipsApi: {
        addAndRemove(listId: string, request: MembershipChangeRequest): Promise<MembershipsUpdateResponse>;
      };
    };
  };
}

export function hubspotCrmClient(o: HubSpotOptions): HubSpotCrmClient {
  const objects = hubspotArea(
    { createConfiguration: createObjectsConfiguration, ServerConfiguration: ObjectsServer },
    o,
  );
  const batch = {
    request: new BatchApiRequestFactory(objects.config),
    response: new BatchApiResponseProcessor(),
  };
  const upserts = (objectType: string): Upserts => ({
    batchApi: {
      upsert: (input) =>
        objects.send(batch.request.upsert(objectType, input), (r) => batch.response.upsertWithHttpInfo(r)),
    },
  });

  const associations = hubspotArea(
    { createConfiguration: createAssociationsConfiguration, ServerConfiguration: AssociationsServer },
    o,
  );
  const basic = {
    request: new AssociationsRequests(associations.config),
    response: new AssociationsResponses(),
  };

  const lists = hubspotArea(
    { createConfiguration: createListsConfiguration, ServerConfiguration: ListsServer },
    o,
  );
  const list = {
    request: new ListsApiRequestFactory(lists.config),
    response: new ListsApiResponseProcessor(),
  };
  const members = {
    request: new MembershipsApiRequestFactory(lists.config),
    response: new MembershipsApiResponseProcessor(),
  };

  return {
    crm: {
      contacts: {
        batchApi: {
          ...upserts("contacts").batchApi,
          read: (input, archived) =>
            objects.send(batch.request.read("contacts", input, archived), (r) =>
              batch.response.readWithHttpInfo(r),
            ),
        },
      },
      companies: upserts("companies"),
      objects: {
        notes: upserts("notes"),
        emails: upserts("emails"),
        communications: upserts("communications"),
      },
      associations: {
        v4: {
          basicApi: {
            createDefault: (from, fromId, to, toId) =>
              associations.send(basic.request.createDefault(from, fromId, to, toId), (r) =>
                basic.response.createDefaultWithHttpInfo(r),
              ),
          },
        },
      },
      lists: {
        listsApi: {
          getByName: (name, objectTypeId) =>
            lists.send(list.request.getByName(name, objectTypeId), (r) =>
              list.response.getByNameWithHttpInfo(r),
            ),
          create: (request) =>
            lists.send(list.request.create(request), (r) => list.response.createWithHttpInfo(r)),
        },
        membershipsApi: {
          addAndRemove: (listId, request) =>
            lists.send(members.request.addAndRemove(listId, request), (r) =>
              members.response.addAndRemoveWithHttpInfo(r),
            ),
        },
      },
    },
  };
}
