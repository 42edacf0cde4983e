/**
 * Stack traces of a deployed function in source terms, at no cost to its cold start.
 *
 * Node's `--enable-source-maps` reads and parses a module's source map when the module loads, so a
 * function started with it pays for its whole map (about 1.7 × the bundle's bytes) before its first
 * request: 20–25 % of the cold start measured (`npx tsx bench/bundles.ts`), to serve a stack trace
 * that most containers never print. The functions ship their maps (`index.mjs.map` beside the
 * bundle, harness-function.ts BUNDLING) without the flag, and the few stacks they log or throw are
 * mapped here, on demand: the first one reads the map with Node's own `SourceMap` and keeps it for
 * the container's life. A frame outside the bundle, or a bundle without a map (tests and local runs,
 * whose frames already name the sources), stays as it is.
 */
import { readFileSync } from "node:fs";
import { SourceMap, type SourceMapping } from "node:module";

/** The module this code is bundled into (the function's bundle); its stack frames name this URL. */
const BUNDLE = import.meta.url;

let map: SourceMap | null | undefined;

function load(): SourceMap | null {
  try {
    return new SourceMap(JSON.parse(readFileSync(new URL(`${BUNDLE}.map`), "utf8")));
  } catch {
    return null; // no map beside this module: nothing to map with
  }
}

/**
 * `stack` with each frame in the bundle as `<source>:<line>:<column>` of the code it was built from
 * (the source's path as esbuild wrote it, without its leading `../`).
 */
export function sourceMappedStack(stack: string): string {
  map ??= load();
  const m = map;
  if (!m) return stack;
  const [head = "", ...frames] = stack.split(`${BUNDLE}:`);
  const mapped = frames.map((rest) => {
    const [, line = "", column = ""] = /^(\d+):(\d+)/.exec(rest) ?? [];
    // Node 20 answers {} where no mapping covers the position, later versions undefined.
    const e = m.findEntry(Number(line) - 1, Number(column) - 1) as Partial<SourceMapping> | undefined;
    return e?.originalSource === undefined || !line
      ? `${BUNDLE}:${rest}`
      : `${e.originalSource.replace(/^(\.\.\/)+/, "")}:${Number(e.originalLine) + 1}:${Number(e.originalColumn) + 1}${rest.slice(line.length + column.length + 1)}`;
  });
  return head + mapped.join("");
}

/** An error's stack mapped in place (what the Lambda runtime logs of an error a handler throws). */
export function mapErrorStack(err: unknown): void {
  if (err instanceof Error && typeof err.stack === "string") err.stack = sourceMappedStack(err.stack);
}
