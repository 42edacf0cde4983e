/**
 * Through a real local server (the wire, not an event built by hand): a body is read only as the media
 * type it declares (415 otherwise, naming what is read), only if it is UTF-8 (400 naming `body`), and
 * no body or query key may be `__proto__`, `constructor` or `prototype` (400 naming the path). In each
 * case nothing is written.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectStatus, type Harness, seedAccount, startHarness } from "./helpers/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await seedAccount(h, "acme");
});
afterAll(() => h.close());

/** Exact bytes on the wire (fetch would re-encode what these tests send broken on purpose). */
function send(
  method: string,
  path: string,
  token: string,
  body: Buffer,
  contentType?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, h.server.url),
      {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          "content-length": String(body.length),
          ...(contentType ? { "content-type": contentType } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? JSON.parse(text) : undefined,
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const pauses = async () => expectStatus(await h.call("GET", "/v1/pauses", h.viewer), 200).items;
const jane = () => h.rt.deps.kb.getPerson("acme-jane");
/** Jane as PUT /v1/people/acme-jane takes her (what the store adds left out). */
const janeInput = async () => {
  const { personId: _p, updatedAt: _u, ...person } = (await jane()) as unknown as Record<string, unknown>;
  return person;
};

describe("media types", () => {
  it("answers 415 naming application/json to a JSON body declared as XML, a form or text, and acts on none", async () => {
    const body = Buffer.from(JSON.stringify({ scope: "global", reason: "mislabelled" }));
    for (const contentType of [
      "application/xml",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/yaml",
    ]) {
      const res = await send("POST", "/v1/pauses", h.admin, body, contentType);
      expect(res.status, contentType).toBe(415);
      expect(res.body).toMatchObject({ error: "unsupported_media_type", accepted: ["application/json"] });
      expect(res.body.message).toMatch(/send application\/json/);
      expect(res.headers.accept).toBe("application/json");
    }
    expect(await pauses()).toEqual([]);
    // Declared as JSON, or not declared at all, it is read.
    expectStatus(await send("POST", "/v1/pauses", h.admin, body, "application/json; charset=utf-8"), 201);
    expect(await pauses()).toHaveLength(1);
    const [pause] = await pauses();
    expectStatus(await h.call("DELETE", `/v1/pauses/${pause.pauseId}`, h.admin), 200);
  });

  it("reads a spec as YAML under application/yaml (as the README documents), but not as text/plain", async () => {
    const current = expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200);
    const { stringify } = await import("yaml");
    const yaml = Buffer.from(stringify({ ...current.spec, name: "media-type-test" }));
    const plain = await send("POST", "/v1/specs", h.admin, yaml, "text/plain");
    expect(plain.status).toBe(415);
    expect(plain.body.accepted).toContain("application/yaml");
    expect(expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200).version).toBe(
      current.version,
    );
    const published = expectStatus(await send("POST", "/v1/specs", h.admin, yaml, "application/yaml"), 201);
    expect(published.spec.name).toBe("media-type-test");
  });
});

describe("UTF-8", () => {
  it("answers 400 naming body to a body that is not UTF-8, instead of storing U+FFFD", async () => {
    const before = await jane();
    const [head, tail] = JSON.stringify({ ...(await janeInput()), title: "VP Sales@BAD@" }).split(
      "@BAD@",
    ) as [string, string];
    for (const bad of [[0xff], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82]]) {
      // Well-formed JSON but for the encoding of the title's last characters.
      const body = Buffer.concat([Buffer.from(head), Buffer.from(bad), Buffer.from(tail)]);
      const res = await send("PUT", "/v1/people/acme-jane", h.admin, body, "application/json");
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.issues).toEqual([{ path: "body", message: "not valid UTF-8" }]);
    }
    expect(await jane()).toEqual(before);
  });
});

describe("prototype keys", () => {
  it("answers 400 naming the path to __proto__, constructor or prototype in a body, and writes nothing", async () => {
    const before = await jane();
    const person = await janeInput();
    for (const [raw, path] of [
      [`{"__proto__":{"title":"CEO"},${JSON.stringify(person).slice(1)}`, "__proto__"],
      [JSON.stringify({ ...person, constructor: { prototype: {} } }), "constructor"],
    ] as const) {
      const res = await send("PUT", "/v1/people/acme-jane", h.admin, Buffer.from(raw), "application/json");
      expect(res.status, raw).toBe(400);
      expect(res.body.issues).toEqual([{ path, message: `object key ${path} is not allowed` }]);
    }
    expect(await jane()).toEqual(before);
  });

  it("answers 400 naming a query parameter called __proto__, constructor or prototype", async () => {
    for (const key of ["__proto__", "constructor", "prototype"]) {
      for (const path of ["/v1/approvals?limit=10", "/v1/explain?email=jane%40acme.io"]) {
        const res = await h.call("GET", `${path}&${key}=`, h.viewer);
        expect(res.status, `${path} ${key}`).toBe(400);
        expect(res.body.issues).toEqual([
          { path: `query.${key}`, message: `query parameter name ${key} is not allowed` },
        ]);
      }
    }
    expectStatus(await h.call("GET", "/v1/approvals?limit=10", h.viewer), 200);
  });
});
