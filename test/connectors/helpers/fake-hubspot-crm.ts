import { fakeApi, type Recorded, type Reply } from "./fake-api.ts";

/**
 * HubSpot's CRM as the import reads it, with state: companies, contacts and deals with their
 * properties and modified times, and each contact's and deal's company. Answers the documented
 * shapes of POST /crm/v3/objects/{type}/search (one filter group, GTE/GT/EQ on the modified-time
 * property, then EQ on a property or GT on `hs_object_id`; sorted ascending by the modified time or
 * the id, `after` an offset, refused past the result window like HubSpot's 10,000) and POST /crm/v4/associations/{from}/companies/batch/read.
 */
export type CrmType = "companies" | "contacts" | "deals";

interface StoredRecord {
  id: string;
  properties: Record<string, string>;
  modifiedAt: number;
  companyId?: string;
  /** Whether the association with `companyId` is the primary one (default); else unlabeled. */
  primary?: boolean;
  /** Further companies it is associated with, none of them primary. */
  alsoWith?: string[];
}

/** A contact's or deal's association ids in the v4 API: the primary one, and the unlabeled one. */
const ASSOCIATION_TYPE = {
  contacts: { primary: 1, unlabeled: 279 },
  deals: { primary: 5, unlabeled: 341 },
} as const;

const MODIFIED: Record<CrmType, string> = {
  companies: "hs_lastmodifieddate",
  contacts: "lastmodifieddate",
  deals: "hs_lastmodifieddate",
};

