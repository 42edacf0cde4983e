/**
 * `npm start` / `harness start`: the local harness with the simulated market and every agent on an
 * accelerated clock, the API served on localhost, and a line per simulated day saying what happened.
 * State is in memory (each start is a fresh world); tokens, the outbox and server.json go under the
 * data directory so the other CLI commands (approvals, trust, explain, outbox) work against it.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { systemClock } from "../shared/adapters/local/clock.ts";
import { startDynamoLocal } from "../shared/adapters/local/dynamodb-local.ts";
import { tightenPrivateTree, writePrivateFile } from "../shared/adapters/local/private-files.ts";
import { ensureAdminToken, FileTokenStore } from "../shared/adapters/local/token-store.ts";
import type { RunSummary } from "../shared/agents/runner.ts";
import { DAY, localDate } from "../shared/domain/time.ts";
import { createLocalServer } from "../shared/runtime/server.ts";
import { SIM_START, STEP_MS, startSimulation } from "./simulation.ts";

export interface StartOptions {
  dataDir: string;
  port: number;
  accounts: number;
  days: number;
  seed: number;
  /** Simulated seconds per wall-clock second. */
  speed: number;
}

export async function runStart(o: StartOptions): Promise<void> {
  tightenPrivateTree(o.dataDir, ["dynamodb"]);
  const paths = {
    tokens: join(o.dataDir, "tokens.json"),
    adminToken: join(o.dataDir, "admin.token"),
    server: join(o.dataDir, "server.json"),
    outbox: join(o.dataDir, "outbox.ndjson"),
  };
  // A fresh world each start: last run's outbox would describe decisions that no longer exist.
  rmSync(paths.outbox, { force: true });
  console.log("Starting DynamoDB Local (in memory) and generating the simulated market...");
  const dynamo = await startDynamoLocal();
  const tokens = new FileTokenStore(paths.tokens);
  const verdicts = new Map<string, number>();
  const sim = await startSimulation({
    endpoint: dynamo.endpoint,
    credentials: dynamo.credentials,
    accounts: o.accounts,
    days: o.days,
    seed: o.seed,
    outboxPath: paths.outbox,
    tokens,
    onRun: (s: RunSummary) => {
      for (const p of s.proposals) if (!p.replay) verdicts.set(p.verdict, (verdicts.get(p.verdict) ?? 0) + 1);
    },
  });
  // On the wall clock, which the server judges token expiry by (the simulated one runs days an hour).
  await ensureAdminToken(tokens, paths.adminToken, systemClock.now());
  const server = createLocalServer(sim.rt.deps);
  await new Promise<void>((r) => server.listen(o.port, "127.0.0.1", r));
  const url = `http://127.0.0.1:${o.port}`;
  writePrivateFile(paths.server, JSON.stringify({ url, pid: process.pid }));
  const dayMs = (DAY / o.speed / 1000).toFixed(0);
  console.log(`
Agent Harness is running with a simulated market of ${o.accounts} companies (seed ${o.seed}).
  API            ${url}/v1   (admin token in ${paths.adminToken})
  Clock          simulated from ${new Date(SIM_START).toISOString().slice(0, 10)}, ${o.speed}x (a day every ~${dayMs} s), ${o.days} days
Where to look (in another terminal):
  npm run harness -- approvals list        actions waiting for a human (a simulated approver also works the queue)
  npm run harness -- trust                 trust and autonomy level per agent × action
  npm run harness -- outbox --summary      what the sandbox connectors would have sent (SES, LinkedIn, HubSpot)
  npm run harness -- explain --email <e>   why a person was (or was not) contacted; emails are in the outbox
  curl -H "authorization: Bearer $(cat ${paths.adminToken})" "${url}/v1/decisions?limit=5"
Ctrl-C stops everything.
`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    server.close();
    await sim.close();
    await dynamo.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop());
  process.once("SIGTERM", () => void stop());
  const end = SIM_START + o.days * DAY;
  let lastTouches = 0;
  let failures = 0;
  while (!stopping && sim.clock.now() < end) {
    const wallStart = Date.now();
    let day: number | undefined;
    try {
      day = await sim.step();
      failures = 0;
    } catch (err) {
      // A failing dependency (the database) pauses the simulation; the API keeps answering meanwhile.
      failures++;
      console.error(
        JSON.stringify({
          level: "error",
          msg: "simulation step failed",
          error: (err as Error).name,
          failures,
        }),
      );
      await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** Math.min(failures, 6))));
      continue;
    }
    if (day !== undefined) {
      const touches = sim.sandbox.entries.filter(
        (e) => e.actionType === "email.send" || e.actionType === "linkedin.message",
      ).length;
      const trust = sim.trust
        .filter((t) => t.day === day)
        .map((t) => `${t.agentId}×${t.actionType} L${t.level}`);
      const o2 = sim.market.stats.outcomes;
      console.log(
        `[${localDate(sim.clock.now() - 1, "America/New_York")}] proposals ${[...verdicts].map(([v, n]) => `${v} ${n}`).join(", ")} | touches +${touches - lastTouches} | replies ${o2.replied ?? 0}, meetings ${o2.meeting_booked ?? 0} | approvals ${sim.market.stats.reviews.approved + sim.market.stats.reviews.edited}, rejected ${sim.market.stats.reviews.rejected}${trust.length ? ` | trust ${trust.join(", ")}` : ""}`,
      );
      lastTouches = touches;
    }
    const budget = STEP_MS / o.speed;
    const left = budget - (Date.now() - wallStart);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
  }
  if (!stopping)
    console.log(
      `The simulated ${o.days} days are over; the API keeps serving the ledger at ${url}/v1 until Ctrl-C.`,
    );
}
