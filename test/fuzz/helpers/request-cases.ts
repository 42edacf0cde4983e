/** Bad requests around the body: wrong methods, credentials, path parameters and query strings. */
import fc from "fast-check";
import {
  allowedAuth,
  base,
  exampleAgent,
  type FuzzCase,
  HUMAN_ROLES,
  ID,
  ID_CHARS,
  METHODS,
  methodsServed,
  paramNames,
  pathOf,
  queryOf,
  type RouteContext,
  request,
} from "./case.ts";
import { LINKEDIN, WRITER } from "./world.ts";

// ---- method ------------------------------------------------------------------------------------

export function methodCases(ctx: RouteContext): fc.Arbitrary<FuzzCase> {
  const b = base(ctx);
  const path = pathOf(ctx.route, b.params);
  // CONNECT is left out: node:http closes the socket of a CONNECT nobody handles, by design.
  const wrong = METHODS.filter((m) => !methodsServed(path).has(m));
  return fc
    .tuple(fc.constantFrom(...wrong), b.allowed)
    .map(([method, auth]) => request(ctx, `method ${method}`, { method }, auth));
}

// ---- auth --------------------------------------------------------------------------------------

const headerChar = fc
  .integer({ min: 0x20, max: 0xff })
  .filter((c) => c !== 0x7f)
  .map((c) => String.fromCharCode(c));
const headerText = fc.string({ unit: headerChar, maxLength: 120 });
const b64Char = fc.constantFrom(
  ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split(""),
);

function wrongAuth(ctx: RouteContext): fc.Arbitrary<[string, string]> {
  const { route, example: ex } = ctx;
  const roles = route.roles === "public" ? [] : route.roles;
  const wrongRoles = HUMAN_ROLES.filter((r) => !roles.includes(r)).map((r) => `token:${r}`);
  if (!roles.includes("agent")) wrongRoles.push(`token:agent:${WRITER}`, `token:agent:${LINKEDIN}`);
  // An agent credential acting as another agent, where the request names one (a body's agentId or
  // an {agentId} in the path); routes any agent may read (its own identity, the spec) have no other.
  else if (
    (ex?.body && (ex.body as { agentId?: unknown }).agentId !== undefined) ||
    route.path.includes("{agentId}")
  )
    wrongRoles.push(`token:agent:${exampleAgent(ex) === WRITER ? LINKEDIN : WRITER}`);
  if (ex?.reviewsAgent) wrongRoles.push(`token:impostor:${ex.reviewsAgent}`, "token:mixed");
  const allowedNames = allowedAuth(route, ex).map((a) => a.replace(/^token:/, ""));
  return fc.oneof(
    fc.constant<[string, string]>(["no credentials", "none"]),
    // Routes every role may call (its own identity, the spec) have no wrong role to try.
    ...(wrongRoles.length > 0
      ? [fc.constantFrom(...wrongRoles).map((a): [string, string] => ["a credential of the wrong role", a])]
      : []),
    fc
      .tuple(fc.constantFrom("expired", "revoked"), fc.constantFrom(...allowedNames))
      .map(([state, name]): [string, string] => [`an ${state} credential`, `token:${state}:${name}`]),
    fc
      .tuple(
        fc.constantFrom("suffix", "prefix", "truncate", "hash", "double", "comma", "basic", "lower"),
        fc.constantFrom(...allowedNames),
      )
      .map(([v, name]): [string, string] => [
        `a forged variant (${v}) of a real token`,
        `variant:${v}:${name}`,
      ]),
    fc
      .oneof(
        headerText,
        headerText.map((s) => `Bearer ${s}`),
        fc.string({ unit: b64Char, minLength: 32, maxLength: 32 }).map((s) => `Bearer hh_${s}`),
        fc.integer({ min: 1_000, max: 12_000 }).map((n) => `Bearer hh_${"A".repeat(n)}`),
        fc.constantFrom(
          "Bearer",
          "Bearer ",
          "Bearer null",
          "Bearer undefined",
          "Bearer [object Object]",
          "Bearer hh_",
          "Basic YWRtaW46YWRtaW4=",
          "Token hh_x",
          "Bearer \u00ff\u00fe",
        ),
      )
      .map((v): [string, string] => ["a garbage Authorization header", `header:${v}`]),
  );
}

export function authCases(ctx: RouteContext): fc.Arbitrary<FuzzCase> {
  return wrongAuth(ctx).map(([what, auth]) => request(ctx, what, {}, auth));
}

// ---- path --------------------------------------------------------------------------------------

const idString = fc.string({ unit: fc.constantFrom(...ID_CHARS), maxLength: 10 });
const hex = (n: number) => `%${n.toString(16).toUpperCase().padStart(2, "0")}`;

