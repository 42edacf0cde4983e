import { randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import { inject } from "vitest";
import type { DownstreamTools } from "../../shared/adapters/connectors/mcp-downstream-tools.ts";
import { DynamoEngine } from "../../shared/adapters/dynamo-memory/engine.ts";
import { SimulatedClock, systemClock } from "../../shared/adapters/local/clock.ts";
import { SandboxConnector } from "../../shared/adapters/local/sandbox-connector.ts";
import { createToken } from "../../shared/adapters/local/token-store.ts";
import type { Embeddings } from "../../shared/kb/ports.ts";
import type { TokenRecord, TokenStore } from "../../shared/ports.ts";
import { createLocalRuntime, type LocalRuntime } from "../../shared/runtime/local.ts";
import { createLocalServer, type LocalServerOptions } from "../../shared/runtime/server.ts";

export class MemoryTokenStore implements TokenStore {
  readonly records = new Map<string, TokenRecord>();
  async put(r: TokenRecord) {
    this.records.set(r.tokenHash, r);
  }
  async get(h: string) {
    return this.records.get(h);
  }
  async list() {
    return [...this.records.values()];
  }
}

/** A Tuesday, 10:00 in New York: far from day boundaries unless a test moves the clock. */
export const T0 = Date.parse("2026-03-10T14:00:00Z");

export interface TestRuntime extends LocalRuntime {
  clock: SimulatedClock;
  sandbox: SandboxConnector;
  tokens: MemoryTokenStore;
}

/**
 * The databases a runtime can run on: this run's DynamoDB Local, or the in-process engine (what the
 * simulation uses). The invariant tests run on both (`describe.each(STORES)`).
 */
export const STORES = ["dynamodb-local", "in-process"] as const;
export type TestStore = (typeof STORES)[number];

export async function startRuntime(
  options: {
    /** Default: DynamoDB Local. */
    store?: TestStore;
    at?: number;
    connector?: SandboxConnector;
    runWorkers?: boolean;
    archiveDir?: string;
    downstream?: DownstreamTools;
    embeddings?: Embeddings;
  } = {},
): Promise<TestRuntime> {
  const clock = new SimulatedClock(options.at ?? T0);
  const tokens = new MemoryTokenStore();
  const sandbox = options.connector ?? new SandboxConnector(undefined, () => clock.now());
  const runtime = await createLocalRuntime({
    ...(options.store === "in-process"
      ? { engine: new DynamoEngine() }
      : { endpoint: inject("dynamoEndpoint"), credentials: inject("dynamoCredentials") }),
    tablePrefix: `t${randomBytes(5).toString("hex")}`,
    clock,
    simulated: true,
    tokens,
    connector: sandbox,
    log: () => {},
    ...(options.runWorkers === false ? { runWorkers: false } : {}),
    ...(options.archiveDir ? { archiveDir: options.archiveDir } : {}),
    ...(options.downstream ? { downstream: options.downstream } : {}),
    ...(options.embeddings ? { embeddings: options.embeddings } : {}),
  });
  return { ...runtime, clock, sandbox, tokens };
}

export interface TestServer {
  url: string;
  token(subject: string, ...roles: string[]): Promise<string>;
  call(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * A local server for the runtime. Tokens expire on the wall clock (`wallClock`, the system's unless a
 * test injects one), whatever the simulated clock says; `token()` stamps them on that clock too.
 */
export async function startServer(
  runtime: TestRuntime,
  options: LocalServerOptions = {},
): Promise<TestServer> {
  const wallClock = options.wallClock ?? systemClock;
  const server = createLocalServer(runtime.deps, { ...options, wallClock });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    token: (subject, ...roles) =>
      createToken(runtime.tokens, subject, roles, new Date(wallClock.now()).toISOString()),
    call: async (method, path, token, body, contentType = "application/json") => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body !== undefined ? { "content-type": contentType } : {}),
        },
        ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
