/** RFC 6901 reads, apart from spec-tools.ts's schemas: the gate's recipient check reads tool arguments. */

/** The value at a JSON pointer ("" the whole document, "/a/b~1c" with ~1 for "/" and ~0 for "~"). */
export function pointerGet(doc: unknown, pointer: string): unknown {
  let at: unknown = doc;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (at === null || typeof at !== "object" || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}
