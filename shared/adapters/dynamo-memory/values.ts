/**
 * DynamoDB's attribute values as they travel in its JSON protocol ({"S": "..."}, {"N": "12"}, ...),
 * with DynamoDB's rules for them: numbers are exact decimals (compared and added without floating
 * point, so a counter or an epoch in ms never drifts), strings order as UTF-8 bytes, sets are
 * unordered and never empty, and an item's size is counted the way the 400 KB limit counts it.
 */
import { DynamoError } from "./errors.ts";

export type AttributeValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { M: Record<string, AttributeValue> }
  | { L: AttributeValue[] }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] };

export type Item = Record<string, AttributeValue>;
export type TypeName = "S" | "N" | "B" | "BOOL" | "NULL" | "M" | "L" | "SS" | "NS" | "BS";

/** A value's one key, without allocating the array of its keys (called for every value read). */
export function typeOf(v: AttributeValue): TypeName {
  for (const k in v) return k as TypeName;
  return undefined as unknown as TypeName;
}
// biome-ignore lint/suspicious/noExplicitAny: one accessor for the ten shapes of the union
export const payload = (v: AttributeValue): any => (v as any)[typeOf(v)];

/**
 * A deep copy of an item or value. By hand rather than structuredClone: attribute values are plain
 * objects, arrays and strings, and structuredClone's serialisation cost (several times a plain copy
 * on objects this small) showed in the simulation's profile on every update.
 */
export function clone<T>(v: T): T {
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return v.map(clone) as T;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = clone((v as Record<string, unknown>)[k]);
  return out as T;
}

// ---- numbers: exact decimals (mantissa × 10^exponent) ----

interface Decimal {
  m: bigint;
  e: number;
}

const NUMBER = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const SMALL_INT = /^-?\d{1,15}$/;

function decimal(s: string): Decimal {
  const match = NUMBER.exec(s.trim());
  if (!match || (match[2] === "" && (match[3] ?? "") === ""))
    throw new DynamoError("ValidationException", `A value provided cannot be converted into a number`);
  const [, sign, int = "", frac = "", exp = "0"] = match;
  let m = BigInt(`${int}${frac}` || "0");
  let e = Number(exp) - frac.length;
  if (m === 0n) return { m: 0n, e: 0 };
  while (m % 10n === 0n) {
    m /= 10n;
    e++;
  }
  const digits = m.toString().length;
  if (digits > 38)
    throw new DynamoError(
      "ValidationException",
      "Attempting to store more than 38 significant digits in a Number",
    );
  if (digits + e - 1 > 125 || digits + e - 1 < -130)
    throw new DynamoError(
      "ValidationException",
      "Number overflow. Attempting to store a number with magnitude larger than supported range",
    );
  return { m: sign === "-" ? -m : m, e };
}

function format(d: Decimal): string {
  if (d.m === 0n) return "0";
  const neg = d.m < 0n;
  const digits = (neg ? -d.m : d.m).toString();
  let out: string;
  if (d.e >= 0) out = digits + "0".repeat(d.e);
  else if (-d.e < digits.length)
    out = `${digits.slice(0, digits.length + d.e)}.${digits.slice(digits.length + d.e)}`;
  else out = `0.${"0".repeat(-d.e - digits.length)}${digits}`;
  return neg ? `-${out}` : out;
}

/** The canonical text DynamoDB answers with ("1.50" → "1.5", "1e3" → "1000"); throws on a non-number. */
export const normalizeNumber = (s: string): string =>
  SMALL_INT.test(s) ? String(Number(s)) : format(decimal(s));

const align = (a: Decimal, b: Decimal): [bigint, bigint, number] => {
  const e = Math.min(a.e, b.e);
  return [a.m * 10n ** BigInt(a.e - e), b.m * 10n ** BigInt(b.e - e), e];
};

