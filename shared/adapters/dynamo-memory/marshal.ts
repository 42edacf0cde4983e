/**
 * The AWS SDK's `marshall` and `unmarshall` (@aws-sdk/util-dynamodb) for the direct path, faster on
 * what the stores send: strings, numbers, booleans, null, arrays and plain objects. For those the SDK
 * walks each value through a chain of constructor-name tests and builds its maps with
 * `Object.entries(...).reduce`; its walk was a tenth of a simulated day. Anything else (sets, binaries,
 * NumberValue, bigint, class instances, a number the SDK refuses or turns into a bigint) goes to the
 * SDK's own functions, as does every call made with options this file does not reproduce. So the
 * result, and every error, is the SDK's (test/unit/dynamo-memory-marshal.test.ts compares them).
 */
import { convertToAttr, convertToNative, marshall, unmarshall } from "@aws-sdk/util-dynamodb";

type MarshallOptions = NonNullable<Parameters<typeof marshall>[1]>;
type UnmarshallOptions = NonNullable<Parameters<typeof unmarshall>[1]>;
type Native = Parameters<typeof convertToAttr>[0];
type AV = Record<string, unknown>;

/**
 * The options the fast path reproduces: undefined members dropped, top-level containers kept wrapped,
 * no empty-value conversion, imprecise numbers refused, class instances refused (as the stores' Db has).
 */
const fastMarshalling = (o: MarshallOptions) =>
  o.removeUndefinedValues === true &&
  o.convertTopLevelContainer === true &&
  !o.convertEmptyValues &&
  !o.allowImpreciseNumbers &&
  !o.convertClassInstanceToMap;

/** `marshall(data, options)`, the same result and errors. */
export function marshallFast(data: unknown, options: MarshallOptions): unknown {
  return fastMarshalling(options) ? toAttr(data, options) : marshall(data as Native, options);
}

/** The SDK's `convertToAttr` under `fastMarshalling` options, taking the common shapes by hand. */
function toAttr(data: unknown, options: MarshallOptions): AV {
  switch (typeof data) {
    case "string":
      return { S: data };
    case "boolean":
      return { BOOL: data };
    case "number":
      // NaN, ±Infinity and unsafe integers: the SDK throws its own errors for them.
      if (data <= Number.MAX_SAFE_INTEGER && data >= Number.MIN_SAFE_INTEGER) return { N: data.toString() };
      break;
    case "object": {
      if (data === null) return { NULL: true };
      if (Array.isArray(data)) {
        const out: AV[] = [];
        // A hole reads as undefined and is dropped, as the SDK's filter drops it.
        for (let i = 0; i < data.length; i++) {
          const v = data[i];
          if (v !== undefined && typeof v !== "function") out.push(toAttr(v, options));
        }
        return { L: out };
      }
      // The SDK's own test for a map of enumerable properties (after ruling out Set and Map by name).
      const ctor = (data as { constructor?: { name?: unknown } }).constructor;
      if (ctor?.name === "Object" || !ctor) {
        const map: AV = {};
        // for...in, as the SDK: inherited enumerable members included.
        for (const key in data) {
          const v = (data as AV)[key];
          if (v !== undefined && typeof v !== "function") map[key] = toAttr(v, options);
        }
        return { M: map };
      }
      break;
    }
  }
  return convertToAttr(data as Native, options) as unknown as AV;
}

/** `unmarshall(data, options)` for options with `convertWithoutMapWrapper`: the same result and errors. */
export function unmarshallFast(data: unknown, options: UnmarshallOptions): unknown {
  return options.convertWithoutMapWrapper === true && !options.wrapNumbers
    ? toNative(data as AV, options)
    : unmarshall(data as Parameters<typeof unmarshall>[0], options);
}

/** The SDK's `convertToNative` without number wrapping: the first own member that is defined decides. */
function toNative(data: AV, options: UnmarshallOptions): unknown {
  for (const key in data) {
    if (!Object.hasOwn(data, key)) continue;
    const value = data[key];
    if (value === undefined) continue;
    switch (key) {
      case "S":
        return value;
      case "BOOL":
        return Boolean(value);
      case "NULL":
        return null;
      case "N": {
        // Outside the safe integers the SDK makes a bigint (or throws): its own function decides.
        const n = Number(value);
        if (n <= Number.MAX_SAFE_INTEGER && n >= Number.MIN_SAFE_INTEGER) return n;
        break;
      }
      case "M": {
        const out: AV = {};
        const m = value as AV;
        for (const k of Object.keys(m)) out[k] = toNative(m[k] as AV, options);
        return out;
      }
      case "L":
        return (value as AV[]).map((e) => toNative(e, options));
    }
    break;
  }
  return convertToNative(data as unknown as Parameters<typeof convertToNative>[0], options);
}
