import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * Where a process's DynamoDB round trips come from: every request a client sends (retries included),
 * counted by operation, by operation × table × key kind (the pk's prefix, e.g. ACCOUNT, COUNTER) and by
 * call site (the first frame of this code base outside the adapter plumbing). Off unless asked for
 * (`HARNESS_DB_PROFILE=1` for `harness demo`, or the bench): taking a stack per request costs CPU.
 * Ids only: a key kind is the text before the pk's first '#', never the id behind it.
 */
export interface RoundTripProfile {
  total: number;
  byCommand: Map<string, number>;
  byTarget: Map<string, number>;
  bySite: Map<string, number>;
}

export interface RoundTripProfiler {
  snapshot(): RoundTripProfile;
  /** Stops recording (the middleware stays, inert). */
  stop(): void;
}

export const profilingRequested = (env: NodeJS.ProcessEnv = process.env) =>
  env.HARNESS_DB_PROFILE === "1" || env.HARNESS_DB_PROFILE === "true";

type Input = Record<string, unknown>;

const kindOf = (key: unknown): string => {
  const pk = (key as { pk?: unknown } | undefined)?.pk;
  const text = typeof pk === "string" ? pk : ((pk as { S?: string } | undefined)?.S ?? "?");
  const cut = text.indexOf("#");
  return cut < 0 ? text : text.slice(0, cut);
};

/** "state"/"ledger" from a table name `<prefix>-state`. */
const tableOf = (name: unknown) => (typeof name === "string" ? name.slice(name.lastIndexOf("-") + 1) : "?");

/** Table and key kind of each item a request touches, as `table:KIND` (a set: one per distinct pair). */
export function targetsOf(input: Input): string[] {
  const out = new Set<string>();
  const add = (table: unknown, key: unknown) => out.add(`${tableOf(table)}:${kindOf(key)}`);
  if (typeof input.TableName === "string") {
    const key =
      input.Key ?? input.Item ?? (input.IndexName ? { pk: `index ${String(input.IndexName)}` } : undefined);
    const values = input.ExpressionAttributeValues as Record<string, unknown> | undefined;
    add(input.TableName, key ?? { pk: values?.[":pk"] ?? "?" });
  }
  for (const [table, req] of Object.entries((input.RequestItems ?? {}) as Record<string, unknown>)) {
    if (Array.isArray(req))
      for (const w of req as { PutRequest?: { Item: unknown }; DeleteRequest?: { Key: unknown } }[])
        add(table, w.PutRequest?.Item ?? w.DeleteRequest?.Key);
    else for (const k of (req as { Keys?: unknown[] }).Keys ?? []) add(table, k);
  }
  for (const t of (input.TransactItems ?? []) as Record<
    string,
    { TableName?: string; Key?: unknown; Item?: unknown }
  >[])
    for (const op of Object.values(t)) add(op.TableName, op.Key ?? op.Item);
  return [...out].sort();
}

const PLUMBING = /node_modules|node:|\/adapters\/dynamo\/(db|profile)\.ts|<anonymous>/;
const FRAME = /at (?:async )?(?:(\S+) \()?.*?\/((?:shared|sim|bench|bin|test)\/[^:)]+):\d+/;

/**
 * `store.ts:Method < caller.ts:function`: the first frame of this code base that is not the DynamoDB
 * plumbing (the store method that sent the request), and the first one outside the DynamoDB adapters
 * (who asked the store).
 */
export function callSite(stack: string | undefined, callers = 1): string {
  let store: string | undefined;
  const chain: string[] = [];
  for (const line of (stack ?? "").split("\n").slice(1)) {
    if (PLUMBING.test(line)) continue;
    const m = FRAME.exec(line);
    if (!m) continue;
    const here = `${m[2]}:${m[1] ?? "?"}`;
    if (chain.length === 0 && m[2]?.startsWith("shared/adapters/dynamo/")) {
      store ??= here;
      continue;
    }
    chain.push(here);
    if (chain.length >= callers) break;
  }
  if (chain.length === 0) return store ?? "?";
  return [...(store ? [store] : []), ...chain].join(" < ");
}

/**
 * How many callers past the store method a call site names: HARNESS_DB_PROFILE_CALLERS=3 tells which
 * agent or watcher is behind a store method that many use (the default, 1, keeps the table short).
 */
export const profileCallers = (env: NodeJS.ProcessEnv = process.env): number => {
  const n = Number(env.HARNESS_DB_PROFILE_CALLERS ?? 1);
  return Number.isInteger(n) && n >= 1 && n <= 8 ? n : 1;
};

/**
 * Adds the profiling middleware at the initialize step (before the SDK's retries, so the caller's
 * stack is still the one that called `send`; attempts are counted at finalizeRequest).
 */
export function profileRoundTrips(client: DynamoDBClient, callers = profileCallers()): RoundTripProfiler {
  const profile: RoundTripProfile = {
    total: 0,
    byCommand: new Map(),
    byTarget: new Map(),
    bySite: new Map(),
  };
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let on = true;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!on) return next(args);
      const name = (context.commandName ?? "unknown").replace(/Command$/, "");
      // The SDK's middleware frames come first: ten frames (the default limit) may stop short of the caller.
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 40;
      const stack = new Error().stack;
      Error.stackTraceLimit = limit;
      const site = callSite(stack, callers);
      const targets = targetsOf((args.input ?? {}) as Input);
      const attempt = { name, site, targets };
      (context as { profileAttempt?: typeof attempt }).profileAttempt = attempt;
      return next(args);
    },
    { step: "initialize", priority: "high", name: "profileRoundTripsCaller" },
  );
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const a = (context as { profileAttempt?: { name: string; site: string; targets: string[] } })
        .profileAttempt;
      if (on && a) {
        profile.total++;
        bump(profile.byCommand, a.name);
        bump(profile.bySite, `${a.name} ${a.site}`);
        bump(profile.byTarget, `${a.name} ${a.targets.join(",")}`);
      }
      return next(args);
    },
    { step: "finalizeRequest", priority: "low", name: "profileRoundTripsAttempt" },
  );
  return {
    snapshot: () => ({
      total: profile.total,
      byCommand: new Map(profile.byCommand),
      byTarget: new Map(profile.byTarget),
      bySite: new Map(profile.bySite),
    }),
    stop: () => {
      on = false;
    },
  };
}

/** The profile as text: per proposal when `proposals` is given, the `top` largest rows of each table. */
export function formatProfile(p: RoundTripProfile, proposals?: number, top = 25): string {
  const per = (n: number) => (proposals ? (n / proposals).toFixed(2).padStart(8) : "");
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, n]) => `  ${String(n).padStart(8)} ${per(n)}  ${k}`);
  return [
    `DynamoDB round trips: ${p.total}${proposals ? ` (${(p.total / proposals).toFixed(2)} per proposal over ${proposals})` : ""}`,
    `  ${"count".padStart(8)} ${proposals ? "per prop".padStart(8) : ""}  by operation`,
    ...rows(p.byCommand),
    "  by call site",
    ...rows(p.bySite),
    "  by table:key kind",
    ...rows(p.byTarget),
  ].join("\n");
}
