/**
 * The OpenAPI document GET /v1/openapi.json answers (index-routes.ts). Bundled Brotli-compressed
 * (openapi-brotli.ts, written with openapi.json by bin/openapi-document.ts): as JSON it was 150 KB of
 * the health function's bundle, compressed it is 12 KB (issue 11, item 8). Inflated and parsed on the
 * first request that asks for it (~10 ms), then kept for the container's life: liveness checks, the
 * health function's usual traffic, never pay for it. The answer's bytes are what they were: the
 * route's JSON body, serialized by respond.ts.
 */
import { brotliDecompressSync } from "node:zlib";
import { OPENAPI_BROTLI } from "./openapi-brotli.ts";

let served: unknown;

export const servedApiDocument = (): unknown => {
  served ??= JSON.parse(brotliDecompressSync(Buffer.from(OPENAPI_BROTLI, "base64")).toString("utf8"));
  return served;
};
