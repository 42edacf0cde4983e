/**
 * The typed client of the harness API: one method per operation in operations.ts, its arguments and
 * answer typed from the route's zod schemas. The server validates every input (a 400 names the field,
 * thrown as ApiError); the client only shapes the request.
 *
 *   const harness = harnessClient({ baseUrl: "http://127.0.0.1:8787", token: process.env.HARNESS_TOKEN });
 *   const d = await harness.propose({ body: { proposalId, agentId, action, target, reasoning, confidence } });
 */
import type * as z from "zod";
import { OPERATIONS, type Operation, type OperationName, type Operations } from "./operations.ts";
import { checked, type HttpTransportOptions, httpTransport, type Transport } from "./transport.ts";

/** `/v1/agents/{agentId}/decisions/{id}` -> "agentId" | "id". */
type PathParams<P extends string> = P extends `${string}{${infer N}}${infer R}` ? N | PathParams<R> : never;
type Empty = Record<never, never>;

export type ArgsOf<O extends Operation> = { [K in PathParams<O["path"]>]: string } & (O extends {
  query: infer Q extends z.core.$ZodType;
}
  ? { query?: z.input<Q> }
  : Empty) &
  (O extends { body: infer B extends z.core.$ZodType } ? { body: z.input<B> } : Empty);

export type ResultOf<O extends Operation> = z.output<O["response"]>;

type Method<O extends Operation> = keyof ArgsOf<O> extends never
  ? (args?: ArgsOf<O>) => Promise<ResultOf<O>>
  : (args: ArgsOf<O>) => Promise<ResultOf<O>>;

export type HarnessClient = { [N in OperationName]: Method<Operations[N]> } & {
  /** The transport underneath, for an operation the table does not list yet. */
  readonly transport: Transport;
};

/** The path with its parameters filled in (percent-encoded) and the query's defined values appended. */
export function buildPath(template: string, params: Record<string, unknown>, query?: unknown): string {
  const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = params[name];
    if (typeof value !== "string" || value === "")
      throw new TypeError(`${template}: the path parameter ${name} is required`);
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries((query ?? {}) as Record<string, unknown>))
    if (v !== undefined && v !== null) search.set(k, String(v));
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

export function createClient(transport: Transport): HarnessClient {
  const methods: Record<string, unknown> = { transport };
  for (const [name, op] of Object.entries(OPERATIONS) as [OperationName, Operation][]) {
    methods[name] = async (args: Record<string, unknown> = {}) => {
      const answer = await transport(op.method, buildPath(op.path, args, args.query), args.body);
      return checked(answer).data;
    };
  }
  return methods as HarnessClient;
}

/** A client over HTTP with a bearer token. */
export const harnessClient = (options: HttpTransportOptions) => createClient(httpTransport(options));