export function compareNumbers(a: string, b: string): number {
  if (SMALL_INT.test(a) && SMALL_INT.test(b)) return Math.sign(Number(a) - Number(b));
  const [x, y] = align(decimal(a), decimal(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

export function addNumbers(a: string, b: string, negateB = false): string {
  if (SMALL_INT.test(a) && SMALL_INT.test(b)) {
    const r = negateB ? Number(a) - Number(b) : Number(a) + Number(b);
    if (Number.isSafeInteger(r)) return String(r);
  }
  const [x, y, e] = align(decimal(a), decimal(b));
  return normalizeNumber(format({ m: negateB ? x - y : x + y, e }));
}

// ---- strings and binaries: byte order ----

/**
 * UTF-8 byte order, which is code point order. UTF-16 code units agree with it except where one
 * string has a surrogate (a code point ≥ U+10000) and the other a unit in U+E000..U+FFFF.
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs && !ys && y >= 0xe000) return 1;
    if (ys && !xs && x >= 0xe000) return -1;
    return x - y;
  }
  return a.length - b.length;
}

export const compareBinaries = (a: string, b: string): number =>
  Buffer.compare(Buffer.from(a, "base64"), Buffer.from(b, "base64"));

/** Order of two scalars of the same type (S, N or B); undefined when they cannot be ordered. */
export function compareValues(a: AttributeValue, b: AttributeValue): number | undefined {
  const t = typeOf(a);
  if (t !== typeOf(b)) return undefined;
  if (t === "S") return compareStrings(payload(a), payload(b));
  if (t === "N") return compareNumbers(payload(a), payload(b));
  if (t === "B") return compareBinaries(payload(a), payload(b));
  return undefined;
}

/** DynamoDB equality: same type and value; sets regardless of order; maps and lists deeply. */
export function equalValues(a: AttributeValue, b: AttributeValue): boolean {
  const t = typeOf(a);
  if (t !== typeOf(b)) return false;
  const x = payload(a);
  const y = payload(b);
  switch (t) {
    case "S":
    case "B":
    case "BOOL":
    case "NULL":
      return x === y;
    case "N":
      return compareNumbers(x, y) === 0;
    case "SS":
    case "NS":
    case "BS":
      return x.length === y.length && x.every((e: string) => setHas(t, y, e));
    case "L":
      return x.length === y.length && x.every((e: AttributeValue, i: number) => equalValues(e, y[i]));
    case "M": {
      const keys = Object.keys(x);
      return keys.length === Object.keys(y).length && keys.every((k) => k in y && equalValues(x[k], y[k]));
    }
  }
}

export const setHas = (t: TypeName, set: string[], e: string): boolean =>
  t === "NS" ? set.some((s) => compareNumbers(s, e) === 0) : set.includes(e);

// ---- validation of what a request carries ----

/**
 * Whether any binary value has reached an engine in this process. The engine keeps binaries as base64
 * text, as DynamoDB's JSON carries them; an answer handed to the SDK without JSON (sdk-protocol.ts)
 * would give callers that text where the SDK gives bytes, so from the first binary on answers take the
 * JSON path. Process-wide rather than per engine: a flag costs nothing to read per request, and a
 * process that stores binaries in one engine only pays the JSON path for the others.
 */
let binarySeen = false;
export const binariesStored = (): boolean => binarySeen;

/** A binary as the engine keeps it: base64 text (the SDK's direct input carries bytes). */
const binaryText = (x: unknown): unknown => {
  if (!(x instanceof Uint8Array)) return x;
  binarySeen = true;
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString("base64");
};

/** Made only when a value is refused (module-level: no closure allocated per value checked). */
const invalidType = (where: string) =>
  new DynamoError("ValidationException", `Invalid attribute value type (${where})`);

/**
 * Whether the request being checked was built for this call alone (the direct path marshals a fresh
 * copy of every value: direct-client.ts), so its values may be kept as they are instead of copied.
 * Set only for the span of one synchronous request (`adoptingInput`).
 */
let adopting = false;

/**
 * Runs one request whose attribute values nobody else holds: checking them validates and normalizes
 * in place and keeps the request's own objects (the item stored is the one marshalled), instead of
 * building a copy of every value of every request. Values the copy path converts (binaries, sets)
 * are still copied.
 */
export function adoptingInput<T>(run: () => T): T {
  adopting = true;
  try {
    return run();
  } finally {
    adopting = false;
  }
}

/** Checks one value as DynamoDB would on input, and returns it in canonical form (numbers normalized). */
export function checkValue(v: unknown, where: string): AttributeValue {
  const types = typeof v === "object" && v !== null && !Array.isArray(v) ? Object.keys(v) : undefined;
  if (types?.length !== 1)
    throw new DynamoError(
      "ValidationException",
      `Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes (${where})`,
    );
  const t = types[0] as string;
  const raw = (v as Record<string, unknown>)[t];
  const x = t === "B" ? binaryText(raw) : t === "BS" && Array.isArray(raw) ? raw.map(binaryText) : raw;
  if (t === "B" || t === "BS") binarySeen = true;
  switch (t) {
    case "S":
    case "B":
      if (typeof x !== "string") throw invalidType(where);
      if (adopting && t === "S") return v as AttributeValue;
      return t === "S" ? { S: x } : { B: x };
    case "N": {
      if (typeof x !== "string") throw invalidType(where);
      const n = normalizeNumber(x);
      if (!adopting) return { N: n };
      if (n !== x) (v as { N: string }).N = n;
      return v as AttributeValue;
    }
    case "BOOL":
      if (typeof x !== "boolean") throw invalidType(where);
      return adopting ? (v as AttributeValue) : { BOOL: x };
    case "NULL":
      if (x !== true) throw invalidType(where);
      return adopting ? (v as AttributeValue) : { NULL: true };
    case "M": {
      if (typeof x !== "object" || x === null || Array.isArray(x)) throw invalidType(where);
      const m = x as Record<string, unknown>;
      const out: Item = adopting ? (m as Item) : {};
      for (const k of Object.keys(m)) out[k] = checkValue(m[k], where);
      return adopting ? (v as AttributeValue) : { M: out };
    }
    case "L": {
      if (!Array.isArray(x)) throw invalidType(where);
      const out: AttributeValue[] = adopting ? x : new Array(x.length);
      for (let i = 0; i < x.length; i++) out[i] = checkValue(x[i], where);
      return adopting ? (v as AttributeValue) : { L: out };
    }
    case "SS":
    case "NS":
    case "BS": {
      if (!Array.isArray(x) || x.some((e) => typeof e !== "string")) throw invalidType(where);
      if (x.length === 0)
        throw new DynamoError(
          "ValidationException",
          "One or more parameter values were invalid: An number set  may not be empty",
        );
      const items = t === "NS" ? (x as string[]).map(normalizeNumber) : (x as string[]);
      if (items.some((e, i) => items.findIndex((o) => setHas(t, [o], e)) !== i))
        throw new DynamoError("ValidationException", "Input collection contains duplicates");
      return { [t]: items } as AttributeValue;
    }
    default:
      throw invalidType(where);
  }
}

export function checkItem(v: unknown, where: string): Item {
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new DynamoError("ValidationException", `${where} must be a map of attribute values`);
  const out: Item = adopting ? (v as Item) : {};
  for (const k of Object.keys(v)) out[k] = checkValue((v as Record<string, unknown>)[k], where);
  return out;
}

// ---- size, as the 400 KB item limit and the 1 MB page limit count it ----

const utf8 = (s: string) => Buffer.byteLength(s, "utf8");
const numberSize = (n: string) => Math.ceil(n.replace(/[-.]/g, "").replace(/^0+/, "").length / 2) + 1;

export function valueSize(v: AttributeValue): number {
  const x = payload(v);
  switch (typeOf(v)) {
    case "S":
      return utf8(x);
    case "N":
      return numberSize(x);
    case "B":
      return Buffer.from(x, "base64").length;
    case "BOOL":
    case "NULL":
      return 1;
    case "SS":
      return (x as string[]).reduce((s, e) => s + utf8(e), 0);
    case "NS":
      return (x as string[]).reduce((s, e) => s + numberSize(e), 0);
    case "BS":
      return (x as string[]).reduce((s, e) => s + Buffer.from(e, "base64").length, 0);
    case "L": {
      let size = 3;
      for (const e of x as AttributeValue[]) size += 1 + valueSize(e);
      return size;
    }
    case "M": {
      let size = 3;
      for (const k of Object.keys(x)) size += 1 + utf8(k) + valueSize((x as Item)[k] as AttributeValue);
      return size;
    }
  }
}

/**
 * Where an item's counted size is kept: on the item itself, as a non-enumerable symbol (invisible to
 * for...in, Object.keys, spreads and JSON), so it goes with the item. Stored items are never mutated in
 * place (table.ts), so an item's size is counted once: when it is written, not again on every page of
 * every query that reads it. (A WeakMap did the same, but its hundreds of thousands of weak entries
 * were paid for on every full garbage collection.)
 */
const SIZE = Symbol("itemSize");

export function itemSize(item: Item): number {
  const known = (item as { [SIZE]?: number })[SIZE];
  if (known !== undefined) return known;
  let size = 0;
  for (const k in item) size += utf8(k) + valueSize(item[k] as AttributeValue);
  Object.defineProperty(item, SIZE, { value: size });
  return size;
}

export const MAX_ITEM_BYTES = 400 * 1024;
