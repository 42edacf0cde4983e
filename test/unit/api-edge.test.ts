/**
 * What the API handler (the one API Gateway invokes and the local server calls) does with a body before
 * any route runs: the declared media type must be one the route reads (else 415 naming the accepted
 * types), the bytes must be UTF-8 (else 400 naming `body`), and no key of the body or of the query may
 * name prototype machinery (else 400 naming the path). Routes here record whether they ran.
 */
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { beforeEach, describe, expect, it } from "vitest";
import { parseUntrustedYaml } from "../../shared/domain/yaml.ts";
import { createApi } from "../../shared/http/api.ts";
import type { AppDeps, Route } from "../../shared/http/routes.ts";

const ran: { path: string; body: unknown; query: Record<string, string> }[] = [];

const echo = (method: Route["method"], path: string, extra: Partial<Route> = {}): Route => ({
  method,
  path,
  group: "health",
  roles: "public",
  ...extra,
  run: async (req) => {
    ran.push({ path, body: req.body, query: req.query });
    return { status: 200, body: { body: req.body ?? null } };
  },
});

const routes: Route[] = [
  echo("POST", "/json"),
  echo("GET", "/read"),
  echo("POST", "/spec", { accepts: ["json", "yaml"], readYaml: parseUntrustedYaml }),
];
const api = createApi({ clock: { now: () => 0 } } as unknown as AppDeps, { routes, log: () => {} });

/** As API Gateway sends it; bytes go base64-encoded, as they do for the local server. */
function call(
  method: string,
  path: string,
  opts: { body?: string | Buffer; contentType?: string; query?: Record<string, string> } = {},
) {
  const bytes = typeof opts.body === "string" ? Buffer.from(opts.body, "utf8") : opts.body;
  const event = {
    version: "2.0",
    routeKey: "$default",
    rawPath: path,
    rawQueryString: "",
    headers: opts.contentType === undefined ? {} : { "content-type": opts.contentType },
    ...(opts.query ? { queryStringParameters: opts.query } : {}),
    requestContext: { http: { method, path }, requestId: "t" },
    ...(bytes ? { body: bytes.toString("base64"), isBase64Encoded: true } : { isBase64Encoded: false }),
  } as unknown as APIGatewayProxyEventV2;
  return api(event).then((r) => ({
    status: r.statusCode,
    headers: r.headers ?? {},
    body: JSON.parse(r.body),
  }));
}

beforeEach(() => {
  ran.length = 0;
});

describe("media types", () => {
  it("answers 415 naming application/json to a body declared as anything else, before the route runs", async () => {
    for (const contentType of [
      "application/xml",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "text/html",
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/octet-stream",
      "image/png",
      "application/jsonx",
      "application/merge-patch+json",
      // YAML only where a route documents it (the spec route).
      "application/yaml",
      "text/yaml",
      // Bodies are UTF-8, and JSON is UTF-8 (RFC 8259): another charset is another encoding.
      "application/json; charset=iso-8859-1",
      "application/json; charset=utf-16",
    ]) {
      const res = await call("POST", "/json", { body: '{"a":1}', contentType });
      expect(res.status, contentType).toBe(415);
      expect(res.body.error).toBe("unsupported_media_type");
      expect(res.body.message, contentType).toMatch(/application\/json/);
      expect(res.body.accepted).toEqual(["application/json"]);
      expect(res.headers.accept).toBe("application/json");
    }
    expect(ran).toEqual([]);
  });

  it("reads JSON declared as application/json (any case, UTF-8 charset) or declared as nothing", async () => {
    for (const contentType of [
      "application/json",
      "Application/JSON; charset=UTF-8",
      'application/json;charset="utf-8"',
      undefined,
    ]) {
      const res = await call("POST", "/json", { body: '{"a":1}', ...(contentType ? { contentType } : {}) });
      expect(res.status, contentType).toBe(200);
      expect(res.body).toEqual({ body: { a: 1 } });
    }
  });

  it("the spec route reads YAML under the YAML media types, and still refuses text/plain", async () => {
    for (const contentType of ["application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"]) {
      const res = await call("POST", "/spec", { body: "name: x\nlist: [1, 2]\n", contentType });
      expect(res.status, contentType).toBe(200);
      expect(res.body).toEqual({ body: { name: "x", list: [1, 2] } });
    }
    expect(
      (await call("POST", "/spec", { body: '{"name":"x"}', contentType: "application/json" })).body,
    ).toEqual({ body: { name: "x" } });
    ran.length = 0;
    for (const contentType of ["text/plain", "application/xml"]) {
      const res = await call("POST", "/spec", { body: "name: x\n", contentType });
      expect(res.status, contentType).toBe(415);
      expect(res.body.accepted).toEqual([
        "application/json",
        "application/yaml",
        "application/x-yaml",
        "text/yaml",
        "text/x-yaml",
      ]);
      expect(res.headers.accept).toBe(
        "application/json, application/yaml, application/x-yaml, text/yaml, text/x-yaml",
      );
    }
    expect(ran).toEqual([]);
  });

  it("checks nothing when there is no body to misread", async () => {
    expect((await call("POST", "/json", { contentType: "application/xml" })).status).toBe(200);
    expect((await call("GET", "/read", { contentType: "text/plain" })).status).toBe(200);
  });
});

