/** Bad bodies as bytes: unreadable text and YAML, mislabelled or broken encodings, stray bodies. */
import fc from "fast-check";
import { base, type FuzzCase, type RawText, type RouteContext, request } from "./case.ts";
import { addKey, get, type Json, jsonType, nodes, update } from "./json.ts";
import { limitValue } from "./json-cases.ts";

// ---- bodies: garbage ---------------------------------------------------------------------------

/** Text a lenient reader could still take for a JSON object (or for no body at all) is not garbage. */
const notAnObject = (s: string) => {
  try {
    const v = JSON.parse(s);
    return v !== null && (typeof v !== "object" || Array.isArray(v));
  } catch {
    return s.trim() !== "";
  }
};

/** Text no JSON reader takes. */
const notJson = (s: string) => {
  try {
    JSON.parse(s);
    return false;
  } catch {
    return s.trim() !== "";
  }
};

/** YAML that no route may take, whatever it expects: unreadable, or beyond the JSON limits once read. */
const YAML_REFUSED: [string, RawText[]][] = [
  [
    "a billion-laughs alias bomb",
    [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n',
      ...["b", "c", "d", "e", "f", "g", "h", "i"].map(
        (k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(",")}]\n`,
      ),
    ],
  ],
  ["a self-referencing alias (a cycle)", ["a: &a [*a]\n"]],
  ["duplicate keys", ["name: a\nname: b\n"]],
  ["two YAML documents", ["---\nname: a\n---\nname: b\n"]],
  ["tab indentation", ["name: x\n\tworkspace: y\n"]],
];
/** YAML that reads fine but is no spec. */
const YAML_NOT_A_SPEC: [string, RawText[]][] = [
  ["an unknown YAML tag", ["name: !!js/function 'function(){ return 1 }'\n"]],
  ["a python object tag", ["name: !!python/object/apply:os.system ['ls']\n"]],
  ["a YAML merge key", ["base: &b {name: x}\nspec:\n  <<: *b\n"]],
];

function yamlAttack(refusedAnywhere = false): fc.Arbitrary<[string, RawText[]]> {
  return fc.oneof(
    fc.constantFrom(...YAML_REFUSED, ...(refusedAnywhere ? [] : YAML_NOT_A_SPEC)),
    fc
      .record({
        n: fc.integer({ min: 33, max: 20_000 }),
        kind: fc.constantFrom("flow sequences", "flow maps", "block sequences"),
      })
      .map(({ n, kind }): [string, RawText[]] => [
        `YAML ${kind} nested ${n} deep`,
        kind === "flow sequences"
          ? [
              { $repeat: "[", n },
              { $repeat: "]", n },
            ]
          : kind === "flow maps"
            ? [{ $repeat: "{a: ", n }, "1", { $repeat: "}", n }]
            : [{ $repeat: "- ", n }, "x"],
      ]),
    fc
      .integer({ min: 260_000, max: 600_000 })
      .map((n): [string, RawText[]] => [`a ${n}-character YAML scalar`, ["name: ", { $repeat: "x", n }]]),
  );
}

export function garbageCases(ctx: RouteContext): fc.Arbitrary<FuzzCase> {
  // Where the schema is unknown the route may ignore its body: only text no reader takes is garbage.
  const garbage = ctx.example?.body !== undefined ? notAnObject : notJson;
  const b = base(ctx);
  const text = JSON.stringify(b.body ?? {});
  const families: fc.Arbitrary<[string, Partial<FuzzCase>]>[] = [
    fc
      .string({ maxLength: 120 })
      .filter(garbage)
      .map((s): [string, Partial<FuzzCase>] => ["text that is not a JSON object", { body: { raw: [s] } }]),
    fc
      .integer({ min: 1, max: Math.max(1, text.length - 1) })
      .map((n): [string, Partial<FuzzCase>] => [
        `the valid body cut at ${n}`,
        { body: { raw: [text.slice(0, n)] } },
      ]),
    fc
      .constantFrom("x", "}", ",", " {}", "\u0000", "//", "]")
      .map((t): [string, Partial<FuzzCase>] => [
        `trailing ${JSON.stringify(t)}`,
        { body: { raw: [text, t] } },
      ]),
    fc
      .uint8Array({ minLength: 1, maxLength: 64 })
      .filter((bytes) => garbage(Buffer.from(bytes).toString("utf8")))
      .map((bytes): [string, Partial<FuzzCase>] => ["random bytes", { body: { bytes: [...bytes] } }]),
    fc
      .constantFrom(
        "{",
        "{'a':1}",
        "{a:1}",
        '{"a":NaN}',
        '{"a":Infinity}',
        '{"a":undefined}',
        '{"a":1,}',
        "\ufeff{}",
        "{/*c*/}",
        "[1,2",
        '"unterminated',
        '{"a":"\\u12"}',
        '{"a":"\\x41"}',
        '{"a":01}',
        '{"a":.5}',
        '{"a":+1}',
        '{"a":0x10}',
      )
      .map((s): [string, Partial<FuzzCase>] => [`not JSON: ${s}`, { body: { raw: [s] } }]),
  ];
  // A JSON value of the wrong shape is garbage only where the route's schema is known to want an
  // object: a route without an example may well ignore its body.
  if (ctx.example?.body !== undefined)
    families.push(
      fc
        .constantFrom<Json>([], [b.body ?? {}], "a string", 42, true, 0)
        .map((v): [string, Partial<FuzzCase>] => [
          `a JSON ${jsonType(v)} instead of an object`,
          { body: { json: v } },
        ]),
    );
  if (ctx.example?.yaml)
    families.push(
      fc
        .tuple(
          yamlAttack(),
          fc.constantFrom("text/yaml", "application/yaml", "application/x-yaml", "text/plain"),
        )
        .map(([[what, raw], contentType]): [string, Partial<FuzzCase>] => [
          what,
          { body: { raw }, contentType },
        ]),
    );
  return fc
    .tuple(fc.oneof(...families), b.allowed)
    .map(([[what, over], auth]) => request(ctx, what, over, auth));
}

// ---- content type, encoding, header size -----------------------------------------------------------------------------------

/**
 * Media types that are neither JSON nor YAML (the edge reads YAML for every route, and JSON is YAML,
 * so `text/yaml` or `text/plain` on a JSON body tells the truth). A body declared as one of these must
 * not be read as JSON.
 */
const LIES = [
  "application/xml",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=fuzz",
  "text/html",
  "application/octet-stream",
  "image/png",
];

const BAD_UTF8 = [
  [0xff],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0x80],
  [0xe2, 0x82],
];

/** A valid body declared as something it is not. */
export function contentTypeCases(ctx: RouteContext): fc.Arbitrary<FuzzCase> {
  const b = base(ctx);
  const families: fc.Arbitrary<[string, Partial<FuzzCase>]>[] = [
    fc
      .constantFrom(...LIES)
      .map((contentType): [string, Partial<FuzzCase>] => [
        `a JSON body sent as ${contentType}`,
        { contentType },
      ]),
  ];
  if (ctx.example?.yaml)
    families.push(
      fc.constant<[string, Partial<FuzzCase>]>([
        "a YAML body sent as application/json",
        { body: { yaml: b.body ?? {} }, contentType: "application/json" },
      ]),
    );
  return fc
    .tuple(fc.oneof(...families), b.allowed)
    .map(([[what, over], auth]) => request(ctx, what, over, auth));
}

/** A valid body whose UTF-8 is broken in one string (or key). */
export function encodingCases(ctx: RouteContext): fc.Arbitrary<FuzzCase> {
  const b = base(ctx);
  const body = b.body ?? {};
  const strings = nodes(body).leaves.filter((p) => typeof get(body, p) === "string");
  return fc
    .tuple(
      fc.constantFrom(...BAD_UTF8),
      strings.length ? fc.constantFrom(...strings) : fc.constant(null),
      b.allowed,
    )
    .map(([bytes, at, auth]) =>
      at
        ? request(
            ctx,
            `invalid UTF-8 in ${at.join(".")}`,
            { body: { json: update(body, at, (old) => ({ $badUtf8: bytes, text: String(old) })) } },
            auth,
          )
        : request(
            ctx,
            "invalid UTF-8 in a key",
            { body: { json: addKey(body, [], "k", { $badUtf8: bytes, text: "" }) } },
            auth,
          ),
    );
}

/** A valid request with a header past the server's header limit. */
export function headerSizeCases(ctx: RouteContext): fc.Arbitrary<FuzzCase> {
  return fc
    .tuple(fc.integer({ min: 17_000, max: 60_000 }), base(ctx).allowed)
    .map(([n, auth]) => request(ctx, `a ${n}-byte header`, { bigHeader: n }, auth));
}

// ---- stray bodies ------------------------------------------------------------------------------

/**
 * Routes that take no body still read one if it is sent (the edge parses before the route runs), so
 * a body no route could accept must be refused there too — health included, without credentials.
 */
export function strayBodyCases(ctx: RouteContext): fc.Arbitrary<FuzzCase> {
  const families: fc.Arbitrary<[string, Partial<FuzzCase>]>[] = [
    fc
      .tuple(yamlAttack(true), fc.constantFrom("text/yaml", "application/yaml", "text/plain"))
      .map(([[what, raw], contentType]): [string, Partial<FuzzCase>] => [
        what,
        { body: { raw }, contentType },
      ]),
    limitValue.map(([what, v]): [string, Partial<FuzzCase>] => [
      what,
      { body: { json: { k: v } }, contentType: "application/json" },
    ]),
    fc
      .constantFrom("{", "{'a':1}", '{"a":NaN}', "[1,2", "\ufeff{}", '{"a":1,}')
      .map((s): [string, Partial<FuzzCase>] => [
        `not JSON: ${s}`,
        { body: { raw: [s] }, contentType: "application/json" },
      ]),
  ];
  return fc
    .tuple(fc.oneof(...families), base(ctx).allowed)
    .map(([[what, over], auth]) => request(ctx, `a body on ${ctx.route.method}: ${what}`, over, auth));
}