export async function fakeHubSpotCrm(options: { window?: number } = {}) {
  const window = options.window ?? 10_000;
  const data: Record<CrmType, Map<string, StoredRecord>> = {
    companies: new Map(),
    contacts: new Map(),
    deals: new Map(),
  };

  const asHubSpot = (type: CrmType, r: StoredRecord, asked: string[]) => ({
    id: r.id,
    properties: {
      ...Object.fromEntries(asked.map((p) => [p, r.properties[p] ?? null])),
      [MODIFIED[type]]: new Date(r.modifiedAt).toISOString(),
      hs_object_id: r.id,
    },
    createdAt: "2026-01-05T10:00:00.000Z",
    updatedAt: new Date(r.modifiedAt).toISOString(),
    archived: false,
  });

  const handle = (req: Recorded): Reply | undefined => {
    const search = /^\/crm\/v3\/objects\/(companies|contacts|deals)\/search$/.exec(req.path);
    if (req.method === "POST" && search) {
      const type = search[1] as CrmType;
      const filter = req.body.filterGroups?.[0]?.filters?.[0];
      // A company's contacts by their primary company (associatedcompanyid), or the contacts or deals
      // associated with it in any way (the search's associations.company), by id.
      const primaryOnly = type === "contacts" && filter?.propertyName === "associatedcompanyid";
      if (primaryOnly || (type !== "companies" && filter?.propertyName === "associations.company")) {
        const after = (req.body.filterGroups[0].filters[1]?.value as string | undefined) ?? "0";
        const of = (r: StoredRecord) =>
          primaryOnly
            ? r.companyId === filter.value && r.primary !== false
            : r.companyId === filter.value || (r.alsoWith ?? []).includes(filter.value);
        const all = [...data[type].values()]
          .filter((r) => of(r) && Number(r.id) > Number(after))
          .sort((a, b) => Number(a.id) - Number(b.id));
        const limit = Number(req.body.limit ?? 10);
        const page = all.slice(0, limit);
        return {
          status: 200,
          body: {
            total: all.length,
            results: page.map((r) => asHubSpot(type, r, req.body.properties ?? [])),
            ...(all.length > limit
              ? { paging: { next: { after: String(limit), link: `?after=${limit}` } } }
              : {}),
          },
        };
      }
      if (filter?.propertyName !== MODIFIED[type])
        return {
          status: 400,
          body: { status: "error", message: `unexpected filter ${filter?.propertyName}` },
        };
      const since = Number(filter.value);
      // Further filters of the group: a property equal to a value (the opt-out sweep's), or the record
      // id greater than one (paging one millisecond's records by id).
      const further = (req.body.filterGroups?.[0]?.filters ?? []).slice(1) as {
        propertyName: string;
        operator: string;
        value: string;
      }[];
      const byId = (f: { propertyName: string; operator: string }) =>
        f.propertyName === "hs_object_id" && f.operator === "GT";
      if (further.some((f) => f.operator !== "EQ" && !byId(f)))
        return { status: 400, body: { status: "error", message: "unexpected operator" } };
      const time: Record<string, (m: number) => boolean> = {
        GT: (m) => m > since,
        GTE: (m) => m >= since,
        EQ: (m) => m === since,
      };
      const modified = time[filter.operator];
      if (!modified) return { status: 400, body: { status: "error", message: "unexpected operator" } };
      const match = (r: StoredRecord) =>
        modified(r.modifiedAt) &&
        further.every((f) =>
          byId(f) ? Number(r.id) > Number(f.value) : r.properties[f.propertyName] === f.value,
        );
      // One sort, ascending: the modified time (ties in the order written, as HubSpot sets none), or the id.
      const sort = req.body.sorts?.[0] ?? MODIFIED[type];
      if (sort !== MODIFIED[type] && sort !== "hs_object_id")
        return { status: 400, body: { status: "error", message: `unexpected sort ${sort}` } };
      const all = [...data[type].values()]
        .filter(match)
        .sort((a, b) =>
          sort === "hs_object_id" ? Number(a.id) - Number(b.id) : a.modifiedAt - b.modifiedAt,
        );
      const offset = Number(req.body.after ?? 0);
      const limit = Number(req.body.limit ?? 10);
      if (offset + limit > window)
        return {
          status: 400,
          body: {
            status: "error",
            category: "VALIDATION_ERROR",
            message: "Search results are limited to 10,000",
          },
        };
      const page = all.slice(offset, offset + limit);
      const next = offset + limit < all.length ? String(offset + limit) : undefined;
      return {
        status: 200,
        body: {
          total: all.length,
          results: page.map((r) => asHubSpot(type, r, req.body.properties ?? [])),
          ...(next ? { paging: { next: { after: next, link: `?after=${next}` } } } : {}),
        },
      };
    }
    const assoc = /^\/crm\/v4\/associations\/(contacts|deals)\/companies\/batch\/read$/.exec(req.path);
    if (req.method === "POST" && assoc) {
      const type = assoc[1] as CrmType;
      const now = new Date().toISOString();
      const ids = ASSOCIATION_TYPE[type as "contacts" | "deals"];
      const results = (req.body.inputs as { id: string }[]).flatMap(({ id }) => {
        const r = data[type].get(id);
        if (!r?.companyId) return [];
        const unlabeled = (company: string) => ({
          toObjectId: Number(company),
          associationTypes: [{ category: "HUBSPOT_DEFINED", typeId: ids.unlabeled, label: null }],
        });
        return [
          {
            from: { id },
            to: [
              r.primary === false
                ? unlabeled(r.companyId)
                : {
                    toObjectId: Number(r.companyId),
                    associationTypes: [
                      { category: "HUBSPOT_DEFINED", typeId: ids.primary, label: "Primary" },
                    ],
                  },
              ...(r.alsoWith ?? []).map(unlabeled),
            ],
          },
        ];
      });
      return { status: 200, body: { status: "COMPLETE", results, startedAt: now, completedAt: now } };
    }
    return undefined;
  };

  /** `from` archived, `into` naming it in `hs_merged_object_ids` and modified at `at`. */
  const merge = (type: "companies" | "contacts", from: string, into: string, at: number) => {
    const winner = data[type].get(into);
    if (!winner || !data[type].has(from)) throw new Error(`no ${type} record ${from} or ${into}`);
    data[type].delete(from);
    const ids = [winner.properties.hs_merged_object_ids, from].filter(Boolean).join(";");
    winner.properties = { ...winner.properties, hs_merged_object_ids: ids };
    winner.modifiedAt = at;
  };

  const api = await fakeApi(handle);
  return {
    ...api,
    /** Create or change a record, modified at `at` (epoch ms). */
    put(
      type: CrmType,
      id: string,
      properties: Record<string, string>,
      at: number,
      companyId?: string,
      /** Its association with `companyId` not the primary one; further companies it is associated with. */
      associations: { primary?: false; alsoWith?: string[] } = {},
    ) {
      const before = data[type].get(id);
      data[type].set(id, {
        id,
        properties: { ...before?.properties, ...properties },
        modifiedAt: at,
        ...((companyId ?? before?.companyId) ? { companyId: companyId ?? before?.companyId } : {}),
        ...((associations.primary ?? before?.primary) === false ? { primary: false } : {}),
        ...((associations.alsoWith ?? before?.alsoWith)
          ? { alsoWith: associations.alsoWith ?? before?.alsoWith }
          : {}),
      });
    },
    /**
     * HubSpot's merge of company `from` into `into` at `at`: `from` is archived (the search no longer
     * finds it), `into` names it in `hs_merged_object_ids` and is modified then; `from`'s contacts and
     * deals are associated with `into`, their own modified times left as they were.
     */
    mergeCompanies(from: string, into: string, at: number) {
      merge("companies", from, into, at);
      for (const r of [...data.contacts.values(), ...data.deals.values()])
        if (r.companyId === from) r.companyId = into;
    },
    /** HubSpot's merge of contact `from` into `into` at `at`, as mergeCompanies. */
    mergeContacts(from: string, into: string, at: number) {
      merge("contacts", from, into, at);
    },
    searches: (type: CrmType) =>
      api.requests.filter((r) => r.path === `/crm/v3/objects/${type}/search`).map((r) => r.body),
  };
}
