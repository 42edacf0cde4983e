import { type CST, Parser, parse } from "yaml";

/**
 * Collections nested deeper than this are refused before the YAML library composes them. Far above
 * any spec (about 6 levels) and the JSON limit every body is held to afterwards (16), far below the
 * ~1,000 levels at which the library's recursive composer exhausts the stack. That exhaustion is not
 * a harmless error: once the stack has overflowed inside the composer's regular expressions, the next
 * such document aborts the whole Node process (a fatal out-of-memory in V8's RegExp compiler), so two
 * 2 KB requests (`[` × 1000) could stop `harness serve`.
 */
export const MAX_YAML_DEPTH = 64;

/**
 * The deepest collection nesting in `text`, from the library's concrete syntax tree, which it builds
 * without recursion; walked here with an explicit stack for the same reason.
 */
export function yamlDepth(text: string): number {
  let max = 0;
  const stack: [CST.Token, number][] = [];
  for (const token of new Parser().parse(text)) stack.push([token, 0]);
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [token, depth] = next;
    if (token.type === "document") {
      if (token.value) stack.push([token.value, depth]);
    } else if (token.type === "block-map" || token.type === "block-seq" || token.type === "flow-collection") {
      const inner = depth + 1;
      if (inner > max) max = inner;
      for (const item of token.items) {
        if ("key" in item && item.key) stack.push([item.key, inner]);
        if (item.value) stack.push([item.value, inner]);
      }
    }
  }
  return max;
}

/** Parse YAML that came from outside (a request body, an uploaded spec): depth bounded, then parsed. */
export function parseUntrustedYaml(text: string): unknown {
  const depth = yamlDepth(text);
  if (depth > MAX_YAML_DEPTH)
    throw new Error(`collections nested deeper than ${MAX_YAML_DEPTH} levels (${depth})`);
  return parse(text);
}
