import type { Recorded } from "./fake-api.ts";

/** The documented shapes of the HubSpot CRM v3/v4 endpoints the connector uses, with upsert semantics. */
/**
 * HubSpot's answer to a list's memberships add-and-remove, in the SDK model's field names (note
 * `recordsIdsAdded`, as HubSpot spells it): the ids asked for, none missing.
 */
export const membershipsChanged = (body: { recordIdsToAdd?: unknown; recordIdsToRemove?: unknown }) => ({
  recordsIdsAdded: body.recordIdsToAdd,
  recordIdsRemoved: body.recordIdsToRemove,
  recordIdsMissing: [],
});

export function fakeHubSpotWrites() {
  const records = new Map<string, string>();
  let next = 100;
  const now = "2026-03-10T14:00:00.000Z";
  const lists = new Map<string, string>();
  /** An upsert's input written (created if new), as HubSpot answers it. */
  const write = (type: string, i: { idProperty: string; id: string; properties: object }) => {
    const key = `${type}|${i.idProperty}|${i.id}`;
    const isNew = !records.has(key);
    if (isNew) records.set(key, String(next++));
    return {
      id: records.get(key),
      properties: i.properties,
      createdAt: now,
      updatedAt: now,
      archived: false,
      new: isNew,
    };
  };
  return {
    records,
    lists,
    handle: (r: Recorded) => {
      // HubSpot's CRM batch endpoints refuse more than 100 inputs.
      if (r.method === "POST" && /\/batch\/(upsert|read)$/.test(r.path) && r.body.inputs.length > 100)
        return {
          status: 400,
          body: { status: "error", message: "Batch size must be at most 100", category: "VALIDATION_ERROR" },
        };
      const read = /^\/crm\/v3\/objects\/(\w+)\/batch\/read$/.exec(r.path);
      if (r.method === "POST" && read) {
        const found = r.body.inputs.filter((i: any) =>
          records.has(`${read[1]}|${r.body.idProperty}|${i.id}`),
        );
        const missing = r.body.inputs.filter(
          (i: any) => !records.has(`${read[1]}|${r.body.idProperty}|${i.id}`),
        );
        const results = found.map((i: any) => ({
          id: records.get(`${read[1]}|${r.body.idProperty}|${i.id}`),
          properties: { email: i.id },
          createdAt: now,
          updatedAt: now,
          archived: false,
        }));
        // Records not found come back as errors of a multi-status answer.
        return missing.length
          ? {
              status: 207,
              body: {
                status: "COMPLETE",
                results,
                numErrors: 1,
                errors: [
                  {
                    status: "error",
                    category: "OBJECT_NOT_FOUND",
                    message: "Could not get some CONTACT objects, they may be deleted or not exist.",
                    context: { ids: missing.map((i: any) => i.id) },
                  },
                ],
                startedAt: now,
                completedAt: now,
              },
            }
          : { status: 200, body: { status: "COMPLETE", results, startedAt: now, completedAt: now } };
      }
      const upsert = /^\/crm\/v3\/objects\/(\w+)\/batch\/upsert$/.exec(r.path);
      // An address HubSpot refuses in a way that fails the whole batch (a 400 that names no input).
      if (r.method === "POST" && upsert && r.body.inputs.some((i: any) => /^bad/.test(String(i.id))))
        return {
          status: 400,
          body: {
            status: "error",
            message:
              'Property values were not valid: [{"isValid":false,"message":"Email address is invalid","error":"INVALID_EMAIL","name":"email"}]',
            category: "VALIDATION_ERROR",
          },
        };
      if (r.method === "POST" && upsert) {
        // An address HubSpot finds invalid is refused in a multi-status answer; the others are written.
        const invalid = r.body.inputs.filter((i: any) => /^invalid/.test(String(i.id)));
        if (invalid.length && upsert[1] === "contacts") {
          const results = r.body.inputs
            .filter((i: any) => !invalid.includes(i))
            .map((i: any) => write(upsert[1] as string, i));
          return {
            status: 207,
            body: {
              status: "COMPLETE",
              results,
              numErrors: invalid.length,
              errors: invalid.map((i: any) => ({
                status: "error",
                category: "VALIDATION_ERROR",
                message: `Property values were not valid: ${i.id}`,
              })),
              startedAt: now,
              completedAt: now,
            },
          };
        }
        const results = r.body.inputs.map((i: any) => write(upsert[1] as string, i));
        return { status: 200, body: { status: "COMPLETE", results, startedAt: now, completedAt: now } };
      }
      if (
        r.method === "PUT" &&
        /^\/crm\/v4\/objects\/\w+\/\d+\/associations\/default\/\w+\/\d+$/.test(r.path)
      )
        return { status: 200, body: { status: "COMPLETE", results: [], startedAt: now, completedAt: now } };
      const byName = /^\/crm\/v3\/lists\/object-type-id\/0-1\/name\/([^?]+)/.exec(r.path);
      if (r.method === "GET" && byName) {
        const id = lists.get(decodeURIComponent(byName[1] ?? ""));
        return id
          ? {
              status: 200,
              body: { list: { listId: id, name: byName[1], objectTypeId: "0-1", processingType: "MANUAL" } },
            }
          : {
              status: 404,
              body: { status: "error", message: "List does not exist", category: "OBJECT_NOT_FOUND" },
            };
      }
      if (r.method === "POST" && r.path === "/crm/v3/lists") {
        const id = String(next++);
        lists.set(r.body.name, id);
        return {
          status: 200,
          body: { list: { listId: id, name: r.body.name, objectTypeId: "0-1", processingType: "MANUAL" } },
        };
      }
      const memberships = /^\/crm\/v3\/lists\/(\d+)\/memberships\/add-and-remove$/.exec(r.path);
      if (r.method === "PUT" && memberships)
        // A list deleted (in HubSpot) is not found.
        return [...lists.values()].includes(memberships[1] ?? "")
          ? { status: 200, body: membershipsChanged(r.body) }
          : {
              status: 404,
              body: { status: "error", message: "List does not exist", category: "OBJECT_NOT_FOUND" },
            };
      return undefined;
    },
  };
}
