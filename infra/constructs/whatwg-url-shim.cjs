// Stands in for the `whatwg-url` package in Lambda bundles (BUNDLING in harness-function.ts).
// node-fetch 2, which HubSpot's SDK calls through, takes `URL` from node:url and reaches for
// whatwg-url's only where node:url has none, which never happens on Node 24; the package and its
// Unicode tables (tr46) were 280 KB of every HubSpot function's bundle.
module.exports = { URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };
