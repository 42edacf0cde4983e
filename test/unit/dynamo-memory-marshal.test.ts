/**
 * The direct path's marshalling (dynamo-memory/marshal.ts) against the SDK's own `marshall` and
 * `unmarshall`, on arbitrary values: the same attribute values, the same native values, the same
 * errors, with the options the stores' document client uses and with others (which take the SDK's path).
 */
import { NumberValue } from "@aws-sdk/lib-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { marshallFast, unmarshallFast } from "../../shared/adapters/dynamo-memory/marshal.ts";

/** The document client's options as the stores' Db sets them (db.ts, direct-client.ts). */
const STORE_MARSHALL = {
  convertTopLevelContainer: true,
  removeUndefinedValues: true,
  convertClassInstanceToMap: false,
};
const STORE_UNMARSHALL = { convertWithoutMapWrapper: true };

/** The result or the error message: the two implementations must agree on both. */
function outcome(f: () => unknown): unknown {
  try {
    return { ok: f() };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

class Custom {
  a = 1;
}

/** Plain values with the odd ones mixed in: undefined, functions, holes, huge numbers, sets, bytes. */
const value = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.constantFrom(
      2 ** 53,
      -(2 ** 53),
      Number.MAX_SAFE_INTEGER,
      -0,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      undefined,
      null,
      true,
      false,
    ),
    fc.constantFrom(
      () => 1,
      new Set(["a", "b"]),
      new Set([1, 2]),
      new Uint8Array([1, 2, 3]),
      new Custom(),
      Object.create(null) as object,
      10n,
      NumberValue.from("12345678901234567890"),
    ),
  ),
  node: fc.oneof(
    { depthSize: "small" },
    tie("leaf"),
    fc.array(tie("node")),
    fc.sparseArray(tie("node"), { maxLength: 4 }),
    fc.dictionary(fc.string(), tie("node")),
  ),
})).node;

describe("the direct path's marshalling", () => {
  it("marshalls as the SDK's marshall does, errors included", () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(outcome(() => marshallFast(v, STORE_MARSHALL))).toEqual(
          outcome(() => marshall(v as never, STORE_MARSHALL)),
        );
      }),
      { numRuns: 1000 },
    );
  });

  it("unmarshalls what it marshalled as the SDK's unmarshall does, numbers beyond 2^53 included", () => {
    fc.assert(
      fc.property(value, (v) => {
        const av = outcome(() => marshall(v as never, STORE_MARSHALL)) as { ok?: unknown };
        if (!av.ok) return;
        expect(outcome(() => unmarshallFast(av.ok, STORE_UNMARSHALL))).toEqual(
          outcome(() => unmarshall(av.ok as never, STORE_UNMARSHALL)),
        );
      }),
      { numRuns: 1000 },
    );
    const big = { M: { n: { N: "123456789012345678901" }, x: { N: "1e400" }, s: { SS: ["a"] } } };
    expect(unmarshallFast(big, STORE_UNMARSHALL)).toEqual(unmarshall(big as never, STORE_UNMARSHALL));
    expect(() => unmarshallFast({ Q: "?" }, STORE_UNMARSHALL)).toThrow("Unsupported type passed: Q");
  });

  it("leaves other options to the SDK", () => {
    const other = { convertTopLevelContainer: true, convertEmptyValues: true, removeUndefinedValues: true };
    expect(marshallFast({ a: "", b: [] }, other)).toEqual(marshall({ a: "", b: [] }, other));
    const wrapped = { convertWithoutMapWrapper: true, wrapNumbers: true };
    expect(unmarshallFast({ M: { n: { N: "1.50" } } }, wrapped)).toEqual(
      unmarshall({ M: { n: { N: "1.50" } } } as never, wrapped),
    );
  });
});
