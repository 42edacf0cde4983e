/**
 * The load figure (issue 7): proposals per second and p50/p99 latency at several concurrencies,
 * through HTTP to a local server wired as `harness serve --clock simulated` wires it (file token store,
 * sealed personal data, sandbox outbox, executor and scheduler running, default rate limit), next to
 * DynamoDB Local's own ceiling measured in the same run: the gate's own TransactWriteItems for an
 * allowed touch, replayed bare on fresh keys through the same client. Gate and ceiling blocks alternate
 * (ABBA) so that noise on the shared machine hits both; the ratio is the figure that carries over.
 */
import { Agent } from "node:http";
import { TransactWriteItemsCommand, type TransactWriteItemsCommandInput } from "@aws-sdk/client-dynamodb";
import type { DynamoLocalConnection } from "../shared/adapters/dynamo/db.ts";
import {
  accountsOf,
  EXPECTED_PER_TEN,
  post,
  proposalOf,
  rekey,
  runBlock,
  type Side,
  startStack,
} from "./load-world.ts";
import { percentile } from "./stats.ts";
import { DAY, seedAccounts } from "./world.ts";

export type { Side } from "./load-world.ts";

export interface LoadOptions {
  concurrencies: number[];
  /** Gate/ceiling block pairs per concurrency, alternating ABBA. */
  rounds: number;
  /** Proposals (and bare writes) per block; rounded up to a multiple of ten. */
  perBlock: (concurrency: number) => number;
  /**
   * Run the executor of allowed actions, as `harness serve` does; off measures the gate's own path.
   * @default true
   */
  executor?: boolean;
  /** Proposals (and bare writes) of the untimed warm-up block. @default 100 */
  warmUp?: number;
  progress?: (msg: string) => void;
}

export interface LoadResult {
  rows: { concurrency: number; gate: Side; ceiling: Side }[];
  /** The items of the gate's write for an allowed email, which the ceiling replays (`Put DECISION`…). */
  writeItems: string[];
  verdicts: Record<string, number>;
  /** The gate's commits (TransactWriteItems) per proposal: above 1 means retries on contention. */
  gateWritesPerProposal: number;
  /**
   * DynamoDB requests per proposal during the gate's blocks, everything included: the gate's read and
   * write, the executor's transitions of allowed actions, the scheduler's polls.
   */
  roundTripsPerProposal: number;
  executor: boolean;
  /** What the runtime logged that is not a failure (e.g. a dispatched decision reconciled). */
  notes: string[];
}

