/**
 * Stack traces of a deployed function in source terms, at no cost to its cold start.
 *
 * Node's `--enable-source-maps` reads and parses a module's source map when the module loads, so a
 * function started with it pays for its whole map (about 1.7 × the bundle's bytes) before its first
 * request: a fifth of the cold start measured on Node 20, to serve a stack trace that most containers
 * never print. The functions ship their maps (`index.mjs.map` beside the bundle, harness-function.ts
 * BUNDLING) without the flag, and the few stacks they log or throw are mapped here, on demand.
 *
 * The first stack of a container pays for the map: reading and parsing it, and decoding its mappings
 * (Node's `SourceMap` decodes them all when built, as the flag's first stack trace did too): about
 * 0.2 s and 14 MB kept for `workflow/release`'s 0.9 MB map, 0.4 s and 31 MB for `/mcp`'s 1.9 MB, on
 * this machine. Only the failing request waits for it; a missing or unreadable map is tried once.
 * Frames keep the bundle's minified function names; file, line and column are the sources'. A frame
 * outside the bundle, or a bundle without a map (tests and local runs, whose frames already name the
 * sources), stays as it is.
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
  if (map === undefined) map = load();
  const m = map;
  if (!m) return stack;
  try {
    return mapFrames(m, stack);
  } catch {
    return stack; // a stack as printed is better than none
  }
}

function mapFrames(m: SourceMap, stack: string): string {
  const [head = "", ...frames] = stack.split(`${BUNDLE}:`);
  const mapped = frames.map((rest) => {
    const [position = "", line, column] = /^(\d+):(\d+)/.exec(rest) ?? [];
    // `{}` where no mapping covers the position.
    const e =
      line && column ? (m.findEntry(Number(line) - 1, Number(column) - 1) as Partial<SourceMapping>) : {};
    if (e.originalSource === undefined) return `${BUNDLE}:${rest}`;
    const source = e.originalSource.replace(/^(\.\.\/)+/, "");
    return `${source}:${Number(e.originalLine) + 1}:${Number(e.originalColumn) + 1}${rest.slice(position.length)}`;
  });
  return head + mapped.join("");
}

/**
 * An error's stack mapped in place (what the Lambda runtime logs of an error a handler throws).
 * Never throws: an error whose stack cannot be set (frozen, a getter) keeps it, and is not replaced.
 */
export function mapErrorStack(err: unknown): void {
  try {
    if (err instanceof Error && typeof err.stack === "string") err.stack = sourceMappedStack(err.stack);
  } catch {
    // the error as thrown is what matters
  }
}
