/**
 * The HTTP edge holds whatever a client sends: bodies the store cannot hold, paths that cannot be
 * decoded, oversized bodies sent by real clients, credentials on a public route and clock moves
 * out of range are each answered with a 4xx, and the server keeps serving.
 */
import { Agent, request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JSON_LIMITS } from "../../shared/domain/json-limits.ts";
import { send } from "../fuzz/helpers/client.ts";
import {
  emailProposal,
  expectStatus,
  type Harness,
  propose,
  proposeOk,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await seedAccount(h, "acme");
});
afterAll(() => h.close());

const nest = (levels: number): unknown => {
  let v: unknown = "leaf";
  for (let i = 0; i < levels; i++) v = { n: v };
  return v;
};

const decisionsOf = async (agentId: string) =>
  expectStatus(await h.call("GET", `/v1/decisions?agentId=${agentId}`, h.viewer), 200).items;

describe("JSON limits on every body", () => {
  it("answers 400 naming the path for values the store cannot hold, and records nothing", async () => {
    const agent = "limits-writer";
    const base = emailProposal(agent);
    const cases: [string, string, RegExp][] = [
      // [raw JSON of payload, path named, message]
      [
        JSON.stringify({ deep: nest(40) }),
        // The body is level 1: the first object past the limit is named.
        `payload.deep${".n".repeat(JSON_LIMITS.maxDepth - 2)}`,
        /nested deeper than/,
      ],
      ['{"score": 1e200}', "payload.score", /out of range/],
      ['{"score": -1e200}', "payload.score", /out of range/],
      ['{"score": 1e-200}', "payload.score", /out of range/],
      ['{"id": 9007199254740993}', "payload.id", /integer beyond/],
      ['{"id": 123456789012345678901234567890}', "payload.id", /integer beyond/],
      ['{"": "empty key"}', 'payload[""]', /must not be empty/],
      ['{"big": 1e400}', "payload.big", /finite/],
    ];
    for (const [payload, path, message] of cases) {
      const { payload: _p, ...rest } = base;
      const raw = `${JSON.stringify({ ...rest, proposalId: `p-lim-${cases.findIndex((c) => c[0] === payload)}` }).slice(0, -1)},"payload":${payload}}`;
      const res = await h.call("POST", "/v1/proposals", await h.agent(agent), raw);
      expectStatus(res, 400);
      expect(res.body.issues, payload).toEqual([{ path, message: expect.stringMatching(message) }]);
    }
    expect(await decisionsOf(agent)).toEqual([]);
    // A proposal within the limits still goes through.
    await proposeOk(h, { ...base, payload: { ...base.payload, nested: nest(JSON_LIMITS.maxDepth - 3) } });
  });

  it("holds knowledge-base and admin bodies to the same limits", async () => {
    const account = await h.call(
      "PUT",
      "/v1/accounts/limits-co",
      h.admin,
      '{"name":"Limits","domain":"limits.io","industry":"Software","employees":1e300,"country":"US"}',
    );
    expectStatus(account, 400);
    expect(account.body.issues[0].path).toBe("employees");
    const spec = await h.call("POST", "/v1/specs", h.admin, "name: x\nnested: 1e999\n", "application/yaml");
    expectStatus(spec, 400);
    expect(spec.body.issues[0]).toEqual({ path: "nested", message: "must be a finite number" });
  });
});

describe("undecodable paths", () => {
  it("answers 400 naming the path parameter, with or without a token, on every route with parameters", async () => {
    const bad = "%E0%A4%A";
    const cases: [string, string, string][] = [
      ["GET", `/v1/decisions/${bad}`, "id"],
      ["POST", `/v1/decisions/${bad}/approve`, "id"],
      ["POST", `/v1/decisions/abc/veto%`, ""],
      ["PUT", `/v1/trust/${bad}/email.send`, "agentId"],
      ["PUT", `/v1/trust/writer/${bad}`, "actionType"],
      ["DELETE", `/v1/pauses/${bad}`, "id"],
      ["PUT", `/v1/accounts/%ZZ`, "id"],
      ["PUT", `/v1/people/%C0%80`, "id"],
      ["GET", `/v1/specs/%FF`, "version"],
    ];
    for (const [method, path, param] of cases) {
      for (const token of [undefined, h.viewer, "hh_unknown-token"]) {
        const res = await h.call(method, path, token, method === "GET" ? undefined : {});
        if (param === "") {
          // Not a route: a stray % in a fixed segment matches nothing.
          expect(res.status, path).toBe(404);
          continue;
        }
        expect(res.status, `${method} ${path} ${token ?? "(no token)"}`).toBe(400);
        expect(res.body.issues).toEqual([{ path: param, message: expect.stringMatching(/percent-encod/) }]);
      }
    }
    expectStatus(await h.call("GET", "/v1/health"), 200);
  });

  it("still decodes well-formed escapes", async () => {
    const res = await h.call("GET", "/v1/decisions/caf%C3%A9", h.viewer);
    // é is not allowed in an id: the route's own validation answers, naming the parameter.
    expectStatus(res, 400);
    expect(res.body.issues[0].path).toBe("id");
    expectStatus(await h.call("GET", "/v1/decisions/d%2Dmissing", h.viewer), 404);
  });
});

