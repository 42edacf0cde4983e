/**
 * What the CLI's client commands share: where local state lives, and the API client. The CLI talks to
 * a running `harness serve` / `npm start` over HTTP like any other client (the console, curl), with
 * the admin token of the data directory unless --token or HARNESS_TOKEN says otherwise.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Command, InvalidArgumentError, Option } from "commander";
import { createClient, type HarnessClient } from "../../shared/client/client.ts";
import {
  type ApiAnswer,
  checked,
  httpTransport,
  type Transport,
  UnreachableError,
} from "../../shared/client/transport.ts";

/** A commander argument parser for counts and sizes (--max, --days, --accounts). */
export const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
};

export const dataDirOption = () =>
  new Option("--data-dir <dir>", "where local state lives").default(".harness");

export const paths = (dataDir: string) => ({
  dynamo: join(dataDir, "dynamodb"),
  tokens: join(dataDir, "tokens.json"),
  adminToken: join(dataDir, "admin.token"),
  server: join(dataDir, "server.json"),
  outbox: join(dataDir, "outbox.ndjson"),
  cursorKey: join(dataDir, "cursor.key"),
  masterKey: join(dataDir, "master.key"),
  archive: join(dataDir, "archive"),
});

export type ClientOptions = { dataDir: string; url?: string; token?: string };
// biome-ignore lint/suspicious/noExplicitAny: the API's documented JSON, validated by the server
export type Call = (method: string, path: string, body?: unknown) => Promise<any>;

/** The API's base URL: --url, else the running server's (server.json), else the default port. */
export function baseUrl(opts: ClientOptions): string {
  const p = paths(opts.dataDir);
  if (opts.url) return opts.url.replace(/\/+$/, "");
  if (existsSync(p.server)) {
    try {
      return (JSON.parse(readFileSync(p.server, "utf8")) as { url: string }).url;
    } catch {
      // Being written by a starting server: the default below is as good a guess.
    }
  }
  return "http://127.0.0.1:8787";
}

/** The bearer token: --token, else HARNESS_TOKEN, else the data directory's admin token. */
function bearerOf(opts: ClientOptions): string | undefined {
  const p = paths(opts.dataDir);
  return (
    opts.token ??
    process.env.HARNESS_TOKEN ??
    (existsSync(p.adminToken) ? readFileSync(p.adminToken, "utf8").trim() : undefined)
  );
}

/**
 * The HTTP transport of the typed client (shared/client), with the CLI's advice when the server is
 * not there or still starting.
 */
function cliTransport(opts: ClientOptions): Transport {
  const url = baseUrl(opts);
  const transport = httpTransport({ baseUrl: url, token: bearerOf(opts) });
  return async (method, path, body) => {
    let answer: ApiAnswer;
    try {
      answer = await transport(method, path, body);
    } catch (err) {
      if (err instanceof UnreachableError)
        throw new Error(
          `cannot reach the harness at ${url}: start it with \`npm start\` or \`harness serve\` (then \`harness wait\`)`,
        );
      throw err;
    }
    if (answer.status === 503 && answer.data?.status === "starting")
      throw new Error(
        `the harness at ${url} is still starting (${String(answer.data.message)}): run \`harness wait\``,
      );
    return answer;
  };
}

/** Client commands talk to a running `harness serve`: untyped calls by method and path. */
export function client(opts: ClientOptions): Call {
  const transport = cliTransport(opts);
  return async (method: string, path: string, body?: unknown) =>
    checked(await transport(method, path, body ? body : undefined)).data;
}

/** The typed client (shared/client/client.ts) with the same URL, token and advice as `client`. */
export const typedClient = (opts: ClientOptions): HarnessClient => createClient(cliTransport(opts));

export type WithClient = (cmd: Command) => Command;

export const withClient: WithClient = (cmd: Command) =>
  cmd
    .addOption(dataDirOption())
    .option("--url <url>", "harness API base URL")
    .option("--token <token>", "bearer token (default: HARNESS_TOKEN or the admin token)");

/** Follows a paginated listing's cursor to its end (or `max` items). */
export async function allItems<T>(call: Call, path: string, max = 10_000): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes("?") ? "&" : "?";
    const page: { items: T[]; cursor?: string | null } = await call(
      "GET",
      `${path}${cursor ? `${sep}cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    items.push(...page.items);
    cursor = page.cursor ?? null;
  } while (cursor && items.length < max);
  return items.slice(0, max);
}

/** Prints JSON when --json is given, else the lines. */
export function output(json: boolean | undefined, data: unknown, lines: () => string[]): void {
  if (json) console.log(JSON.stringify(data, null, 2));
  else for (const l of lines()) console.log(l);
}
