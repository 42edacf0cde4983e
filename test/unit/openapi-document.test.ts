/**
 * GET /v1/openapi.json serves the document bin/openapi-document.ts writes (shared/http/openapi.json,
 * and the same text Brotli-compressed in openapi-brotli.ts, which is what is bundled and served), so
 * the health function need not import every group's handlers to describe them. Both must be the
 * document the route table describes today: a route or schema changed without rewriting them fails here.
 */
import { describe, expect, it } from "vitest";
import API_DOCUMENT from "../../shared/http/openapi.json" with { type: "json" };
import { openApiDocument } from "../../shared/http/openapi.ts";
import { servedApiDocument } from "../../shared/http/openapi-served.ts";
import { ROUTES } from "../../shared/http/routes.ts";

// As served: JSON, so no undefined members.
const live = () => JSON.parse(JSON.stringify(openApiDocument(ROUTES)));

describe("the served OpenAPI document", () => {
  it("is the route table's document: `npx tsx bin/openapi-document.ts` rewrites it", () => {
    expect(API_DOCUMENT).toStrictEqual(live());
  });

  it("is compressed from the same document, member order included", () => {
    expect(servedApiDocument()).toStrictEqual(live());
    // Member order too: the answer's bytes are JSON.stringify of this object (health-function.test.ts).
    // A boolean, so a failure does not print the 160 KB text twice.
    expect(JSON.stringify(servedApiDocument()) === JSON.stringify(live()), "member order").toBe(true);
  });
});
