import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/** Per-operation count of the HTTP requests a DynamoDB client sends (retries included), and their time. */
export interface CommandRecorder {
  snapshot(): Map<string, number>;
  /** Milliseconds spent inside requests so far: signing, the HTTP exchange and deserialization. */
  busyMs(): number;
}

/**
 * Adds a middleware to the client's stack that records `context.commandName` of every request. It sits
 * in the finalizeRequest step at low priority, inside the retry middleware, so each attempt counts.
 * The DocumentClient shares its client's middleware stack, so requests sent through `db.doc` count too.
 */
export function recordCommands(client: DynamoDBClient): CommandRecorder {
  const counts = new Map<string, number>();
  let busy = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = (context.commandName ?? "unknown").replace(/Command$/, "");
      counts.set(name, (counts.get(name) ?? 0) + 1);
      const started = performance.now();
      try {
        return await next(args);
      } finally {
        busy += performance.now() - started;
      }
    },
    { step: "finalizeRequest", priority: "low", name: "benchRecordCommands" },
  );
  return { snapshot: () => new Map(counts), busyMs: () => busy };
}

/** What was sent between two snapshots. */
export function diffCounts(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, n] of after) {
    const d = n - (before.get(name) ?? 0);
    if (d > 0) out.set(name, d);
  }
  return out;
}
