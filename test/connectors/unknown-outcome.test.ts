/**
 * A call that got no answer (a timeout, a dropped connection) may have been carried out. A send (an
 * email, a LinkedIn message, a new segment) is then not sent again: the connector reports the outcome
 * unknown and the decision goes to in_doubt for a human. Upserts on a unique key and set-membership
 * adds may be sent again: the vendor applies them once. (Found by the fault suite: a timed-out
 * LinkedIn message was delivered twice.)
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HubSpotConnector } from "../../shared/adapters/connectors/hubspot.ts";
import { LinkedInConnector } from "../../shared/adapters/connectors/linkedin.ts";
import { SesEmailConnector } from "../../shared/adapters/connectors/ses.ts";
import { ConnectorError } from "../../shared/ports.ts";
import { decision, instantRetries } from "./helpers/fake-api.ts";

interface Seen {
  method: string;
  path: string;
}

/** A vendor that carries out every call, but withholds the answer of the calls `withhold` picks. */
async function vendor(
  answer: (req: Seen, body: string) => unknown,
  withhold: (req: Seen, nth: number) => boolean,
) {
  const seen: Seen[] = [];
  const open = new Set<ServerResponse>();
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const r = { method: req.method ?? "GET", path: req.url ?? "/" };
    seen.push(r);
    if (withhold(r, seen.filter((s) => s.path === r.path && s.method === r.method).length)) {
      open.add(res);
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer(r, body)));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

const draft = {
  body: "Hi Jane",
  variant: "v",
  companyName: "Acme",
  groundedOn: [],
  persona: "vp",
  model: "m",
};
const email = { to: "jane@acme.io", subject: "Hello", ...draft };
const audience = {
  audienceId: "vp",
  personId: "acme.jane",
  email: "jane@acme.io",
  firstName: "Jane",
  lastName: "Doe",
  companyName: "Acme",
  persona: "vp",
};

