/**
 * Writes the document GET /v1/openapi.json serves, from the whole route table: `npx tsx
 * bin/openapi-document.ts` after changing a route or a schema it documents
 * (test/unit/openapi-document.test.ts fails until then). Built here rather than in the health
 * function, whose bundle would otherwise carry every group's handlers to describe them.
 *
 * Two files: shared/http/openapi.json, the document to read and review, and
 * shared/http/openapi-brotli.ts, the same text Brotli-compressed, which is what the health function
 * bundles and serves (openapi-served.ts): 12 KB instead of 150 KB of its bundle.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants } from "node:zlib";
import { openApiDocument } from "../shared/http/openapi.ts";
import { ROUTES } from "../shared/http/routes.ts";

const at = (name: string) => fileURLToPath(new URL(`../shared/http/${name}`, import.meta.url));
// Strict: a route without a doc (shared/http/route-docs.ts) fails here rather than being served as
// "(not yet described)".
const text = JSON.stringify(openApiDocument(ROUTES));
const brotli = brotliCompressSync(text, {
  params: {
    [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
    [constants.BROTLI_PARAM_SIZE_HINT]: text.length,
  },
});
writeFileSync(at("openapi.json"), text);
writeFileSync(
  at("openapi-brotli.ts"),
  [
    "// Written by bin/openapi-document.ts: do not edit. shared/http/openapi.json as served, Brotli-",
    "// compressed and base64-encoded; shared/http/openapi-served.ts inflates it.",
    `export const OPENAPI_BROTLI =\n  "${brotli.toString("base64")}";`,
    "",
  ].join("\n"),
);
// In the layout `biome check` asks for; the test compares the parsed document, not the text.
execFileSync("npx", ["biome", "format", "--write", at("openapi.json"), at("openapi-brotli.ts")], {
  stdio: "ignore",
});
console.log(`wrote shared/http/openapi.json and openapi-brotli.ts (${brotli.length} bytes compressed)`);
