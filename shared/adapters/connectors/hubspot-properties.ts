/**
 * The custom properties the HubSpot connector writes (hubspot.ts), and `harness hubspot setup`, which
 * creates the missing ones in a portal. HubSpot refuses a write naming a property it does not have
 * (400 PROPERTY_DOESNT_EXIST), so without them every `crm.update` that classifies a contact, ranks a
 * lead list or logs an engagement failed once live; and engagements are upserted by
 * `harness_idempotency_key`, which HubSpot accepts as an upsert key only on a unique-value property.
 *
 * Idempotent: it lists each object's properties and creates only what is missing, in a `harness`
 * group of its own. A property that exists under the same name is left as it is (HubSpot cannot make a
 * property unique after it was created): where it is not what the connector needs, the result says
 * why. Calls through the SDK's properties codegen area, as hubspot-area.ts says.
 */
import {
  CoreApiRequestFactory,
  CoreApiResponseProcessor,
} from "@hubspot/api-client/lib/codegen/crm/properties/apis/CoreApi.js";
import {
  GroupsApiRequestFactory,
  GroupsApiResponseProcessor,
} from "@hubspot/api-client/lib/codegen/crm/properties/apis/GroupsApi.js";
import { createConfiguration } from "@hubspot/api-client/lib/codegen/crm/properties/configuration.js";
import {
  PropertyCreateFieldTypeEnum,
  PropertyCreateTypeEnum,
} from "@hubspot/api-client/lib/codegen/crm/properties/models/PropertyCreate.js";
import { ServerConfiguration } from "@hubspot/api-client/lib/codegen/crm/properties/servers.js";
import { type HubSpotOptions, hubspotArea } from "./hubspot-area.ts";

export type HarnessObjectType = "contacts" | "companies" | "notes" | "emails" | "communications";

export interface HarnessProperty {
  objectType: HarnessObjectType;
  name: string;
  label: string;
  description: string;
  /** An upsert key: HubSpot upserts only by a unique-value property. */
  unique?: boolean;
}

const KEY = {
  name: "harness_idempotency_key",
  label: "Harness idempotency key",
  description: "The harness decision's idempotency key: a retried write upserts the same record.",
  unique: true,
} as const;

/** Every custom property hubspot.ts writes, by object type. */
export const HARNESS_PROPERTIES: readonly HarnessProperty[] = [
  {
    objectType: "contacts",
    name: "harness_persona",
    label: "Harness persona",
    description: "The persona the harness classified this contact as.",
  },
  {
    objectType: "contacts",
    name: "harness_committee_role",
    label: "Harness committee role",
    description: "The contact's role in the buying committee, as the harness classified it.",
  },
  {
    objectType: "companies",
    name: "harness_lead_list",
    label: "Harness lead list",
    description: "The harness lead list this company was last ranked on.",
  },
  {
    objectType: "companies",
    name: "harness_lead_rank",
    label: "Harness lead rank",
    description: "The company's rank on that lead list.",
  },
  {
    objectType: "companies",
    name: "harness_sdr",
    label: "Harness SDR",
    description: "The owner the harness assigned the company's lead list entry to.",
  },
  { objectType: "notes", ...KEY },
  { objectType: "emails", ...KEY },
  { objectType: "communications", ...KEY },
];

export const HARNESS_GROUP = "harness";

export interface PropertyStatus {
  objectType: HarnessObjectType;
  name: string;
  status: "created" | "exists" | "missing" | "unusable";
  /** Why an existing property will not serve (unusable). */
  why?: string;
}

/**
 * Creates what is missing (`check`: only says what is), one object type at a time. A property that
 * exists but is not unique where the connector upserts by it is `unusable`: HubSpot cannot change
 * that, so it must be deleted and created again (or the setup run in another portal).
 */
export async function ensureHubSpotProperties(
  o: HubSpotOptions,
  options: { check?: boolean } = {},
): Promise<PropertyStatus[]> {
  const { config, send } = hubspotArea({ createConfiguration, ServerConfiguration }, o);
  const core = { request: new CoreApiRequestFactory(config), response: new CoreApiResponseProcessor() };
  const groups = { request: new GroupsApiRequestFactory(config), response: new GroupsApiResponseProcessor() };
  const out: PropertyStatus[] = [];
  const types = [...new Set(HARNESS_PROPERTIES.map((p) => p.objectType))];
  for (const objectType of types) {
    const existing = await send(core.request.getAll(objectType), (r) => core.response.getAllWithHttpInfo(r));
    const byName = new Map(existing.results.map((p) => [p.name, p]));
    const wanted = HARNESS_PROPERTIES.filter((p) => p.objectType === objectType);
    const missing = wanted.filter((p) => !byName.has(p.name));
    for (const p of wanted) {
      const found = byName.get(p.name);
      if (!found) continue;
      if (p.unique && !found.hasUniqueValue)
        out.push({
          objectType,
          name: p.name,
          status: "unusable",
          why: "exists without unique values, which HubSpot's upsert by it needs; delete it and run the setup again",
        });
      else if (found.type !== "string")
        out.push({
          objectType,
          name: p.name,
          status: "unusable",
          why: `exists as a ${found.type}, not text`,
        });
      else out.push({ objectType, name: p.name, status: "exists" });
    }
    if (missing.length === 0) continue;
    if (options.check) {
      for (const p of missing) out.push({ objectType, name: p.name, status: "missing" });
      continue;
    }
    const known = await send(groups.request.getAll(objectType), (r) => groups.response.getAllWithHttpInfo(r));
    if (!known.results.some((g) => g.name === HARNESS_GROUP))
      await send(groups.request.create(objectType, { name: HARNESS_GROUP, label: "Agent Harness" }), (r) =>
        groups.response.createWithHttpInfo(r),
      );
    for (const p of missing) {
      await send(
        core.request.create(objectType, {
          name: p.name,
          label: p.label,
          description: p.description,
          groupName: HARNESS_GROUP,
          type: PropertyCreateTypeEnum.String,
          fieldType: PropertyCreateFieldTypeEnum.Text,
          ...(p.unique ? { hasUniqueValue: true } : {}),
        }),
        (r) => core.response.createWithHttpInfo(r),
      );
      out.push({ objectType, name: p.name, status: "created" });
    }
  }
  return out;
}