/** Segments no route may accept: each decodes to something outside the id alphabet, or not at all. */
const malformedSegment: fc.Arbitrary<[string, string]> = fc.oneof(
  fc
    .tuple(
      idString,
      fc.constantFrom(
        "%",
        "%%",
        "%2",
        "%G0",
        "%zz",
        "%E0%A4%A",
        "%C3%28",
        "%C3",
        "%ED%A0%80",
        "%F8%88%80%80%80",
        "%FF",
        "%C0%AF",
        "%E0%80%AF",
        "%F4%90%80%80",
        "%u0041",
        "%80",
      ),
      idString,
    )
    .map(([a, bad, c]): [string, string] => ["a bad % escape", `${a}${bad}${c}`]),
  fc
    .uint8Array({ minLength: 1, maxLength: 16 })
    .filter((bytes) => [...bytes].some((x) => !ID.test(String.fromCharCode(x))))
    .map((bytes): [string, string] => ["percent-encoded bytes", [...bytes].map(hex).join("")]),
  fc
    .string({ unit: "grapheme", minLength: 1, maxLength: 16 })
    .filter((s) => !ID.test(s))
    .map((s): [string, string] => ["unicode or punctuation", encodeURIComponent(s)]),
  fc
    .string({
      unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
      minLength: 1,
      maxLength: 8,
    })
    .map((s): [string, string] => ["raw latin-1 bytes", s]),
  fc.integer({ min: 129, max: 20_000 }).map((n): [string, string] => ["a huge id", "a".repeat(n)]),
  fc
    .constantFrom("..", ".", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "%2e")
    .map((s): [string, string] => ["a dot segment", s]),
  fc
    .constantFrom(
      "DECISION%23x",
      "%00",
      "a%00b",
      "%0A",
      "a%0D%0Ab",
      "%20",
      "a%20b",
      "%27",
      "%22",
      "%3Cscript%3E",
      "%24%7Bjndi%3Aldap%3A%2F%2Fx%7D",
      "..%2F..%2Fetc%2Fpasswd",
      "%2F",
      "%5C",
      "%2e%2e%2f",
      "a%3Fb%3Dc",
      "%23frag",
      "*",
      "(",
      "!",
      "~",
      "'",
      "$",
      "&",
      "+",
      "=",
      ",",
      ";",
    )
    .map((s): [string, string] => ["an injection attempt", s]),
);

/** A well-formed value of the example's shape that names nothing in the world. */
function forgedSegment(exampleValue: string, knownIds: string[]): fc.Arbitrary<[string, string]> {
  if (/^\d+$/.test(exampleValue))
    return fc
      .oneof(
        fc.integer({ min: 1_000, max: 2_000_000_000 }).map(String),
        fc.constantFrom("1e6", "0x7fffffff", "9007199254740993", "1e300"),
      )
      .map((s): [string, string] => ["an unknown number", s]);
  if (/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/.test(exampleValue))
    return fc
      .stringMatching(/^[a-z]{1,8}$/)
      .map((s): [string, string] => ["an unknown action type", `zz${s}.send`]);
  return idString
    .map((s) => `fz${s}`)
    .filter((s) => !knownIds.includes(s))
    .map((s): [string, string] => ["an unknown id", encodeURIComponent(s)]);
}

export function pathCases(ctx: RouteContext): fc.Arbitrary<FuzzCase> {
  const names = paramNames(ctx.route);
  const b = base(ctx);
  return fc.tuple(fc.constantFrom(...names), b.allowed).chain(([name, auth]) => {
    const forgeable = ctx.example?.mustExist?.includes(name) ?? false;
    const value = forgeable
      ? fc.oneof(malformedSegment, forgedSegment(ctx.example?.params[name] ?? "x", ctx.knownIds))
      : malformedSegment;
    return value.map(([what, raw]) =>
      request(ctx, `${what} in {${name}}`, { params: { [name]: raw } }, auth),
    );
  });
}

// ---- query -------------------------------------------------------------------------------------

/** Every query key some route reads, so that an "unknown" key is unknown everywhere. */
const QUERY_KEYS = ["accountId", "personId", "agentId", "status", "limit", "cursor", "email", "since"];
const unknownKey = fc.oneof(
  fc.constantFrom("toString", "hasOwnProperty", "", "limit[]", "LIMIT", "AgentId", "cursor[]"),
  fc
    .stringMatching(/^[a-z]{1,10}$/)
    .filter((k) => !QUERY_KEYS.includes(k) && k !== "constructor" && k !== "prototype"),
);
const BAD_LIMITS = [
  "0",
  "-1",
  "101",
  "1000",
  "1e9",
  "abc",
  "",
  "NaN",
  "Infinity",
  "-Infinity",
  "1.5",
  "2.000001",
  "1e-200",
  "9007199254740993",
  "\u0967",
];
const BAD_VALUES = [
  "a b",
  "<x>",
  "'; DROP TABLE x;--",
  "\u0000",
  "DECISION#x",
  "%",
  "\u00e9",
  "\ufffd",
  "a/b",
  "*",
];
const b64url = (s: string) => Buffer.from(s, "utf8").toString("base64url");

