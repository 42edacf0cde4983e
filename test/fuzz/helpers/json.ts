/**
 * Bodies as small printable recipes: a JSON value in which a few marker objects stand for what a JS
 * value cannot hold or should not print (integers beyond 2^53, megabyte strings, 300-level nesting,
 * `__proto__` keys, invalid UTF-8). fast-check shows the recipe of a failing case, and `encode` turns it
 * into the bytes that go on the wire.
 */

/** Raw JSON text, e.g. `9007199254740993`, which JSON.parse cannot give back exactly. */
export type RawJson = { $raw: string };
/** A string of `n` copies of `s`. */
export type Repeat = { $repeat: string; n: number };
/** `depth` nested arrays or objects around `leaf`. */
export type Nest = { $nest: number; kind: "array" | "object"; leaf: Json };
/** An object written key by key: keys such as `__proto__` stay own keys, duplicates stay duplicates. */
export type Entries = { $entries: [string, Json][] };
/** A string whose UTF-8 encoding is broken by `bytes` inserted after `text`. */
export type BadUtf8 = { $badUtf8: number[]; text: string };
export type Marker = RawJson | Repeat | Nest | Entries | BadUtf8;

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json } | Marker;

const isMarker = (v: object): v is Marker =>
  "$raw" in v || "$repeat" in v || "$nest" in v || "$entries" in v || "$badUtf8" in v;

/** The wire bytes of a recipe. */
export function encode(value: Json): Buffer {
  const parts: Buffer[] = [];
  const text = (s: string) => parts.push(Buffer.from(s, "utf8"));
  const walk = (v: Json): void => {
    if (v === null || typeof v !== "object") {
      text(JSON.stringify(v) ?? "null");
      return;
    }
    if (Array.isArray(v)) {
      text("[");
      v.forEach((item, i) => {
        if (i) text(",");
        walk(item);
      });
      text("]");
      return;
    }
    if (isMarker(v)) {
      if ("$raw" in v) text(v.$raw);
      else if ("$repeat" in v) text(JSON.stringify(v.$repeat.repeat(v.n)));
      else if ("$nest" in v) {
        const [open, close] = v.kind === "array" ? ["[", "]"] : ['{"a":', "}"];
        text(open.repeat(v.$nest));
        walk(v.leaf);
        text(close.repeat(v.$nest));
      } else if ("$entries" in v) {
        text("{");
        v.$entries.forEach(([k, item], i) => {
          text(`${i ? "," : ""}${JSON.stringify(k)}:`);
          walk(item);
        });
        text("}");
      } else {
        text(`"${JSON.stringify(v.text).slice(1, -1)}`);
        parts.push(Buffer.from(v.$badUtf8));
        text('"');
      }
      return;
    }
    text("{");
    Object.keys(v).forEach((k, i) => {
      text(`${i ? "," : ""}${JSON.stringify(k)}:`);
      walk(v[k] as Json);
    });
    text("}");
  };
  walk(value);
  return Buffer.concat(parts);
}

/** A path into a JSON value: object keys and array indexes. */
export type Path = (string | number)[];

export const dotted = (path: Path) =>
  path.reduce<string>((s, p) => (typeof p === "number" ? `${s}[${p}]` : s ? `${s}.${p}` : p), "");

const isPlainObject = (v: unknown): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Every object node (`objects`) and every non-container leaf (`leaves`) of a plain JSON value. */
export function nodes(value: unknown, path: Path = []): { objects: Path[]; leaves: Path[]; arrays: Path[] } {
  const out = { objects: [] as Path[], leaves: [] as Path[], arrays: [] as Path[] };
  if (Array.isArray(value)) {
    out.arrays.push(path);
    value.forEach((v, i) => {
      const sub = nodes(v, [...path, i]);
      out.objects.push(...sub.objects);
      out.leaves.push(...sub.leaves);
      out.arrays.push(...sub.arrays);
    });
  } else if (isPlainObject(value)) {
    out.objects.push(path);
    for (const [k, v] of Object.entries(value)) {
      const sub = nodes(v, [...path, k]);
      out.objects.push(...sub.objects);
      out.leaves.push(...sub.leaves);
      out.arrays.push(...sub.arrays);
    }
  } else out.leaves.push(path);
  return out;
}

/** Whether `path` lies inside one of the dotted `prefixes` (or is one). */
export const under = (path: Path, prefixes: readonly string[] = []) => {
  const d = dotted(path);
  return prefixes.some((p) => d === p || d.startsWith(`${p}.`) || d.startsWith(`${p}[`));
};

export const get = (value: unknown, path: Path): unknown =>
  path.reduce<unknown>((v, p) => (v as Record<string | number, unknown> | undefined)?.[p], value);

/** A copy of `value` with the node at `path` replaced by `replace(old)` (a structural copy, not a mutation). */
export function update(value: Json, path: Path, replace: (old: Json | undefined) => Json | undefined): Json {
  if (path.length === 0) return replace(value) ?? null;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    const next = update(copy[head as number] ?? null, rest, replace);
    copy[head as number] = next;
    return copy;
  }
  const obj = { ...(value as Record<string, Json>) };
  if (rest.length === 0) {
    const next = replace(obj[head as string]);
    if (next === undefined) delete obj[head as string];
    else obj[head as string] = next;
    return obj;
  }
  obj[head as string] = update(obj[head as string] ?? null, rest, replace);
  return obj;
}

/** Add `key: item` to the object at `path`, written as entries so any key (even `__proto__`) stays a key. */
export function addKey(value: Json, path: Path, key: string, item: Json): Json {
  return update(value, path, (old) => ({
    $entries: [...Object.entries((old ?? {}) as Record<string, Json>), [key, item]],
  }));
}

/** The JSON type name of a plain value, to pick a replacement of another type. */
export const jsonType = (v: unknown) =>
  v === null ? "null" : Array.isArray(v) ? "array" : (typeof v as "string" | "number" | "boolean" | "object");