export async function measureLoad(db: DynamoLocalConnection, options: LoadOptions): Promise<LoadResult> {
  const progress = options.progress ?? (() => {});
  const logged: string[] = [];
  const stack = await startStack(db, logged, options.executor ?? true);
  const { runtime, clock } = stack;
  // The gate's writes, as sent: counted per proposal, and the first allowed email's kept as the template.
  let template: TransactWriteItemsCommandInput | undefined;
  let gateWrites = 0;
  let capturing = true;
  runtime.db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as TransactWriteItemsCommandInput;
      // The gate's commit is the transaction that creates a decision item (transitions replace it on a
      // version condition).
      const decision = input.TransactItems?.find(
        (t) => t.Put?.Item?.sk?.S === "DECISION" && t.Put.ConditionExpression === "attribute_not_exists(pk)",
      )?.Put?.Item;
      if (capturing && context.commandName === "TransactWriteItemsCommand" && decision) {
        gateWrites++;
        if (!template && decision.status?.S === "dispatched" && decision.actionType?.S === "email.send")
          template = structuredClone(input);
      }
      return next(args);
    },
    { step: "build", name: "benchLoadCapture" },
  );
  const verdicts: Record<string, number> = {};
  // A fresh keep-alive pool per block: a connection left idle past the server's keep-alive timeout
  // (while the next block is seeded) could be closed by the server just as it is reused.
  let agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let blocks = 0;
  let proposals = 0;
  let roundTrips = 0;
  let bare = 0;

  const gateBlock = async (concurrency: number, n: number, count: boolean): Promise<Side> => {
    // A new simulated day with its own accounts; what fell due overnight runs before the clock starts.
    clock.advance(DAY);
    await runtime.scheduler.tick();
    await runtime.bus.drain();
    const block = `b${++blocks}`;
    await seedAccounts(runtime.db, clock.now(), accountsOf(block, n));
    const bodies = Array.from({ length: n }, (_, i) => proposalOf(block, i));
    agent.destroy();
    agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const trips = runtime.db.roundTrips.count;
    const side = await runBlock(n, concurrency, async (i) => {
      const p = bodies[i]!;
      const res = await post(stack.url, agent, stack.tokens.get(p.agentId)!, JSON.stringify(p));
      if (res.status !== 201)
        throw new Error(`proposal ${p.proposalId}: ${res.status} ${res.text.slice(0, 300)}`);
      if (count) {
        const verdict = (JSON.parse(res.text) as { verdict: string }).verdict;
        verdicts[verdict] = (verdicts[verdict] ?? 0) + 1;
      }
    });
    await runtime.bus.drain();
    if (count) {
      proposals += n;
      // Everything the server sent while the block ran and until its executions were done.
      roundTrips += runtime.db.roundTrips.count - trips;
    }
    return side;
  };

  const ceilingBlock = async (concurrency: number, n: number): Promise<Side> => {
    if (!template) throw new Error("no allowed email was decided: nothing to replay as the ceiling");
    const inputs = Array.from({ length: n }, () => rekey(template!, ++bare));
    capturing = false;
    try {
      return await runBlock(n, concurrency, async (i) => {
        await runtime.db.raw.send(new TransactWriteItemsCommand(inputs[i]!));
      });
    } finally {
      capturing = true;
    }
  };

  try {
    progress("load: warm-up block (JIT, connections)");
    const warmUp = Math.ceil((options.warmUp ?? 100) / 10) * 10;
    await gateBlock(10, warmUp, false);
    await ceilingBlock(10, warmUp);
    const writesBefore = gateWrites;
    const rows: LoadResult["rows"] = [];
    for (const concurrency of options.concurrencies) {
      const n = Math.ceil(options.perBlock(concurrency) / 10) * 10;
      const gate: Side = { ops: 0, seconds: 0, latencies: [] };
      const ceiling: Side = { ops: 0, seconds: 0, latencies: [] };
      const add = (into: Side, s: Side) => {
        into.ops += s.ops;
        into.seconds += s.seconds;
        into.latencies.push(...s.latencies);
      };
      for (let round = 0; round < options.rounds; round++) {
        progress(`load: concurrency ${concurrency}, round ${round + 1}/${options.rounds} (${n} + ${n})`);
        // ABBA: gate first in even rounds, ceiling first in odd ones.
        if (round % 2 === 0) {
          add(gate, await gateBlock(concurrency, n, true));
          add(ceiling, await ceilingBlock(concurrency, n));
        } else {
          add(ceiling, await ceilingBlock(concurrency, n));
          add(gate, await gateBlock(concurrency, n, true));
        }
      }
      rows.push({ concurrency, gate, ceiling });
    }
    checkMix(verdicts, proposals);
    // Failures stop the run; what the runtime merely reports (a reconciliation, a recovery) is printed.
    const failures = logged.filter((line) => /failed|does not verify/.test(line));
    if (failures.length > 0)
      throw new Error(`the server reported failures:\n${failures.slice(0, 10).join("\n")}`);
    return {
      rows,
      writeItems: (template?.TransactItems ?? []).map(describeItem),
      verdicts,
      gateWritesPerProposal: (gateWrites - writesBefore) / proposals,
      roundTripsPerProposal: roundTrips / proposals,
      executor: options.executor ?? true,
      notes: logged,
    };
  } finally {
    agent.destroy();
    await stack.close();
  }
}

