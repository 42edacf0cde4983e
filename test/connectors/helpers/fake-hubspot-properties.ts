import type { Recorded, Reply } from "./fake-api.ts";

/**
 * A portal's property definitions as HubSpot's CRM properties API v3 answers them
 * (`/crm/v3/properties/{objectType}` and its `/groups`), starting with some of HubSpot's own
 * properties of each object. `refusesUnknown` answers a batch upsert as HubSpot does when a write
 * names a property the portal does not have, or upserts by one without unique values: 400, nothing
 * written. Put it in front of fakeHubSpotWrites.
 */
export function fakeHubSpotProperties() {
  const at = "2026-03-10T14:00:00.000Z";
  const property = (name: string, groupName: string, extra: Record<string, unknown> = {}) => ({
    name,
    label: name,
    type: "string",
    fieldType: "text",
    description: "",
    groupName,
    options: [],
    createdAt: at,
    updatedAt: at,
    hidden: false,
    formField: false,
    displayOrder: -1,
    calculated: false,
    externalOptions: false,
    hasUniqueValue: false,
    modificationMetadata: { archivable: true, readOnlyDefinition: false, readOnlyValue: false },
    ...extra,
  });
  const own: Record<string, string[]> = {
    contacts: ["email", "firstname", "lastname", "jobtitle", "hs_linkedin_url"],
    companies: ["domain", "name"],
    notes: ["hs_note_body", "hs_timestamp"],
    emails: ["hs_email_direction", "hs_email_status", "hs_email_subject", "hs_email_text", "hs_timestamp"],
    communications: [
      "hs_communication_channel_type",
      "hs_communication_logged_from",
      "hs_communication_body",
      "hs_timestamp",
    ],
  };
  const properties = new Map<string, Map<string, ReturnType<typeof property>>>();
  const groups = new Map<string, Set<string>>();
  for (const [type, names] of Object.entries(own)) {
    properties.set(type, new Map(names.map((n) => [n, property(n, `${type}information`)])));
    groups.set(type, new Set([`${type}information`]));
  }
  /** A property created by hand before the setup ran (e.g. without unique values). */
  const define = (type: string, name: string, extra: Record<string, unknown> = {}) =>
    properties.get(type)?.set(name, property(name, `${type}information`, extra));
  const error = (status: number, message: string, category: string): Reply => ({
    status,
    body: { status: "error", message, correlationId: "c0ffee", category },
  });

  return {
    properties,
    groups,
    define,
    handle(r: Recorded): Reply | undefined {
      const m = /^\/crm\/v3\/properties\/(\w+)(\/groups)?(?:\?.*)?$/.exec(r.path);
      if (!m) return undefined;
      const type = m[1] as string;
      const props = properties.get(type);
      const known = groups.get(type);
      if (!props || !known)
        return error(400, `Unable to infer object type from: ${type}`, "VALIDATION_ERROR");
      if (m[2]) {
        if (r.method === "GET")
          return {
            status: 200,
            body: {
              results: [...known].map((name) => ({ name, label: name, displayOrder: -1, archived: false })),
            },
          };
        if (r.method === "POST") {
          if (known.has(r.body.name)) return error(409, `group ${r.body.name} already exists`, "CONFLICT");
          known.add(r.body.name);
          return {
            status: 201,
            body: { name: r.body.name, label: r.body.label, displayOrder: -1, archived: false },
          };
        }
        return undefined;
      }
      if (r.method === "GET") return { status: 200, body: { results: [...props.values()] } };
      if (r.method === "POST") {
        const b = r.body;
        if (props.has(b.name)) return error(409, `Property named '${b.name}' already exists.`, "CONFLICT");
        if (!known.has(b.groupName))
          return error(400, `property group ${b.groupName} does not exist`, "VALIDATION_ERROR");
        const created = property(b.name, b.groupName, {
          label: b.label,
          description: b.description ?? "",
          type: b.type,
          fieldType: b.fieldType,
          hasUniqueValue: b.hasUniqueValue === true,
        });
        props.set(b.name, created);
        return { status: 201, body: created };
      }
      return undefined;
    },
    /** HubSpot's 400 for a batch upsert naming a property the portal lacks, or keyed on a non-unique one. */
    refusesUnknown(r: Recorded): Reply | undefined {
      const upsert = /^\/crm\/v3\/objects\/(\w+)\/batch\/upsert$/.exec(r.path);
      if (r.method !== "POST" || !upsert) return undefined;
      const props = properties.get(upsert[1] as string);
      if (!props) return undefined;
      for (const input of r.body.inputs as { idProperty: string; properties: Record<string, unknown> }[]) {
        const missing = Object.keys(input.properties).filter((name) => !props.has(name));
        if (missing.length > 0)
          return error(
            400,
            `Property values were not valid: ${JSON.stringify(
              missing.map((name) => ({
                isValid: false,
                message: `Property "${name}" does not exist`,
                error: "PROPERTY_DOESNT_EXIST",
                name,
              })),
            )}`,
            "VALIDATION_ERROR",
          );
        const key = props.get(input.idProperty);
        const builtInKey =
          (upsert[1] === "contacts" && input.idProperty === "email") || input.idProperty === "domain";
        if (!builtInKey && !key?.hasUniqueValue)
          return error(400, `${input.idProperty} is not a unique identifier property`, "VALIDATION_ERROR");
      }
      return undefined;
    },
  };
}
