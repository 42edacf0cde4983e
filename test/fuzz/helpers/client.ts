/**
 * The fuzz's side of the wire: a raw node:http client (fetch would normalise paths, re-encode
 * characters and refuse invalid UTF-8 bodies, which are exactly what the fuzz sends), a counter of the
 * writes the server's DynamoDB client completes, and a full Scan of both tables.
 */
import { type Agent, request } from "node:http";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import type { Db } from "../../../shared/adapters/dynamo/db.ts";

export interface RawRequest {
  method: string;
  /** Sent as is: percent escapes, dot segments and latin-1 bytes are not touched. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
  /** Stream the body without a Content-Length, so the server only learns its size by reading it. */
  chunked?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A request that got no HTTP answer: a hang (client timeout) or a broken connection. */
export class NoAnswer extends Error {
  override readonly name = "NoAnswer";
}

/**
 * One request with a hard client timeout. The answer must be an HTTP response: a reset connection or a
 * timeout is reported as NoAnswer, never as a status.
 */
export function send(
  baseUrl: string,
  req: RawRequest,
  agent: Agent,
  timeoutMs: number,
): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body && !req.chunked) headers["content-length"] = req.body.length;
    const r = request({
      host: url.hostname,
      port: url.port,
      method: req.method,
      path: req.path,
      headers,
      agent,
      timeout: timeoutMs,
    });
    const timer = setTimeout(() => {
      r.destroy(new NoAnswer(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    r.on("timeout", () => r.destroy(new NoAnswer(`socket idle for ${timeoutMs} ms`)));
    r.on("error", (err) => {
      clearTimeout(timer);
      reject(
        err instanceof NoAnswer ? err : new NoAnswer(`${(err as NodeJS.ErrnoException).code ?? err.message}`),
      );
    });
    r.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", (err) => {
        clearTimeout(timer);
        reject(new NoAnswer(`response broken: ${err.message}`));
      });
      res.on("end", () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString("utf8"),
        });
      });
    });
    if (req.body && req.chunked) {
      // Several writes, so the body really arrives in chunks of a chunked transfer.
      const step = Math.max(1, Math.ceil(req.body.length / 4));
      for (let i = 0; i < req.body.length; i += step) r.write(req.body.subarray(i, i + step));
      r.end();
    } else r.end(req.body);
  });
}

const WRITES = new Set([
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "BatchWriteItem",
  "TransactWriteItems",
  "BatchExecuteStatement",
  "ExecuteStatement",
  "ExecuteTransaction",
]);

/**
 * Counts the write requests DynamoDB accepted from the server's client (a cancelled transaction or a
 * failed condition throws, so it writes nothing and is not counted). It pins a write on the request that
 * caused it, which the before/after Scan alone could not.
 */
export function countWrites(client: DynamoDBClient): { count: number; names: string[] } {
  const counter = { count: 0, names: [] as string[] };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      const name = (context.commandName ?? "").replace(/Command$/, "");
      if (WRITES.has(name)) {
        counter.count++;
        counter.names.push(name);
        if (counter.names.length > 100) counter.names.splice(0, 50);
      }
      return result;
    },
    { step: "finalizeRequest", priority: "low", name: "fuzzCountWrites" },
  );
  return counter;
}

/** Every item of both tables: `table pk sk` → the item as a comparable string. */
export async function scanAll(db: Db): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const [name, table] of [
    ["state", db.tables.state],
    ["ledger", db.tables.ledger],
  ] as const) {
    let start: Record<string, unknown> | undefined;
    do {
      const res = await db.doc.send(
        new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of res.Items ?? []) out.set(`${name} ${item.pk} ${item.sk}`, stable(item));
      start = res.LastEvaluatedKey;
    } while (start);
  }
  return out;
}

/** The keys of the items added, removed and changed between two scans. */
export function scanDiff(before: Map<string, string>, after: Map<string, string>) {
  return {
    added: [...after.keys()].filter((k) => !before.has(k)).sort(),
    removed: [...before.keys()].filter((k) => !after.has(k)).sort(),
    changed: [...after.keys()].filter((k) => before.has(k) && before.get(k) !== after.get(k)).sort(),
  };
}

function stable(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stable).join(",")}]`;
  if (value instanceof Set) return `Set(${[...value].map(stable).sort().join(",")})`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? String(value);
}
