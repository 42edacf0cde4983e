/** Bad JSON bodies: values beyond the JSON limits anywhere, and mutations against the route's schema. */
import fc from "fast-check";
import { base, type FuzzCase, queryOf, type RouteContext, request } from "./case.ts";
import { addKey, get, type Json, jsonType, nodes, type Path, under, update } from "./json.ts";

// ---- bodies: JSON limits -----------------------------------------------------------------------

/** Values a JSON body may never carry, wherever they are (DynamoDB could not store them). */
export const limitValue: fc.Arbitrary<[string, Json]> = fc.oneof(
  fc
    .record({
      depth: fc.integer({ min: 33, max: 3_000 }),
      kind: fc.constantFrom("array", "object") as fc.Arbitrary<"array" | "object">,
    })
    .map(({ depth, kind }): [string, Json] => [
      `${kind}s nested ${depth} deep`,
      { $nest: depth, kind, leaf: 1 },
    ]),
  fc
    .constantFrom(1e200, -1e200, 1.7976931348623157e308, 1e126, -1e126)
    .map((n): [string, Json] => ["a number beyond DynamoDB's range", n]),
  fc
    .constantFrom(1e-200, -1e-200, 1e-131, 5e-324)
    .map((n): [string, Json] => ["a number too small for DynamoDB", n]),
  fc
    .constantFrom("9007199254740993", "-9007199254740993", "18446744073709551616", "9007199254740992", "1e21")
    .map((s): [string, Json] => ["an integer beyond 2^53", { $raw: s }]),
);

export function limitsCases(ctx: RouteContext): fc.Arbitrary<FuzzCase> {
  const b = base(ctx);
  const body = b.body ?? {};
  const { objects, leaves, arrays } = nodes(body);
  const ops: fc.Arbitrary<[string, Json, boolean?]>[] = [
    fc
      .tuple(fc.constantFrom(...objects), fc.stringMatching(/^[a-z]{1,8}$/), limitValue)
      .map(([at, key, [what, v]]) => [
        `${what} at ${at.join(".") || "(root)"}.${key}`,
        addKey(body, at, key, v),
      ]),
    fc
      .tuple(fc.constantFrom(...objects), fc.constantFrom<Json>(1, "x", {}, []))
      .map(([at, v]) => [`an empty key at ${at.join(".") || "(root)"}`, addKey(body, at, "", v)]),
    fc
      .tuple(
        fc.oneof(
          { weight: 6, arbitrary: fc.integer({ min: 300_000, max: 700_000 }) },
          { weight: 1, arbitrary: fc.constantFrom(5_000_000, 6_000_000) },
        ),
        fc.boolean(),
      )
      .map(([n, chunked]) => [
        `a ${n}-byte body${chunked ? ", chunked" : ""}`,
        addKey(body, [], "pad", { $repeat: "x", n }),
        chunked,
      ]),
  ];
  if (leaves.length)
    ops.push(
      fc
        .tuple(fc.constantFrom(...leaves), limitValue)
        .map(([at, [what, v]]) => [`${what} at ${at.join(".")}`, update(body, at, () => v)]),
    );
  if (arrays.length)
    ops.push(
      fc
        .tuple(fc.constantFrom(...arrays), limitValue)
        .map(([at, [what, v]]) => [
          `${what} in ${at.join(".")}[]`,
          update(body, at, (old) => [...((old as Json[]) ?? []), v]),
        ]),
    );
  const asYaml = ctx.example?.yaml ? fc.boolean() : fc.constant(false);
  return fc
    .tuple(fc.oneof(...ops), b.allowed, asYaml)
    .map(([[what, json, chunked], auth, yaml]) =>
      request(
        ctx,
        `${what}${yaml ? " (as YAML)" : ""}`,
        yaml
          ? { body: { yaml: json }, contentType: "application/yaml", ...(chunked ? { chunked } : {}) }
          : { body: { json }, ...(chunked ? { chunked } : {}) },
        auth,
      ),
    );
}

// ---- bodies: schema ----------------------------------------------------------------------------

const EXTRA_KEYS = ["toString", "valueOf", "hasOwnProperty", "verdict", "decisionId", "pk", "sk", "$where"];