/** Cursors this API never issued. */
const forgedCursor: fc.Arbitrary<string> = fc.oneof(
  fc
    .record({
      id: idString,
      agent: fc.constantFrom(WRITER, LINKEDIN, "x"),
      status: fc.constantFrom("pending_approval", "scheduled", "x"),
    })
    .chain(({ id, agent, status }) =>
      fc.constantFrom(
        b64url(
          JSON.stringify({
            pk: `DECISION#${id}`,
            sk: "DECISION",
            byAgentPk: `AGENT#${agent}`,
            byAgentSk: `2026-03-10T14:00:00.000Z#${id}`,
          }),
        ),
        b64url(
          JSON.stringify({
            pk: `DECISION#${id}`,
            sk: "DECISION",
            byStatusPk: `STATUS#${status}`,
            byStatusSk: `2026-03-10T14:00:00.000Z#${id}`,
          }),
        ),
        b64url(JSON.stringify({ pk: { S: id }, sk: 1 })),
        b64url(JSON.stringify({ pk: `ACCOUNT#${id}`, sk: "PROFILE" })),
      ),
    ),
  fc.string({ unit: b64Char, minLength: 1, maxLength: 200 }),
  fc.constantFrom("null", "[]", "1", '"x"', "{}", '{"__proto__":{"x":1}}', '{"pk":1e200}').map(b64url),
  fc.integer({ min: 2_001, max: 6_000 }).map((n) => "A".repeat(n)),
  fc.constantFrom("%E0%A4%A", "....", "=", "a b"),
);

export function queryCases(ctx: RouteContext): fc.Arbitrary<FuzzCase> {
  const b = base(ctx);
  const q = b.query;
  const keys = Object.keys(q);
  // Free text (a search query) takes "a b" and "<x>" as well as any words: only its length and
  // emptiness can be wrong.
  const freeText = ctx.example?.freeTextQuery ?? [];
  const strict = keys.filter((k) => !freeText.includes(k));
  const required = ctx.example?.requiredQuery ?? [];
  const mutations: fc.Arbitrary<[string, string]>[] = [
    fc
      .tuple(unknownKey, fc.string({ maxLength: 20 }))
      .map(([k, v]): [string, string] => [`an unknown query key "${k}"`, queryOf({ ...q, [k]: v })]),
    fc
      .constantFrom(...BAD_LIMITS)
      .map((v): [string, string] => [`limit=${JSON.stringify(v)}`, queryOf({ ...q, limit: v })]),
    forgedCursor.map((v): [string, string] => ["a forged cursor", queryOf({ ...q, cursor: v })]),
    ...(strict.length
      ? [
          fc
            .tuple(
              fc.constantFrom(...strict),
              fc.oneof(
                fc.constantFrom(...BAD_VALUES),
                fc.integer({ min: 129, max: 3000 }).map((n) => "x".repeat(n)),
              ),
            )
            .map(([k, v]): [string, string] => [`a bad value for ${k}`, queryOf({ ...q, [k]: v })]),
        ]
      : []),
    ...(freeText.length
      ? [
          fc
            .tuple(
              fc.constantFrom(...freeText),
              fc.oneof(
                fc.constant(""),
                fc.integer({ min: 501, max: 3000 }).map((n) => "x".repeat(n)),
              ),
            )
            .map(([k, v]): [string, string] => [`a bad value for ${k}`, queryOf({ ...q, [k]: v })]),
        ]
      : []),
    fc
      .tuple(fc.constantFrom(...keys), fc.constantFrom("%E0%A4%A", "%FF", "%", "%C3%28"))
      .map(([k, raw]): [string, string] => [
        `a bad % escape in ${k}`,
        `${queryOf(q)}&${encodeURIComponent(k)}=${raw}`,
      ]),
  ];
  if (required.length)
    mutations.push(
      fc.constantFrom(...required).map((k): [string, string] => {
        const { [k]: _gone, ...rest } = q;
        return [`query without ${k}`, queryOf(rest)];
      }),
    );
  return fc
    .tuple(fc.oneof(...mutations), b.allowed)
    .map(([[what, query], auth]) => request(ctx, what, { query }, auth));
}
