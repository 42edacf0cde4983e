/**
 * The plumbing every fake vendor shares: a local HTTP server that fails a seeded share of calls and
 * counts every send by the idempotency key the harness sent.
 *
 * Fault model, per call (errors, timeouts and 429s in equal shares of `rate`):
 * - `error`: a 5xx before anything is done. The harness cannot tell a 500/502/504 from one that came
 *   after the work (retry.ts), so a send that gets one is in_doubt; replay-safe calls are retried;
 * - `throttle`: a 429 (with Retry-After) before anything is done;
 * - `timeout`: the call IS carried out (the email goes out, the record is written), then the answer
 *   is withheld until the caller gives up. This is the uncertain send: the vendor did it, the harness
 *   cannot know, and must surface it as in_doubt rather than do it again.
 * Which calls fail is decided by a hash of the seed, the call's identity (the idempotency key for a
 * send, else method, path and body) and how many times that identity was seen, so a rerun with the
 * same seed injects the same faults whatever the interleaving of concurrent calls.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Fault = "error" | "throttle" | "timeout";
export type VendorSystem = "ses" | "hubspot" | "linkedin";

export interface VendorRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** A side effect that carries the harness's idempotency key. */
export interface SendRecord {
  system: VendorSystem;
  endpoint: string;
  idempotencyKey: string;
  /** Repeating it is harmless (an upsert on a unique key, a set-membership add): a replay is not a duplicate. */
  idempotent: boolean;
  /** How many times the vendor carried it out. */
  processed: number;
  /** How many of those answers the vendor withheld (timeout faults). */
  withheld: number;
}

export interface VendorStats {
  calls: number;
  faults: Record<Fault, number>;
}

export interface Route {
  /** The key of the send this call is, if it is one: it decides the call's identity for faults. */
  sendKey?: (req: VendorRequest) => string | undefined;
  /** Carry the call out (only when no fault came first) and answer it. */
  handle: (req: VendorRequest, send: (endpoint: string, key: string, idempotent: boolean) => void) => Reply;
}

export interface VendorOptions {
  system: VendorSystem;
  seed: number;
  rate: number;
  route: (req: VendorRequest) => Route | undefined;
  faultReply: (fault: "error" | "throttle") => Reply;
  /** How long a withheld answer is held at most before the connection is dropped. */
  holdMs?: number;
}

const unit = (text: string) => createHash("sha256").update(text).digest().readUInt32BE(0) / 2 ** 32;

export async function vendorServer(o: VendorOptions) {
  const seen = new Map<string, number>();
  const sends = new Map<string, SendRecord>();
  const stats: VendorStats = { calls: 0, faults: { error: 0, throttle: 0, timeout: 0 } };
  const held = new Set<ServerResponse>();

  const decide = (identity: string): Fault | undefined => {
    const nth = (seen.get(identity) ?? 0) + 1;
    seen.set(identity, nth);
    const x = unit(`${o.seed}|${o.system}|${identity}|${nth}`);
    if (x >= o.rate) return undefined;
    return x < o.rate / 3 ? "error" : x < (2 * o.rate) / 3 ? "throttle" : "timeout";
  };

  const answer = (res: ServerResponse, reply: Reply) => {
    res.writeHead(reply.status, { "content-type": "application/json", ...(reply.headers ?? {}) });
    res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
  };

  const server: Server = createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    stats.calls++;
    const request: VendorRequest = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: req.headers,
      body: raw ? JSON.parse(raw) : undefined,
    };
    const route = o.route(request);
    if (!route)
      return answer(res, { status: 404, body: { message: `no route ${request.method} ${request.path}` } });
    const key = route.sendKey?.(request);
    const identity =
      key ?? `${request.method} ${request.path} ${createHash("sha256").update(raw).digest("hex")}`;
    const fault = decide(identity);
    if (fault) stats.faults[fault]++;
    if (fault === "error" || fault === "throttle") return answer(res, o.faultReply(fault));
    const records: SendRecord[] = [];
    const reply = route.handle(request, (endpoint, idempotencyKey, idempotent) => {
      const id = `${endpoint}|${idempotencyKey}`;
      const rec = sends.get(id) ?? {
        system: o.system,
        endpoint,
        idempotencyKey,
        idempotent,
        processed: 0,
        withheld: 0,
      };
      rec.processed++;
      sends.set(id, rec);
      records.push(rec);
    });
    if (fault !== "timeout") return answer(res, reply);
    for (const rec of records) rec.withheld++;
    // Done, but the answer never comes: held until the caller gives up, then the connection drops.
    held.add(res);
    const drop = setTimeout(() => res.destroy(), o.holdMs ?? 5_000);
    res.once("close", () => {
      clearTimeout(drop);
      held.delete(res);
    });
  });
  server.unref();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    system: o.system,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stats,
    sends: () => [...sends.values()].map((s) => ({ ...s })),
    close: () =>
      new Promise<void>((r) => {
        for (const res of held) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export type Vendor = Awaited<ReturnType<typeof vendorServer>>;