describe("UTF-8", () => {
  const BAD = [
    [0xff],
    [0xc0, 0xaf],
    [0xed, 0xa0, 0x80],
    [0xf8, 0x88, 0x80, 0x80, 0x80],
    [0x80],
    [0xe2, 0x82],
  ];

  it("answers 400 naming body to bytes that are not UTF-8, instead of storing U+FFFD", async () => {
    for (const bad of BAD) {
      const body = Buffer.concat([Buffer.from('{"a":"x'), Buffer.from(bad), Buffer.from('"}')]);
      const res = await call("POST", "/json", { body, contentType: "application/json" });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.issues).toEqual([{ path: "body", message: "not valid UTF-8" }]);
      const yaml = Buffer.concat([Buffer.from("name: x"), Buffer.from(bad), Buffer.from("\n")]);
      expect((await call("POST", "/spec", { body: yaml, contentType: "application/yaml" })).status).toBe(400);
    }
    expect(ran).toEqual([]);
  });

  it("keeps a byte-order mark, which JSON does not allow, and reads ordinary non-ASCII text", async () => {
    expect((await call("POST", "/json", { body: "\ufeff{}", contentType: "application/json" })).status).toBe(
      400,
    );
    const res = await call("POST", "/json", { body: '{"a":"émoji 👍 ü"}', contentType: "application/json" });
    expect(res.body).toEqual({ body: { a: "émoji 👍 ü" } });
  });
});

describe("prototype keys", () => {
  it("answers 400 naming the path to __proto__, constructor or prototype anywhere in a body", async () => {
    const cases: [string, string, string, string][] = [
      ["/json", "application/json", '{"a":{"__proto__":{"x":1}}}', "a.__proto__"],
      ["/json", "application/json", '{"list":[{"constructor":1}]}', "list[0].constructor"],
      ["/json", "application/json", '{"prototype":null}', "prototype"],
      ["/spec", "application/yaml", "name: x\n__proto__: {admin: true}\n", "__proto__"],
    ];
    for (const [path, contentType, body, named] of cases) {
      const res = await call("POST", path, { body, contentType });
      expect(res.status, body).toBe(400);
      expect(res.body.issues, body).toEqual([
        { path: named, message: expect.stringMatching(/is not allowed/) },
      ]);
    }
    expect(ran).toEqual([]);
  });

  it("answers 400 naming the query parameter when it is __proto__, constructor or prototype", async () => {
    for (const key of ["__proto__", "constructor", "prototype"]) {
      // As API Gateway hands it over: a JSON object, where `__proto__` is an own key.
      const query = JSON.parse(`{"limit":"10",${JSON.stringify(key)}:"1"}`);
      const res = await call("GET", "/read", { query });
      expect(res.status, key).toBe(400);
      expect(res.body.issues).toEqual([
        { path: `query.${key}`, message: `query parameter name ${key} is not allowed` },
      ]);
    }
    expect(ran).toEqual([]);
    expect((await call("GET", "/read", { query: { limit: "10" } })).status).toBe(200);
    expect(ran[0]?.query).toEqual({ limit: "10" });
  });
});