const otherType = (v: unknown): fc.Arbitrary<Json> => {
  const t = jsonType(v);
  const pool: fc.Arbitrary<Json>[] = [];
  if (t !== "string") pool.push(fc.constantFrom("", "x", "3", "true", "null"));
  if (t !== "number") pool.push(fc.constantFrom(0, 1, -1, 3, 0.5));
  if (t !== "boolean") pool.push(fc.boolean());
  if (t !== "array") pool.push(fc.constantFrom<Json>([], ["x"], [1]));
  if (t !== "object") pool.push(fc.constantFrom<Json>({}, { x: 1 }));
  return fc.oneof(...pool);
};

const protoValue: Json = {
  $entries: [
    ["polluted", true],
    ["isAdmin", true],
  ],
};

export function schemaCases(ctx: RouteContext): fc.Arbitrary<FuzzCase> {
  const ex = ctx.example!;
  const body = ex.body as Json;
  const free = ex.free ?? [];
  const all = nodes(body);
  const strictObjects = all.objects.filter((p) => !under(p, free));
  const typedLeaves = [
    ...all.leaves,
    ...all.arrays.filter((p) => p.length > 0),
    ...all.objects.filter((p) => p.length > 0),
  ].filter((p) => !under(p, free));
  const ops: fc.Arbitrary<[string, Json]>[] = [];
  if (ex.required?.length)
    ops.push(
      fc.constantFrom(...ex.required).map((dottedPath): [string, Json] => {
        const path: Path = dottedPath
          .split(/\.|\[(\d+)\]/)
          .filter(Boolean)
          .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
        return [`without ${dottedPath}`, update(body, path, () => undefined)];
      }),
    );
  if (typedLeaves.length)
    ops.push(
      fc
        .constantFrom(...typedLeaves)
        .chain((at) =>
          otherType(get(body, at)).map((v): [string, Json] => [
            `a ${jsonType(v)} at ${at.join(".")}`,
            update(body, at, () => v),
          ]),
        ),
    );
  if (strictObjects.length)
    ops.push(
      fc
        .tuple(
          fc.constantFrom(...strictObjects),
          fc.oneof(fc.constantFrom(...EXTRA_KEYS), fc.stringMatching(/^x_[a-z]{1,8}$/)),
        )
        .map(([at, key]): [string, Json] => [
          `an unknown key ${key} at ${at.join(".") || "(root)"}`,
          addKey(body, at, key, { fuzz: true }),
        ]),
    );
  const freeStrings = all.leaves.filter((p) => under(p, free) && typeof get(body, p) === "string");
  if (freeStrings.length)
    ops.push(
      fc
        .tuple(fc.constantFrom(...freeStrings), fc.integer({ min: 33_000, max: 250_000 }))
        .map(([at, n]): [string, Json] => [
          `a ${n}-character string at ${at.join(".")}`,
          update(body, at, () => ({ $repeat: "x", n })),
        ]),
    );
  if (ex.invalid?.length)
    ops.push(
      fc.constantFrom(...ex.invalid).map((v): [string, Json] => ["a hand-written invalid body", v as Json]),
    );
  const asYaml = ex.yaml ? fc.boolean() : fc.constant(false);
  return fc
    .tuple(fc.oneof(...ops), base(ctx).allowed, asYaml)
    .map(([[what, json], auth, yaml]) =>
      request(
        ctx,
        `${what}${yaml ? " (as YAML)" : ""}`,
        yaml ? { body: { yaml: json }, contentType: "text/yaml" } : { body: { json } },
        auth,
      ),
    );
}

// ---- prototype keys ----------------------------------------------------------------------------

export const PROTO_KEYS = ["__proto__", "constructor", "prototype"] as const;

/**
 * `__proto__`, `constructor` and `prototype` as keys anywhere in a body (free payloads included), or
 * in the query string: a request must not be able to name them. Assigned to a plain object they are
 * dropped or rewire its prototype instead of being refused.
 */
export function prototypeKeyCases(ctx: RouteContext): fc.Arbitrary<FuzzCase> {
  const b = base(ctx);
  if (b.body === undefined)
    return fc
      .tuple(fc.constantFrom(...PROTO_KEYS), fc.constantFrom("", "x", "1"), b.allowed)
      .map(([key, value, auth]) =>
        request(ctx, `a ${key} query key`, { query: queryOf({ ...b.query, [key]: value }) }, auth),
      );
  const body = b.body;
  return fc
    .tuple(fc.constantFrom(...nodes(body).objects), fc.constantFrom(...PROTO_KEYS), b.allowed)
    .map(([at, key, auth]) =>
      request(
        ctx,
        `a ${key} key at ${at.join(".") || "(root)"}`,
        { body: { json: addKey(body, at, key, protoValue) } },
        auth,
      ),
    );
}
