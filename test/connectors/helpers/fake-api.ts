import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RetryPolicy } from "../../../shared/adapters/connectors/retry.ts";
import type { Decision } from "../../../shared/domain/decision.ts";

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: any;
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
export type Handler = (req: Recorded) => Reply | undefined;

/**
 * A local stand-in for a vendor API: answers the documented request/response shapes, records every
 * request, and can be told to fail the next calls (429, 5xx) to exercise retries. Bound to 127.0.0.1
 * and closed by the test; it also unrefs itself so a forgotten one never holds the process open.
 */
export async function fakeApi(handler: Handler) {
  const requests: Recorded[] = [];
  const failures: Reply[] = [];
  const server: Server = createServer(async (req, res) => {
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const rec: Recorded = {
      method: req.method ?? "GET",
      path: req.url ?? "/",
      headers: req.headers,
      body: raw ? JSON.parse(raw) : undefined,
    };
    requests.push(rec);
    const reply = failures.shift() ??
      handler(rec) ?? { status: 404, body: { message: `no route ${rec.method} ${rec.path}` } };
    res.writeHead(reply.status, { "content-type": "application/json", ...(reply.headers ?? {}) });
    res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
  });
  server.unref();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    failNext: (...replies: Reply[]) => failures.push(...replies),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Retries without waiting, counting the backoffs asked for. */
export function instantRetries(attempts = 4): RetryPolicy & { waits: number[] } {
  const waits: number[] = [];
  return { attempts, baseDelayMs: 100, maxDelayMs: 1000, sleep: async (ms) => void waits.push(ms), waits };
}

/** A linkedin.message payload as the outreach writer drafts it. */
export const linkedInMessage = {
  linkedinUrl: "https://www.linkedin.com/in/jane",
  body: "Hi Jane",
  variant: "fact-led",
  companyName: "Acme",
  groundedOn: [],
  persona: "vp",
  model: "m",
};

export function decision(actionType: string, over: Partial<Decision> = {}): Decision {
  return {
    decisionId: "d_test",
    proposalId: "p1",
    agentId: "agent",
    actionType,
    actionKind: "record",
    accountId: "acme",
    payload: {},
    payloadDigest: "sha256:x",
    reasoning: "r",
    confidence: 0.9,
    verdict: "allow",
    status: "dispatched",
    checks: [],
    reasons: [],
    autonomyLevel: 3,
    trustScore: 0.5,
    specVersion: 1,
    specHash: "h",
    context: { touchesSeen: 0 },
    decidedAt: "2026-03-10T14:00:00.000Z",
    idempotencyKey: "d_test:exec:1",
    reservation: { touch: false, counters: [] },
    outcomes: [],
    version: 2,
    updatedAt: "2026-03-10T14:00:00.000Z",
    ...over,
  } as Decision;
}
