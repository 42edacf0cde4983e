/**
 * Property-based fuzz of every route of the API (issue 7): generated bad requests, sent over HTTP to a
 * real local server (createLocalRuntime + createLocalServer on DynamoDB Local) holding real data, with
 * valid tokens of every role. Every route in ROUTES is fuzzed in every category that applies to it:
 *
 *   method         a method the path does not serve
 *   auth           no, garbage, unknown, expired, revoked or forged credentials; a credential of the
 *                  wrong role; an agent proposing as another; an approver whose subject is the agent
 *   path           bad % escapes, huge, unicode, dot segments, injection attempts; unknown ids where
 *                  the target must exist
 *   query          unknown keys, limits out of range, forged cursors, bad values, missing filters
 *   limits         nesting deeper than 32, 1e200, 1e-200, integers beyond 2^53, empty keys, bodies
 *                  over the size limit (also streamed without a length), anywhere in the body
 *   schema         missing fields, wrong types, unknown keys, huge strings, hand-written cases
 *   prototype-keys `__proto__`, `constructor`, `prototype` as body keys (anywhere) or query keys
 *   garbage        not a JSON object, truncated JSON, random bytes, YAML bombs for the spec route
 *   content-type   a valid body declared as XML, a form, HTML, bytes or an image
 *   encoding       invalid UTF-8 in a string of a valid body
 *   header-size    a header past the server's limit
 *   stray-body     on routes without a body (GET, DELETE): bodies no route may take (unreadable YAML
 *                  or JSON, JSON beyond the limits), which the edge parses before any route runs
 *
 * Each case must get a 4xx (never a 5xx, never a hang: each request has a client timeout), write
 * nothing (no DynamoDB write completes during it; the clock and the outbox do not move), and leak no
 * internals. At the end a full Scan of the state and ledger tables equals the one taken before, and the
 * server still answers /v1/health and decides a valid proposal.
 *
 * Size and seed: FUZZ_RUNS (default 10,000) cases in total, spread evenly over the (route, category)
 * pairs; FUZZ_SEED (default 20260310) fixes the generation, so CI is reproducible. A longer run:
 *   FUZZ_RUNS=100000 FUZZ_SEED=$RANDOM npx vitest run --project fuzz
 * A failure prints the shrunk counterexample with fast-check's seed and path to replay it.
 */
