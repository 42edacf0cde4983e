/** Tool answers: JSON as text (what every MCP client shows a model) and as structured content. */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { ApiError, NotJsonError, UnreachableError } from "../client/transport.ts";

export function jsonResult(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: "text", text: JSON.stringify(value, null, 2) }], structuredContent: value };
}

/**
 * A refusal as a tool error the model can read and act on: the API's status and message, and for an
 * invalid input each field at its path (the API wrote nothing). Anything else is reported without
 * internals, as the API does for a 500.
 */
export function errorResult(err: unknown): CallToolResult {
  const text =
    err instanceof ApiError
      ? `${err.code} (${err.message})`
      : err instanceof UnreachableError || err instanceof NotJsonError
        ? err.message
        : "internal error";
  return { content: [{ type: "text", text }], isError: true };
}

/** Runs a tool body, turning any failure into a tool error (never a protocol error). */
export async function guarded(body: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await body();
  } catch (err) {
    return errorResult(err);
  }
}
