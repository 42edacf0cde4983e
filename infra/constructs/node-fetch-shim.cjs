// Stands in for the `node-fetch` package in Lambda bundles (ALIASES in harness-function.ts). HubSpot's
// generated clients send every request through node-fetch 2 (codegen/*/http/isomorphic-fetch.js),
// 19 KB of each HubSpot function's bundle; Node 24 has fetch built in. The SDK reads a response's
// status, headers, text() and, for binary bodies, node-fetch's buffer(), which is added here; it
// passes an `agent` only when a caller configures one, which the harness never does.
const shimFetch = async (url, init = {}) => {
  const { agent: _agent, ...rest } = init;
  const resp = await globalThis.fetch(url, rest);
  resp.buffer = async () => Buffer.from(await resp.arrayBuffer());
  return resp;
};
module.exports = shimFetch;
module.exports.default = shimFetch;
module.exports.Headers = globalThis.Headers;
module.exports.Request = globalThis.Request;
module.exports.Response = globalThis.Response;