describe("dot segments", () => {
  it("refuses a path with . or .. (also %2e) instead of serving the route it resolves to", async () => {
    // /v1/agents/../trust would resolve to GET /v1/trust, a route of its own: sent as is (fetch would
    // resolve it on the client side first).
    for (const path of [
      "/v1/agents/../trust",
      "/v1/agents/%2e%2E/trust",
      "/v1/./trust",
      "/v1/decisions/..",
    ]) {
      const headers = { authorization: `Bearer ${h.viewer}` };
      const res = await send(h.server.url, { method: "GET", path, headers }, new Agent(), 30_000);
      expect(res.status, path).toBe(400);
      expect(JSON.parse(res.text).issues, path).toEqual([
        { path: "path", message: expect.stringMatching(/dot segments/) },
      ]);
    }
    expectStatus(await h.call("GET", "/v1/trust", h.viewer), 200);
  });
});

/** Send `size` bytes with node's http client; resolves with the status the server answered. */
function rawPost(size: number, chunked: boolean): Promise<{ status: number; body: string }> {
  const url = new URL("/v1/proposals", h.server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        headers: {
          "content-type": "application/json",
          ...(chunked ? {} : { "content-length": String(size) }),
        },
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    const write = () => {
      while (sent < size) {
        const n = Math.min(chunk.length, size - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) {
          req.once("drain", write);
          return;
        }
      }
      req.end();
    };
    write();
  });
}

describe("bodies over the limit", () => {
  const MB = 1024 * 1024;

  it("answers 413 to node's http client, with and without Content-Length, never a reset", async () => {
    for (const size of [5 * MB, 20 * MB]) {
      for (const chunked of [false, true]) {
        const res = await rawPost(size, chunked);
        expect(res.status, `${size} bytes, chunked=${chunked}`).toBe(413);
        expect(JSON.parse(res.body)).toMatchObject({ error: "too_large" });
      }
    }
  });

  it("answers 413 to fetch", async () => {
    for (const size of [5 * MB, 20 * MB]) {
      const res = await fetch(`${h.server.url}/v1/proposals`, {
        method: "POST",
        headers: {
          authorization: `Bearer ${await h.agent("big-writer")}`,
          "content-type": "application/json",
        },
        body: Buffer.alloc(size, "a"),
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ error: "too_large" });
    }
    // The server still serves.
    expectStatus(await h.call("GET", "/v1/health"), 200);
  });

  it("answers 413 from the API handler too (API Gateway hands it the whole body)", async () => {
    const res = await propose(h, { ...emailProposal("big-writer"), reasoning: "x".repeat(300 * 1024) });
    expectStatus(res, 413);
  });
});

describe("health ignores credentials", () => {
  it("answers 200 whatever token a request carries", async () => {
    expectStatus(await h.call("GET", "/v1/health", "hh_not-a-token"), 200);
    expectStatus(await h.call("GET", "/v1/health", h.viewer), 200);
    // Other routes still refuse unknown tokens.
    expectStatus(await h.call("GET", "/v1/approvals", "hh_not-a-token"), 401);
  });
});

describe("clock bounds", () => {
  it("refuses moves that leave the sane range, and the server keeps answering", async () => {
    const before = expectStatus(await h.call("GET", "/v1/health"), 200).time;
    for (const body of [
      { advanceMs: 9e15 },
      { advanceMs: 367 * 24 * 3_600_000 },
      { set: "0000-01-01T00:00:00Z" },
      { set: "1999-12-31T23:59:59Z" },
      { set: "2100-01-01T00:00:01Z" },
    ]) {
      const res = await h.call("POST", "/v1/admin/clock", h.admin, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.issues[0].path).toBe(Object.keys(body)[0]);
    }
    expect(expectStatus(await h.call("GET", "/v1/health"), 200).time).toBe(before);
    const moved = expectStatus(await h.call("POST", "/v1/admin/clock", h.admin, { advanceMs: 60_000 }), 200);
    expect(Date.parse(moved.now) - Date.parse(before)).toBe(60_000);
  });
});
