/**
 * Fake SES v2, HubSpot and LinkedIn that speak the requests and answers the harness's real connectors
 * use (shared/adapters/connectors/, the same shapes as test/connectors/), failing a seeded share of
 * calls (see vendor-server.ts) and counting every send by the harness's idempotency key:
 * - SES SendEmail (X-Harness-Idempotency-Key header): every processed call is an email sent;
 * - the LinkedIn message webhook (idempotency-key header): every processed call is a message sent;
 * - HubSpot engagement upserts (idProperty harness_idempotency_key) and LinkedIn DMP segment ADDs
 *   (x-harness-idempotency-key): upserts / set adds, so a replay changes nothing.
 */
import type { FaultRunConfig } from "./config.ts";
import {
  type Reply,
  type SendRecord,
  type Vendor,
  type VendorRequest,
  vendorServer,
} from "./vendor-server.ts";

const NOW = () => new Date().toISOString();

function ses(seed: number, rate: number) {
  let next = 0;
  return vendorServer({
    system: "ses",
    seed,
    rate,
    faultReply: (f): Reply =>
      f === "error"
        ? {
            status: 500,
            headers: { "x-amzn-errortype": "InternalFailure" },
            body: { message: "internal failure" },
          }
        : {
            status: 429,
            headers: { "x-amzn-errortype": "TooManyRequestsException", "retry-after": "1" },
            body: { message: "Maximum sending rate exceeded." },
          },
    route: (r) => {
      if (r.method !== "POST" || r.path !== "/v2/email/outbound-emails") return undefined;
      const key = (r: VendorRequest): string | undefined =>
        r.body?.Content?.Simple?.Headers?.find(
          (h: { Name: string }) => h.Name === "X-Harness-Idempotency-Key",
        )?.Value;
      return {
        sendKey: key,
        handle: (req, send) => {
          const k = key(req);
          if (!k) return { status: 400, headers: { "x-amzn-errortype": "BadRequestException" } };
          send("SendEmail", k, false);
          return { status: 200, body: { MessageId: `ses-${++next}` } };
        },
      };
    },
  });
}

function hubspot(seed: number, rate: number) {
  const records = new Map<string, string>();
  const lists = new Map<string, string>();
  let next = 100;
  const batch = (results: unknown[]) => ({
    status: "COMPLETE",
    results,
    startedAt: NOW(),
    completedAt: NOW(),
  });
  return vendorServer({
    system: "hubspot",
    seed,
    rate,
    faultReply: (f) =>
      f === "error"
        ? { status: 502, body: { status: "error", message: "Bad gateway", category: "INTERNAL_ERROR" } }
        : {
            status: 429,
            headers: { "retry-after": "1" },
            body: {
              status: "error",
              message: "You have reached your secondly limit.",
              category: "RATE_LIMITS",
            },
          },
    route: (r) => {
      const upsert = /^\/crm\/v3\/objects\/(\w+)\/batch\/upsert$/.exec(r.path);
      if (r.method === "POST" && upsert) {
        const keyed = (req: VendorRequest) =>
          req.body?.inputs?.[0]?.idProperty === "harness_idempotency_key"
            ? String(req.body.inputs[0].id)
            : undefined;
        return {
          sendKey: keyed,
          handle: (req, send) => {
            const key = keyed(req);
            if (key) send(`${upsert[1]} upsert`, key, true);
            const results = req.body.inputs.map(
              (i: { idProperty: string; id: string; properties: object }) => {
                const id = `${upsert[1]}|${i.idProperty}|${i.id}`;
                const isNew = !records.has(id);
                if (isNew) records.set(id, String(next++));
                const at = NOW();
                return {
                  id: records.get(id),
                  properties: i.properties,
                  createdAt: at,
                  updatedAt: at,
                  archived: false,
                  new: isNew,
                };
              },
            );
            return { status: 200, body: batch(results) };
          },
        };
      }
      const read = /^\/crm\/v3\/objects\/(\w+)\/batch\/read$/.exec(r.path);
      if (r.method === "POST" && read)
        return {
          // Records not found are left out (HubSpot lists them as errors of a multi-status answer).
          handle: (req) => ({
            status: 200,
            body: batch(
              (req.body.inputs as { id: string }[]).flatMap((i) => {
                const id = records.get(`${read[1]}|${req.body.idProperty}|${i.id}`);
                const at = NOW();
                return id ? [{ id, properties: {}, createdAt: at, updatedAt: at, archived: false }] : [];
              }),
            ),
          }),
        };
      if (
        r.method === "PUT" &&
        /^\/crm\/v4\/objects\/\w+\/\d+\/associations\/default\/\w+\/\d+$/.test(r.path)
      )
        return { handle: () => ({ status: 200, body: batch([]) }) };
      const byName = /^\/crm\/v3\/lists\/object-type-id\/0-1\/name\/([^?]+)/.exec(r.path);
      if (r.method === "GET" && byName)
        return {
          handle: () => {
            const name = decodeURIComponent(byName[1] ?? "");
            const id = lists.get(name);
            return id
              ? {
                  status: 200,
                  body: { list: { listId: id, name, objectTypeId: "0-1", processingType: "MANUAL" } },
                }
              : {
                  status: 404,
                  body: { status: "error", message: "List does not exist", category: "OBJECT_NOT_FOUND" },
                };
          },
        };
      if (r.method === "POST" && r.path === "/crm/v3/lists")
        return {
          handle: (req): Reply => {
            const id = String(next++);
            lists.set(req.body.name, id);
            return {
              status: 200,
              body: {
                list: { listId: id, name: req.body.name, objectTypeId: "0-1", processingType: "MANUAL" },
              },
            };
          },
        };
      if (r.method === "PUT" && /^\/crm\/v3\/lists\/\d+\/memberships\/add-and-remove$/.test(r.path))
        return {
          handle: (req) => ({
            status: 200,
            body: {
              recordIdsAdded: req.body.recordIdsToAdd,
              recordIdsRemoved: req.body.recordIdsToRemove,
              recordsIdsMissing: [],
            },
          }),
        };
      return undefined;
    },
  });
}

