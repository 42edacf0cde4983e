import { describe, expect, it } from "vitest";
import { ValidationError } from "../../shared/domain/errors.ts";
import {
  assertJsonLimits,
  JSON_LIMITS,
  jsonLimitIssues,
  keyIssue,
  rawQueryIssues,
} from "../../shared/domain/json-limits.ts";

const nest = (levels: number, leaf: unknown = 1): unknown => {
  let v: unknown = leaf;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
};

describe("JSON limits", () => {
  it("accepts ordinary bodies", () => {
    expect(
      jsonLimitIssues({
        proposalId: "p-1",
        confidence: 0.82,
        count: 3,
        zero: 0,
        negative: -12.5,
        tiny: 1e-100,
        big: Number.MAX_SAFE_INTEGER,
        list: [1, "two", { three: [true, null] }],
        text: "émoji 👍 fine",
        "key with spaces": 1,
      }),
    ).toEqual([]);
    expect(jsonLimitIssues(nest(JSON_LIMITS.maxDepth))).toEqual([]);
  });

  it("names the path nested past the depth limit", () => {
    const issues = jsonLimitIssues({ payload: nest(JSON_LIMITS.maxDepth) });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe(`payload${".a".repeat(JSON_LIMITS.maxDepth - 1)}`);
    expect(issues[0]?.message).toMatch(/nested deeper than 16 levels/);
    // Arrays count as levels too; a very deep body is checked without recursion.
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jsonLimitIssues(deep)[0]?.message).toMatch(/nested deeper/);
  });

  it("refuses numbers DynamoDB cannot store or JSON could not carry exactly", () => {
    const issues = jsonLimitIssues({
      huge: 1e200,
      hugeNeg: -1e127,
      tiny: 1e-200,
      unsafe: 2 ** 53,
      inf: Number.POSITIVE_INFINITY,
      nan: Number.NaN,
      nested: JSON.parse('{"list": [1, 12345678901234567890]}'),
    });
    expect(issues.map((i) => i.path)).toEqual([
      "huge",
      "hugeNeg",
      "tiny",
      "unsafe",
      "inf",
      "nan",
      "nested.list[1]",
    ]);
    expect(issues[0]?.message).toMatch(/out of range/);
    expect(issues[2]?.message).toMatch(/out of range/);
    expect(issues[3]?.message).toMatch(/integer beyond/);
    expect(issues[4]?.message).toMatch(/finite/);
    expect(jsonLimitIssues({ small: -1e-130, safe: -(2 ** 53 - 1), fraction: 123456.789 })).toEqual([]);
    // Every double above 2^53 is an integer, so within DynamoDB's range a large number is still refused.
    expect(jsonLimitIssues({ edge: 9.9e125 })[0]?.message).toMatch(/integer beyond/);
  });

  it("refuses empty, overlong and ill-formed keys, and ill-formed strings", () => {
    const issues = jsonLimitIssues({
      payload: { "": 1, ["k".repeat(JSON_LIMITS.maxKeyLength + 1)]: 2, "\ud800": 3 },
      text: "broken \udc00 surrogate",
    });
    expect(issues.map((i) => i.message)).toEqual([
      "object keys must not be empty",
      `object key longer than ${JSON_LIMITS.maxKeyLength} characters`,
      "object key is not well-formed Unicode (lone surrogate)",
      "string is not well-formed Unicode (lone surrogate)",
    ]);
    expect(issues[0]?.path).toBe('payload[""]');
    expect(issues[3]?.path).toBe("text");
  });

  it("refuses __proto__, constructor and prototype as keys anywhere, naming the path", () => {
    // JSON.parse keeps `__proto__` as an own key (it does not rewire the prototype): a body can carry it
    // into any code that copies or merges objects, where it would.
    const body = JSON.parse(
      '{"payload":{"list":[{"__proto__":{"admin":true}}],"constructor":{"prototype":1}},"prototype":2}',
    );
    const issues = jsonLimitIssues(body);
    expect(issues).toHaveLength(3);
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: "payload.list[0].__proto__", message: "object key __proto__ is not allowed" },
        { path: "payload.constructor", message: "object key constructor is not allowed" },
        { path: "prototype", message: "object key prototype is not allowed" },
      ]),
    );
    expect(keyIssue("__proto__")).toBe("object key __proto__ is not allowed");
    // Only the exact names: look-alikes are ordinary keys.
    for (const ok of ["proto", "__proto", "Constructor", "prototypes", "constructorId"])
      expect(keyIssue(ok), ok).toBeUndefined();
  });

  it("bounds arrays and strings", () => {
    const issues = jsonLimitIssues({
      list: Array.from({ length: JSON_LIMITS.maxArrayLength + 1 }, () => 1),
      s: "x".repeat(JSON_LIMITS.maxStringLength + 1),
    });
    expect(issues.map((i) => i.path)).toEqual(["list", "s"]);
  });

  it("throws a ValidationError with the issues, and names at most a bounded number", () => {
    expect(() => assertJsonLimits({ a: 1e300 })).toThrow(ValidationError);
    const many = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, 1e300]));
    expect(jsonLimitIssues(many)).toHaveLength(JSON_LIMITS.maxIssues);
  });
});

describe("the raw query string", () => {
  it("accepts ordinary queries, encoded text and empty values", () => {
    expect(rawQueryIssues(undefined)).toEqual([]);
    expect(rawQueryIssues("accountId=acme&query=salesforce+dashboards%20%C3%A9t%C3%A9&limit=")).toEqual([]);
  });

  it("refuses a parameter given twice, and a broken % escape, naming the parameter", () => {
    expect(rawQueryIssues("query=dashboards&query=pricing")).toEqual([
      { path: "query.query", message: "is given more than once" },
    ]);
    for (const bad of ["%E0%A4%A", "%FF", "%", "%C3%28"])
      expect(rawQueryIssues(`accountId=acme&query=${bad}`), bad).toEqual([
        { path: "query.query", message: "is not well-formed percent-encoded UTF-8" },
      ]);
    expect(rawQueryIssues("%FF=1")).toEqual([
      { path: 'query["%FF"]', message: "is not well-formed percent-encoded UTF-8" },
    ]);
  });
});
