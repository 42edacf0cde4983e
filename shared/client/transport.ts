/**
 * How the typed client reaches the API: over HTTP with a bearer token (scripts, the CLI, `harness mcp`
 * over stdio), or in process (the local server's /mcp endpoint, shared/mcp/in-process.ts). Either way
 * a request is a method, a path with its query, and a JSON body; the answer a status and JSON.
 */

export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON as the API documents it; the typed client narrows it
  data: any;
}

export type Transport = (method: string, pathAndQuery: string, body?: unknown) => Promise<ApiAnswer>;

/** The field-level issues a 400 names (ErrorBody.issues). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** A 4xx or 5xx answer: its status, the error code and message, and for a 400 each field at fault. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    readonly apiMessage: string,
    readonly issues: FieldIssue[] = [],
    readonly body: unknown = undefined,
  ) {
    super(`${status}: ${apiMessage}${issues.map((i) => `\n  ${i.path || "(root)"}: ${i.message}`).join("")}`);
  }
}

/** The API could not be reached at all (nothing listening, DNS, a reset). */
export class UnreachableError extends Error {
  override readonly name = "UnreachableError";
  constructor(
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot reach the harness at ${url}`, options);
  }
}

/** The server answered with something that is not JSON (a proxy's error page, a wrong URL). */
export class NotJsonError extends Error {
  override readonly name = "NotJsonError";
  constructor(
    readonly status: number,
    readonly url: string,
  ) {
    super(`${status}: not a JSON answer from ${url}`);
  }
}

/** Throws ApiError for an answer that is not 2xx; the error's fields come from the API's ErrorBody. */
export function checked(answer: ApiAnswer): ApiAnswer {
  if (answer.status >= 200 && answer.status < 300) return answer;
  const d = (answer.data ?? {}) as Record<string, unknown>;
  const issues = Array.isArray(d.issues)
    ? (d.issues as { path?: unknown; message?: unknown }[]).map((i) => ({
        path: String(i.path ?? ""),
        message: String(i.message ?? ""),
      }))
    : [];
  throw new ApiError(
    answer.status,
    typeof d.error === "string" ? d.error : "error",
    typeof d.message === "string" ? d.message : JSON.stringify(d),
    issues,
    answer.data,
  );
}

export interface HttpTransportOptions {
  /** The API's base URL, e.g. http://127.0.0.1:8787 (no trailing /v1). */
  baseUrl: string;
  /** A harness token (`harness token create`); sent as a bearer token. */
  token?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** Requests over HTTP. Non-2xx answers are returned, not thrown: `checked` (or the caller) decides. */
export function httpTransport(options: HttpTransportOptions): Transport {
  const base = options.baseUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;
  return async (method, pathAndQuery, body) => {
    const url = `${base}${pathAndQuery}`;
    let res: Response;
    try {
      res = await doFetch(url, {
        method,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      throw new UnreachableError(base, { cause: err });
    }
    const text = await res.text();
    try {
      return { status: res.status, data: text ? JSON.parse(text) : {} };
    } catch {
      throw new NotJsonError(res.status, url);
    }
  };
}