function linkedin(seed: number, rate: number) {
  const segments: { id: number; name: string }[] = [];
  const members = new Map<number, Set<string>>();
  let messages = 0;
  const keyHeader = (name: string) => (req: VendorRequest) => {
    const v = req.headers[name];
    return typeof v === "string" ? v : undefined;
  };
  return {
    segments,
    server: vendorServer({
      system: "linkedin",
      seed,
      rate,
      faultReply: (f) =>
        f === "error"
          ? { status: 503, body: { status: 503, message: "Service Unavailable" } }
          : {
              status: 429,
              headers: { "retry-after": "1" },
              body: { status: 429, message: "Too Many Requests" },
            },
      route: (r) => {
        if (r.method === "GET" && r.path.startsWith("/rest/dmpSegments?q=account"))
          return {
            handle: () => ({ status: 200, body: { elements: segments, paging: { start: 0, count: 10 } } }),
          };
        // Creating a segment is not idempotent: a repeated create makes a second segment of that name.
        if (r.method === "POST" && r.path === "/rest/dmpSegments")
          return {
            handle: (req) => {
              const id = 900 + segments.length;
              segments.push({ id, name: req.body.name });
              return { status: 201, headers: { "x-restli-id": String(id) } };
            },
          };
        const users = /^\/rest\/dmpSegments\/(\d+)\/users$/.exec(r.path);
        if (r.method === "POST" && users)
          return {
            sendKey: keyHeader("x-harness-idempotency-key"),
            handle: (req, send) => {
              const key = keyHeader("x-harness-idempotency-key")(req);
              if (key) send("DMP segment users ADD", key, true);
              const set = members.get(Number(users[1])) ?? new Set();
              for (const e of req.body.elements) for (const u of e.userIds) set.add(u.idValue);
              members.set(Number(users[1]), set);
              return { status: 200, body: { elements: req.body.elements.map(() => ({ status: 201 })) } };
            },
          };
        if (r.method === "POST" && r.path === "/hooks/messages")
          return {
            sendKey: keyHeader("idempotency-key"),
            handle: (req, send) => {
              const key = keyHeader("idempotency-key")(req);
              if (!key) return { status: 400, body: { message: "idempotency-key header required" } };
              send("message webhook", key, false);
              return { status: 200, body: { id: `li-msg-${++messages}` } };
            },
          };
        return undefined;
      },
    }),
  };
}

export interface FakeVendors {
  vendors: Vendor[];
  /** Every keyed send the vendors carried out. */
  sends(): SendRecord[];
  /** DMP segments per audience name (a repeated create shows up as more than one). */
  segmentsPerAudience(): Record<string, number>;
  /** The connectors file pointing `harness serve` at these vendors, and the environment it needs. */
  connectorsFile(timeoutMs: number, inDoubtAfterMs: number): string;
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function fakeVendors(config: Pick<FaultRunConfig, "seed" | "faultRate">): Promise<FakeVendors> {
  const { seed, faultRate: rate } = config;
  const li = linkedin(seed, rate);
  const vendors = await Promise.all([ses(seed, rate), hubspot(seed, rate), li.server]);
  const [s, h, l] = vendors as [Vendor, Vendor, Vendor];
  return {
    vendors,
    sends: () => vendors.flatMap((v) => v.sends()),
    segmentsPerAudience: () => {
      const count: Record<string, number> = {};
      for (const seg of li.segments) count[seg.name] = (count[seg.name] ?? 0) + 1;
      return count;
    },
    connectorsFile: (timeoutMs, inDoubtAfterMs) =>
      JSON.stringify({
        ses: { from: "sdr@faults.example", region: "us-east-1", endpoint: s.url, timeoutMs },
        hubspot: { accessTokenEnv: "FAULTS_HUBSPOT_TOKEN", basePath: h.url, timeoutMs },
        linkedin: {
          accessTokenEnv: "FAULTS_LINKEDIN_TOKEN",
          adAccountUrn: "urn:li:sponsoredAccount:7",
          baseUrl: l.url,
          messageWebhookUrl: `${l.url}/hooks/messages`,
          timeoutMs,
        },
        inDoubtAfterMs,
      }),
    // Made-up credentials for made-up vendors: SES signs with whatever the AWS chain finds.
    env: {
      AWS_ACCESS_KEY_ID: "AKIDFAULTSUITE",
      AWS_SECRET_ACCESS_KEY: "fault-suite-secret",
      FAULTS_HUBSPOT_TOKEN: "pat-faults",
      FAULTS_LINKEDIN_TOKEN: "li-faults",
    },
    close: async () => {
      await Promise.all(vendors.map((v) => v.close()));
    },
  };
}
