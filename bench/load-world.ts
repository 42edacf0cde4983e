/**
 * The load section's world: a local server wired as `harness serve --clock simulated`, its agents and
 * their proposal mix, a keep-alive HTTP client, and the bare replay of the gate's write.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { type Agent, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TransactWriteItemsCommandInput } from "@aws-sdk/client-dynamodb";
import type { DynamoLocalConnection } from "../shared/adapters/dynamo/db.ts";
import { SimulatedClock, systemClock } from "../shared/adapters/local/clock.ts";
import { createToken } from "../shared/adapters/local/token-store.ts";
import { DEFAULT_RATE_LIMIT } from "../shared/http/rate-limit.ts";
import { createLocalRuntime, type LocalRuntime } from "../shared/runtime/local.ts";
import { createLocalServer } from "../shared/runtime/server.ts";
import { getSpec } from "../shared/usecases/admin.ts";
import { pinTrust } from "../shared/usecases/trust.ts";
import { DAY, emailProposal, T0 } from "./world.ts";

const WRITERS = Array.from({ length: 8 }, (_, i) => `load-writer-${i + 1}`);
const SCHEDULER = "load-scheduler";
const DRAFTER = "load-drafter";
const LINKEDIN = "load-linkedin";

/**
 * Every ten proposals: five emails and one LinkedIn message allowed (level 3), one email scheduled
 * (level 2), one awaiting approval (level 1), one colliding with the first of the ten on its account
 * (exactly one of the pair is deferred), one for an account the knowledge base does not know (blocked).
 * Each block runs on a new simulated day, so the spec's daily caps never decide.
 */
export const EXPECTED_PER_TEN = { allow: 6, schedule: 1, require_approval: 1, defer: 1, block: 1 };

export interface Side {
  ops: number;
  seconds: number;
  latencies: number[];
}

export interface Stack {
  runtime: LocalRuntime;
  clock: SimulatedClock;
  url: string;
  tokens: Map<string, string>;
  close(): Promise<void>;
}

/** `harness serve --clock simulated` on a throwaway data dir, minus the daily digest (see below). */
export async function startStack(
  db: DynamoLocalConnection,
  errors: string[],
  runWorkers = true,
): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "harness-load-"));
  const clock = new SimulatedClock(T0);
  const runtime = await createLocalRuntime({
    endpoint: db.endpoint,
    credentials: db.credentials,
    tablePrefix: `load${randomBytes(4).toString("hex")}`,
    clock,
    simulated: true,
    outboxPath: join(dir, "outbox.ndjson"),
    tokenPath: join(dir, "tokens.json"),
    cursorKeyPath: join(dir, "cursor.key"),
    masterKeyPath: join(dir, "master.key"),
    // No archiveDir: each block is a new simulated day, and a real day's one ledger digest would then
    // run every few seconds, inside the timed blocks.
    log: (msg, data) => errors.push(`${msg} ${JSON.stringify(data)}`),
    runWorkers,
  });
  await runtime.reconcile();
  runtime.scheduler.start(500);
  const server = createLocalServer(runtime.deps, { rateLimit: DEFAULT_RATE_LIMIT });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const spec = await getSpec(runtime.deps, "current");
  const tokens = new Map<string, string>();
  // Stamped on the wall clock, which the server judges token expiry by.
  const at = new Date(systemClock.now()).toISOString();
  for (const agentId of [...WRITERS, SCHEDULER, DRAFTER, LINKEDIN])
    tokens.set(
      agentId,
      await createToken(runtime.deps.tokens, `agent:${agentId}`, [`agent:${agentId}`], at, 90 * DAY),
    );
  const pin = (agentId: string, actionType: string, level: 2 | 3) =>
    pinTrust(runtime.deps, spec, agentId, actionType, level, "load benchmark mix", "admin:bench");
  for (const agentId of WRITERS) await pin(agentId, "email.send", 3);
  await pin(SCHEDULER, "email.send", 2);
  await pin(LINKEDIN, "linkedin.message", 3);
  return {
    runtime,
    clock,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tokens,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await runtime.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The i-th proposal of a block: its agent and body (see EXPECTED_PER_TEN). */
export function proposalOf(block: string, i: number) {
  const account = (j: number) => `${block}-a${j}`;
  const slot = i % 10;
  const writer = WRITERS[Math.floor(i / 10) % WRITERS.length]!;
  const base = (agentId: string, accountId: string) => ({
    ...emailProposal(agentId, accountId),
    proposalId: `${block}-p${i}`,
  });
  if (slot <= 4) return base(writer, account(i));
  if (slot === 5) return base(SCHEDULER, account(i));
  if (slot === 6) return base(DRAFTER, account(i));
  if (slot === 7)
    return {
      ...base(LINKEDIN, account(i)),
      action: { type: "linkedin.message" },
      payload: {
        body: "Hi Jane, noticed your team is evaluating analytics tooling; would a short guide help?",
      },
    };
  if (slot === 8) return base(writer, account(i - 8));
  return base(writer, `${block}-unknown${i}`);
}

export const accountsOf = (block: string, n: number) =>
  Array.from({ length: n }, (_, i) => i).flatMap((i) => (i % 10 <= 7 ? [`${block}-a${i}`] : []));

export function post(
  url: string,
  agent: Agent,
  token: string,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/v1/proposals`,
      {
        method: "POST",
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** `n` operations, `concurrency` at a time; the wall time from the first start to the last end. */
export async function runBlock(
  n: number,
  concurrency: number,
  op: (i: number) => Promise<void>,
): Promise<Side> {
  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, n) }, async () => {
      for (let i = next++; i < n; i = next++) {
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { ops: n, seconds: (performance.now() - started) / 1000, latencies };
}

/** Fresh keys for a captured transaction: every item's `pk` gets a unique suffix, nothing else changes. */
export function rekey(template: TransactWriteItemsCommandInput, n: number): TransactWriteItemsCommandInput {
  const suffix = `#bare-${n}`;
  const key = (k: Record<string, { S?: string }> | undefined) =>
    k ? { ...k, pk: { S: `${k.pk?.S ?? ""}${suffix}` } } : k;
  return {
    TransactItems: (template.TransactItems ?? []).map((item) => ({
      ...(item.Put ? { Put: { ...item.Put, Item: key(item.Put.Item as never) as never } } : {}),
      ...(item.Update ? { Update: { ...item.Update, Key: key(item.Update.Key as never) as never } } : {}),
      ...(item.Delete ? { Delete: { ...item.Delete, Key: key(item.Delete.Key as never) as never } } : {}),
      ...(item.ConditionCheck
        ? { ConditionCheck: { ...item.ConditionCheck, Key: key(item.ConditionCheck.Key as never) as never } }
        : {}),
    })),
  };
}
