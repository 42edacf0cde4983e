/**
 * Writes shared/http/openapi.json, the document GET /v1/openapi.json serves, from the whole route
 * table: `npx tsx bin/openapi-document.ts` after changing a route or a schema it documents
 * (test/unit/openapi-document.test.ts fails until then). Built here rather than in the health
 * function, whose bundle would otherwise carry every group's handlers to describe them.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { openApiDocument } from "../shared/http/openapi.ts";
import { ROUTES } from "../shared/http/routes.ts";

const file = fileURLToPath(new URL("../shared/http/openapi.json", import.meta.url));
// Strict: a route without `doc` fails here rather than being served as "(not yet described)".
writeFileSync(file, JSON.stringify(openApiDocument(ROUTES)));
// In the layout `biome check` asks for; the test compares the parsed document, not the text.
execFileSync("npx", ["biome", "format", "--write", file], { stdio: "ignore" });
console.log("wrote shared/http/openapi.json");
