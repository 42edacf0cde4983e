/**
 * What the CLI's client commands share: where local state lives, and the API client. The CLI talks to
 * a running `harness serve` / `npm start` over HTTP like any other client (the console, curl), with
 * the admin token of the data directory unless --token or HARNESS_TOKEN says otherwise.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Command, Option } from "commander";

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

/** Client commands talk to a running `harness serve`. */
export function client(opts: ClientOptions): Call {
  const p = paths(opts.dataDir);
  const url = baseUrl(opts);
  const bearer =
    opts.token ??
    process.env.HARNESS_TOKEN ??
    (existsSync(p.adminToken) ? readFileSync(p.adminToken, "utf8").trim() : undefined);
  return async (method: string, path: string, body?: unknown) => {
    let res: Response;
    try {
      res = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...(body ? { "content-type": "application/json" } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      throw new Error(
        `cannot reach the harness at ${url}: start it with \`npm start\` or \`harness serve\` (then \`harness wait\`)`,
      );
    }
    const text = await res.text();
    let data: Record<string, unknown>;
    try {
      data = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      throw new Error(`${res.status}: not a JSON answer from ${url}${path}`);
    }
    if (res.status === 503 && data.status === "starting")
      throw new Error(
        `the harness at ${url} is still starting (${String(data.message)}): run \`harness wait\``,
      );
    if (!res.ok) {
      const issues = Array.isArray(data.issues)
        ? (data.issues as { path?: string; message?: string }[])
            .map((i) => `\n  ${i.path || "(root)"}: ${i.message}`)
            .join("")
        : "";
      throw new Error(`${res.status}: ${String(data.message ?? JSON.stringify(data))}${issues}`);
    }
    return data;
  };
}

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