/** `Put ledger DECISION`, `Update state COUNTER#…`: what one item of a transaction writes, without ids. */
function describeItem(item: NonNullable<TransactWriteItemsCommandInput["TransactItems"]>[number]): string {
  const [op, body] = Object.entries(item).find(([, v]) => v !== undefined) as [
    string,
    { TableName?: string; Item?: Record<string, { S?: string }>; Key?: Record<string, { S?: string }> },
  ];
  const key = body.Item ?? body.Key ?? {};
  const kind = (v: string | undefined) => (v ?? "?").split("#")[0];
  return `${op} ${body.TableName?.replace(/^.*-/, "")} ${kind(key.pk?.S)}/${kind(key.sk?.S)}`;
}

/** A different mix would measure a different path: the run stops rather than print it. */
function checkMix(verdicts: Record<string, number>, proposals: number) {
  for (const [verdict, per] of Object.entries(EXPECTED_PER_TEN)) {
    const want = (proposals / 10) * per;
    if ((verdicts[verdict] ?? 0) !== want)
      throw new Error(
        `expected ${want} ${verdict} verdicts of ${proposals}, got ${JSON.stringify(verdicts)}`,
      );
  }
}

export const perSecond = (s: Side) => s.ops / s.seconds;

function loadTable(r: LoadResult, table: (rows: string[][]) => string): string {
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  const x = (v: number) => `${v.toFixed(2)}×`;
  const stats = (s: Side) => ({
    rate: perSecond(s),
    p50: percentile(s.latencies, 50),
    p99: percentile(s.latencies, 99),
  });
  return table([
    ["concurrency", "gate /s", "p50", "p99", "ceiling /s", "p50", "p99", "gate/ceiling /s", "p50", "p99"],
    ...r.rows.map(({ concurrency, gate, ceiling }) => {
      const g = stats(gate);
      const c = stats(ceiling);
      return [
        String(concurrency),
        g.rate.toFixed(1),
        ms(g.p50),
        ms(g.p99),
        c.rate.toFixed(1),
        ms(c.p50),
        ms(c.p99),
        x(g.rate / c.rate),
        x(g.p50 / c.p50),
        x(g.p99 / c.p99),
      ];
    }),
  ]);
}

/** Section 6: one table per result (the gate's own path, then as `harness serve` runs it). */
export function loadSection(results: LoadResult[], table: (rows: string[][]) => string): string {
  const first = results[0];
  if (!first) return "6. Load through HTTP: not measured";
  const mix = Object.entries(first.verdicts)
    .map(([v, n]) => `${v} ${n}`)
    .join(", ");
  return [
    "6. Load through HTTP: proposals/s and latency at each concurrency, next to DynamoDB Local's ceiling in the same run",
    "   gate: POST /v1/proposals to a local server wired as `harness serve --clock simulated` (file tokens, sealed",
    `   personal data, scheduler, default rate limit), one agent token each; mix per run ${mix}`,
    `   ceiling: the gate's ${first.writeItems.length}-item TransactWriteItems for an allowed email, replayed bare on fresh keys`,
    `   through the same client (${first.writeItems.join(", ")})`,
    ...results.flatMap((r) => [
      "",
      r.executor
        ? "   b) as `harness serve` runs: the executor sends allowed actions in the background (sandbox outbox)"
        : "   a) the gate's path: executor off, as sections 1 and 2",
      `      ${r.gateWritesPerProposal.toFixed(2)} gate commits and ${r.roundTripsPerProposal.toFixed(1)} DynamoDB requests per proposal in all`,
      loadTable(r, table),
      ...r.notes.slice(0, 5).map((note) => `      runtime: ${note}`),
    ]),
    "",
    "   Throughput ratio: the share of DynamoDB Local's ceiling reached; latency ratios: how many times longer a proposal",
    "   takes than the bare write. Gate and ceiling blocks alternate (ABBA) on one DynamoDB Local, each block on a new day.",
  ].join("\n");
}
