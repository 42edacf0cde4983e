/**
 * What a failed call to a downstream MCP server means for its decision (mcp-downstream.ts's file
 * comment gives the rules): refused, not reached, or in doubt; and the two answers after which the
 * request is sent once more because the server did nothing (a 401, a 404 to a gone session).
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import { withoutAddresses } from "../../domain/vendor-text.ts";
import { ConnectorError } from "../../ports.ts";
import { neverSent } from "./retry.ts";

/** Client-side failures that are not the server's answer: the call may have been carried out. */
export const NO_ANSWER = new Set<number>([ErrorCode.RequestTimeout, ErrorCode.ConnectionClosed]);

/** An error's message, with the HTTP status the SDK's message leaves out ("Error POSTing to endpoint: "). */
export function reasonOf(err: unknown): string {
  const message = (err as Error)?.message ?? String(err);
  return err instanceof StreamableHTTPError && err.code !== undefined && err.code > 0
    ? `HTTP ${err.code}: ${message}`
    : message;
}

/**
 * What a failed call means for the decision (see the file comment). `mayHaveActed`: a touch's tool,
 * whose internal error may come after it sent (the server's SDK answers any exception so).
 */
export function callFailure(what: string, err: unknown, mayHaveActed = false): ConnectorError {
  // The server's words (a JSON-RPC error, an HTTP body) go in the decision's record: addresses out.
  const message = withoutAddresses(reasonOf(err), 300);
  // The server was not reached (it restarted on another address, a DNS outage): nothing left, so the
  // decision is tried again a minute later, not left in doubt for a person.
  if (neverSent(err))
    return new ConnectorError(`${what}: not reached (${message}); nothing was sent`, false, {
      cause: err,
      retryAfterMs: 60_000,
    });
  if (mayHaveActed && err instanceof McpError && err.code === ErrorCode.InternalError)
    return new ConnectorError(
      `${what}: internal error (${message}); not sent again, it may have been done`,
      true,
      {
        cause: err,
      },
    );
  if (err instanceof McpError && !NO_ANSWER.has(err.code))
    return new ConnectorError(`${what} refused: ${message}`, false, { cause: err });
  if (err instanceof StreamableHTTPError && err.code !== undefined && err.code >= 400 && err.code < 500)
    return new ConnectorError(`${what} refused: ${message}`, false, { cause: err });
  return new ConnectorError(`${what}: no answer (${message}); not sent again, it may have been done`, true, {
    cause: err,
  });
}

/** The server's HTTP 401 to a connect, a listing or a call: it refused the request before doing anything. */
export function unauthorized(err: unknown): boolean {
  const e = err instanceof ConnectorError ? err.cause : err;
  return e instanceof StreamableHTTPError && e.code === 401;
}

/**
 * An HTTP 404 to a request sent in a session: the server does not know the session (it restarted, or
 * ended it) and ran nothing (MCP's streamable HTTP transport: the client must then start a new session).
 * A 404 without a session is a wrong address, a refusal like any 4xx.
 */
export function sessionGone(err: unknown, sessionId: string | undefined): boolean {
  return err instanceof StreamableHTTPError && err.code === 404 && sessionId !== undefined;
}

/** The client's session, read before its request: a client closed meanwhile has no transport left. */
export const sessionOf = (client: Client): string | undefined =>
  (client.transport as { sessionId?: string } | undefined)?.sessionId;
