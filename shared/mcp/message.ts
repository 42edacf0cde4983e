/**
 * The one JSON-RPC message of a POST to /mcp, read as the API reads its bodies (api.ts): at most
 * MAX_BODY_BYTES, strict UTF-8, JSON. One message per request: MCP's 2025-06-18 revision removed
 * JSON-RPC batches, and a batch of a hundred tool calls was one request to the local rate limit and to
 * the stage's throttle in AWS, each call then run in process with no limit of its own.
 */
import { MAX_BODY_BYTES, UTF8 } from "../http/api.ts";

export type McpBody = { message: unknown } | { status: number; body: unknown };

const refused = (status: number, code: number, message: string): McpBody => ({
  status,
  body: { jsonrpc: "2.0", error: { code, message }, id: null },
});

export function readMcpBody(bytes: Uint8Array): McpBody {
  if (bytes.byteLength > MAX_BODY_BYTES)
    return refused(413, -32600, `Invalid Request: the body is over ${MAX_BODY_BYTES} bytes`);
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    // Before, the bad bytes became U+FFFD and were stored or sent as such.
    return refused(400, -32700, "Parse error: the body is not valid UTF-8");
  }
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return refused(400, -32700, "Parse error");
  }
  if (Array.isArray(message))
    return refused(400, -32600, "Invalid Request: one JSON-RPC message per request (MCP has no batches)");
  return { message };
}