describe("a call without an answer", () => {
  it("SES SendEmail is not sent again: outcome unknown after one call", async () => {
    const v = await vendor(
      () => ({ MessageId: "m-1" }),
      () => true,
    );
    close = v.close;
    const ses = new SesEmailConnector({
      from: "sdr@harness.example",
      region: "us-east-1",
      endpoint: v.url,
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
      timeoutMs: 200,
      retry: instantRetries(),
    });
    const err = await ses
      .execute({ idempotencyKey: "d_1:exec:1", decision: decision("email.send"), payload: email })
      .catch((e) => e);
    expect(err.name).toBe("ConnectorError");
    expect(err.outcomeUnknown).toBe(true);
    expect(v.seen).toHaveLength(1);
  });

  it("an SES answer trickling in past timeoutMs ends the call at timeoutMs, its outcome unknown", async () => {
    // Headers at once, then a byte every 50 ms: never idle long enough for the socket's timeout.
    const timers = new Set<ReturnType<typeof setInterval>>();
    let calls = 0;
    const server = createServer(async (req, res) => {
      for await (const _ of req);
      calls++;
      res.writeHead(200, { "content-type": "application/json" });
      res.write(" ");
      const t = setInterval(() => res.write(" "), 50);
      timers.add(t);
      // The whole answer after 4 s: within every idle timeout, past the call's.
      setTimeout(() => {
        clearInterval(t);
        res.end(JSON.stringify({ MessageId: "m-late" }));
      }, 4_000).unref();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    close = () =>
      new Promise<void>((r) => {
        for (const t of timers) clearInterval(t);
        server.closeAllConnections();
        server.close(() => r());
      });
    const ses = new SesEmailConnector({
      from: "sdr@harness.example",
      region: "us-east-1",
      endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
      timeoutMs: 300,
      retry: instantRetries(),
    });
    const started = Date.now();
    const err = await ses
      .execute({ idempotencyKey: "d_9:exec:1", decision: decision("email.send"), payload: email })
      .catch((e) => e);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(err.name).toBe("ConnectorError");
    expect(err.outcomeUnknown).toBe(true);
    expect(calls).toBe(1);
  });

  it("a LinkedIn message (webhook) is not sent again; nor is a DMP segment created twice", async () => {
    const v = await vendor(
      (r) => (r.path.startsWith("/rest/dmpSegments?") ? { elements: [] } : { id: "x" }),
      (r) => r.method === "POST",
    );
    close = v.close;
    const li = new LinkedInConnector({
      accessToken: "t",
      adAccountUrn: "urn:li:sponsoredAccount:1",
      baseUrl: v.url,
      messageWebhookUrl: `${v.url}/hooks/messages`,
      timeoutMs: 200,
      retry: instantRetries(),
    });
    const message = await li
      .execute({
        idempotencyKey: "d_2:exec:1",
        decision: decision("linkedin.message"),
        payload: { linkedinUrl: "https://www.linkedin.com/in/jane", ...draft },
      })
      .catch((e) => e);
    expect(message.outcomeUnknown).toBe(true);
    expect(v.seen.filter((s) => s.path === "/hooks/messages")).toHaveLength(1);
    const add = await li
      .execute({
        idempotencyKey: "d_3:exec:1",
        decision: decision("linkedin.audience.add"),
        payload: audience,
      })
      .catch((e) => e);
    expect(add.outcomeUnknown).toBe(true);
    expect(v.seen.filter((s) => s.method === "POST" && s.path === "/rest/dmpSegments")).toHaveLength(1);
  });

  it("a DMP segment ADD and a HubSpot upsert on the idempotency key are sent again, and succeed", async () => {
    const v = await vendor(
      (r, body) => {
        if (r.path.startsWith("/rest/dmpSegments?")) return { elements: [{ id: 900, name: "vp" }] };
        if (r.path.endsWith("/users")) return { elements: [{ status: 201 }] };
        const inputs = JSON.parse(body).inputs as { properties: object }[];
        const at = "2026-03-10T14:00:00.000Z";
        return {
          status: "COMPLETE",
          results: inputs.map((i) => ({
            id: "501",
            properties: i.properties,
            createdAt: at,
            updatedAt: at,
            archived: false,
          })),
          startedAt: at,
          completedAt: at,
        };
      },
      (r, nth) => r.method === "POST" && nth === 1,
    );
    close = v.close;
    const li = new LinkedInConnector({
      accessToken: "t",
      adAccountUrn: "urn:li:sponsoredAccount:1",
      baseUrl: v.url,
      timeoutMs: 200,
      retry: instantRetries(),
    });
    await li.execute({
      idempotencyKey: "d_4:exec:1",
      decision: decision("linkedin.audience.add"),
      payload: audience,
    });
    expect(v.seen.filter((s) => s.path.endsWith("/users"))).toHaveLength(2);
    const hubspot = new HubSpotConnector({
      accessToken: "pat",
      basePath: v.url,
      timeoutMs: 200,
      retry: instantRetries(),
    });
    const res = await hubspot.execute({
      idempotencyKey: "d_5:exec:1",
      decision: decision("crm.update"),
      payload: {
        operation: "log_engagement",
        decisionId: "d_1",
        channel: "email",
        body: "Hi",
        occurredAt: "2026-03-10T14:00:00Z",
      },
    });
    expect(res.externalId).toBe("hubspot:emails:501");
    expect(v.seen.filter((s) => s.path === "/crm/v3/objects/emails/batch/upsert")).toHaveLength(2);
  });

  it("a send that never reached the vendor (connection refused) is still retried", async () => {
    const retry = instantRetries(3);
    const ses = new SesEmailConnector({
      from: "sdr@harness.example",
      region: "us-east-1",
      endpoint: "http://127.0.0.1:1",
      credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
      timeoutMs: 200,
      retry,
    });
    const err = await ses
      .execute({ idempotencyKey: "d_6:exec:1", decision: decision("email.send"), payload: email })
      .catch((e) => e);
    expect(retry.waits).toHaveLength(2);
    // Refused on every attempt, it provably never left: turned away, for the executor to hand back and
    // try again, not in doubt (before: a person had to check a send that never happened, its
    // reservation held meanwhile).
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err.outcomeUnknown).toBe(false);
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expect(err.message).toMatch(/not reached .* after 3 attempts/);
  });
});