import { Agent } from "node:http";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES } from "../../shared/http/routes.ts";
import { emailProposal, expectStatus } from "../e2e/helpers/harness.ts";
import { type Category, casesFor, categoriesFor, type FuzzCase } from "./helpers/arbitraries.ts";
import { build } from "./helpers/build.ts";
import { countWrites, NoAnswer, scanAll, scanDiff, send } from "./helpers/client.ts";
import { examples, routeKey } from "./helpers/examples.ts";
import { type FuzzWorld, SHAPE_IDS, startWorld, WRITER } from "./helpers/world.ts";

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name}=${raw}: expected a non-negative integer`);
  return n;
}

const SEED = intFromEnv("FUZZ_SEED", 20260310);
const RUNS = Math.max(1, intFromEnv("FUZZ_RUNS", 10_000));
const TIMEOUT_MS = 10_000;

/** Declared before the world exists: the examples' shapes decide which categories apply. */
const shapes = examples(SHAPE_IDS);
const PAIRS: { key: string; category: Category }[] = ROUTES.flatMap((route) =>
  categoriesFor(route, shapes[routeKey(route)]).map((category) => ({ key: routeKey(route), category })),
);
const RUNS_EACH = Math.ceil(RUNS / PAIRS.length);

let w: FuzzWorld;
let writes: { count: number; names: string[] };
let before: Map<string, string>;
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const stats = { requests: 0, byStatus: new Map<number, number>() };

beforeAll(async () => {
  console.log(
    `fuzz: seed ${SEED} (FUZZ_SEED), ${RUNS} cases (FUZZ_RUNS) over ${PAIRS.length} route × category pairs, ${RUNS_EACH} each`,
  );
  w = await startWorld();
  writes = countWrites(w.h.rt.db.raw);
  await w.h.rt.bus.drain();
  before = await scanAll(w.h.rt.db);
});

afterAll(async () => {
  const statuses = [...stats.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
  console.log(`fuzz: ${stats.requests} requests (seed ${SEED}); statuses ${statuses.join(" ")}`);
  agent.destroy();
  await w?.h.close();
});

const describeCase = (c: FuzzCase) =>
  `${c.what}: ${c.method} ${c.path.length > 200 ? `${c.path.slice(0, 200)}…` : c.path} [auth ${c.auth.slice(0, 60)}]`;

/** Internals a 4xx must never show: stack frames, source paths, dependency names. */
const LEAK = /\n\s+at |node_modules|\.ts:\d+|ValidationException|TransactionCanceled/;

/** The oracle: one bad request, answered with a 4xx, changing nothing. */
async function check(c: FuzzCase): Promise<void> {
  const { rt } = w.h;
  const req = build(c, w.tokens);
  const wrote = writes.count;
  const clock = rt.clock.now();
  const outbox = rt.sandbox.entries.length;
  stats.requests++;
  let res: Awaited<ReturnType<typeof send>>;
  try {
    res = await send(w.h.server.url, req, agent, TIMEOUT_MS);
  } catch (err) {
    if (err instanceof NoAnswer) throw new Error(`${describeCase(c)} → no HTTP answer (${err.message})`);
    throw err;
  }
  stats.byStatus.set(res.status, (stats.byStatus.get(res.status) ?? 0) + 1);
  await rt.bus.drain();
  const problems: string[] = [];
  if (res.status < 400 || res.status > 499) problems.push(`status ${res.status}`);
  const written = writes.count - wrote;
  if (written) problems.push(`${written} DynamoDB write(s) (${writes.names.slice(-written).join(", ")})`);
  if (rt.clock.now() !== clock) {
    problems.push(`moved the clock to ${new Date(rt.clock.now()).toISOString()}`);
    // Put it back, so one accepted move does not turn every later case into a failure.
    rt.clock.set(clock);
  }
  if (rt.sandbox.entries.length !== outbox) problems.push("sent something through the connector");
  if (LEAK.test(res.text)) problems.push("internals in the response");
  if (problems.length)
    throw new Error(`${describeCase(c)} → ${problems.join("; ")}: ${res.status} ${res.text.slice(0, 300)}`);
}

PAIRS.forEach(({ key, category }, i) => {
  describe(key, () => {
    it(`rejects bad requests: ${category}`, async () => {
      const route = ROUTES.find((r) => routeKey(r) === key)!;
      const all = examples(w);
      const knownIds = [w.pending.decisionId, w.scheduled.decisionId, w.pauseId, "acme", "globex", WRITER];
      await fc.assert(fc.asyncProperty(casesFor(category, { route, example: all[key], knownIds }), check), {
        numRuns: RUNS_EACH,
        seed: SEED + i,
      });
    });
  });
});

describe("after the fuzz", () => {
  it("wrote nothing: a full Scan of the state and ledger tables equals the one before", async () => {
    await w.h.rt.bus.drain();
    expect(scanDiff(before, await scanAll(w.h.rt.db))).toEqual({ added: [], removed: [], changed: [] });
  });

  it("is alive: /v1/health answers 200 and a valid proposal is decided", async () => {
    expectStatus(await w.h.call("GET", "/v1/health"), 200);
    const decided = expectStatus(
      await w.h.call("POST", "/v1/proposals", w.tokens.agents[WRITER], emailProposal(WRITER, "globex")),
      201,
    );
    expect(
      expectStatus(await w.h.call("GET", `/v1/decisions/${decided.decisionId}`, w.tokens.viewer), 200),
    ).toMatchObject({
      decisionId: decided.decisionId,
      verdict: decided.verdict,
    });
  });
});
