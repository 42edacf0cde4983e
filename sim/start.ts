/**
 * `npm start` / `harness start`: the local harness with the simulated market and every agent on an
 * accelerated clock, the API and the web console served on localhost, and a line per simulated day
 * (per step with --approver human) saying what happened. State is in memory (each start is a fresh
 * world); tokens, the outbox and server.json go under the data directory so the other CLI commands
 * (approvals, scheduled, veto, trust, explain, outbox) work against it.
 *
 * Made for a person: the server listens first and the banner (console URL, how to sign in) is printed
 * in the first second; DynamoDB Local and the market start behind it with a progress line every few
 * seconds (sim/start-server.ts answers meanwhile). With --approver human (the default) the simulated
 * approver stays off, so the approval queue and the level-2 override windows wait for a person, and
 * the clock runs at a person's pace (30x: a 30-minute override window lasts about a minute); the first
 * simulated hours, until something waits for a person, run at full speed.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  createEmbeddings,
  type EmbeddingsConfig,
  embeddingsKeyFromEnv,
} from "../shared/adapters/embeddings/select.ts";
import { systemClock } from "../shared/adapters/local/clock.ts";
import { startDynamoLocal } from "../shared/adapters/local/dynamodb-local.ts";
import { tightenPrivateTree, writePrivateFile } from "../shared/adapters/local/private-files.ts";
import { ensureAdminToken, FileTokenStore } from "../shared/adapters/local/token-store.ts";
import { createModel, type ModelConfig, modelKeyFromEnv } from "../shared/adapters/model/select.ts";
import type { RunSummary } from "../shared/agents/runner.ts";
import { DAY, localDate } from "../shared/domain/time.ts";
import type { AppDeps } from "../shared/http/routes.ts";
import { createLocalServer } from "../shared/runtime/server.ts";
import { localTime, verdictLabel } from "../shared/usecases/plain-words.ts";
import { SIM_START, STEP_MS, startSimulation } from "./simulation.ts";
import { startingServer } from "./start-server.ts";

export type Approver = "simulated" | "human";

/** Simulated seconds per wall-clock second when --speed is not given. */
export const DEFAULT_SPEED: Record<Approver, number> = { human: 30, simulated: 3600 };

export interface StartOptions {
  dataDir: string;
  port: number;
  accounts: number;
  days: number;
  seed: number;
  /** Simulated seconds per wall-clock second (default: DEFAULT_SPEED of the approver). */
  speed?: number;
  /** Who works the approval queue and the override windows: the simulated approver, or people. */
  approver: Approver;
  /** The agents' model; the deterministic local model when absent. Its key, if any, is HARNESS_MODEL_KEY. */
  model?: ModelConfig;
  /** Memory searchable by meaning; keyword search when absent. Its key, if any, is HARNESS_EMBEDDINGS_KEY. */
  embeddings?: EmbeddingsConfig;
}

/** The banner: where the console is, how to sign in, and commands that work as printed. */
export function banner(o: {
  url: string;
  dataDir: string;
  accounts: number;
  seed: number;
  approver: Approver;
  speed: number;
  days: number;
  modelId?: string;
}): string {
  const token = join(o.dataDir, "admin.token");
  const dayMin = DAY / o.speed / 60_000;
  return `
Agent Harness: a simulated market of ${o.accounts} companies (seed ${o.seed}), every agent, the gate.
  Console        ${o.url}/
  Sign in        paste the admin token: print it with   cat ${token}
  API            ${o.url}/v1   (the same token as a bearer token)
  Clock          simulated from ${new Date(SIM_START).toISOString().slice(0, 10)}, ${o.speed}x (a day every ${dayMin >= 1 ? `${dayMin.toFixed(0)} min` : `${(dayMin * 60).toFixed(0)} s`}), ${o.days} days
  Approver       ${
    o.approver === "human"
      ? "you: actions wait for approval in the console, level-2 actions can be vetoed in their override window\n                 (--approver simulated lets a simulated reviewer work the queue instead)"
      : "simulated: a simulated reviewer works the queue in business hours (--approver human leaves it to you)"
  }${o.modelId ? `\n  Model          ${o.modelId} writes the drafts and classifies unclear titles` : ""}
In another terminal (the first command waits until everything is up):
  npm run harness -- wait                 until the API answers
  npm run harness -- approvals list       actions waiting for a person (approve/reject <decisionId>)
  npm run harness -- scheduled            level-2 actions in their override window (veto <decisionId>)
  npm run harness -- trust                trust and autonomy level per agent × action
  npm run harness -- outbox --summary     what would have been sent (SES, LinkedIn, HubSpot), with addresses
  npm run harness -- explain --email <e>  why a person was (or was not) contacted; addresses are in the outbox
  curl -H "authorization: Bearer $(cat ${token})" "${o.url}/v1/approvals?limit=5"
Ctrl-C stops everything.
`;
}

/** How many decisions are in a status, up to 100 ("100+" beyond). */
async function count(deps: AppDeps, status: "pending_approval" | "scheduled"): Promise<string> {
  const page = await deps.decisions.queryDecisions({ status, limit: 100 });
  return page.cursor ? "100+" : String(page.items.length);
}

export async function runStart(o: StartOptions): Promise<void> {
  const speed = o.speed ?? DEFAULT_SPEED[o.approver];
  tightenPrivateTree(o.dataDir, ["dynamodb"]);
  const paths = {
    tokens: join(o.dataDir, "tokens.json"),
    adminToken: join(o.dataDir, "admin.token"),
    server: join(o.dataDir, "server.json"),
    outbox: join(o.dataDir, "outbox.ndjson"),
  };
  // A fresh world each start: last run's outbox would describe decisions that no longer exist.
  rmSync(paths.outbox, { force: true });
  const tokens = new FileTokenStore(paths.tokens);
  // On the wall clock, which the server judges token expiry by (the simulated one runs days an hour).
  await ensureAdminToken(tokens, paths.adminToken, systemClock.now());
  // Built before listening: a bad model configuration fails here, not at the first draft.
  const model =
    o.model && o.model.provider !== "local" ? createModel(o.model, { apiKey: modelKeyFromEnv() }) : undefined;
  const embeddings = o.embeddings ? createEmbeddings(o.embeddings, embeddingsKeyFromEnv()) : undefined;
  // Listen first: the banner and the console's address work in the first second, whatever follows.
  const starting = startingServer();
  const server = starting.server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, "127.0.0.1", resolve);
  });
  const url = `http://127.0.0.1:${o.port}`;
  writePrivateFile(paths.server, JSON.stringify({ url, pid: process.pid }));
  console.log(banner({ ...o, url, speed, ...(model ? { modelId: model.modelId } : {}) }));
  const began = Date.now();
  let doing = "starting DynamoDB Local (in memory)";
  const say = () => {
    const line = `${doing} (${((Date.now() - began) / 1000).toFixed(0)} s)`;
    starting.step(line);
    console.log(`  ... ${line}`);
  };
  say();
  // No silent minutes: DynamoDB Local's JVM can take minutes to start on a loaded machine.
  const ticker = setInterval(say, 10_000);
  const verdicts = new Map<string, number>();
  let sim: Awaited<ReturnType<typeof startSimulation>>;
  let dynamo: Awaited<ReturnType<typeof startDynamoLocal>>;
  try {
    dynamo = await startDynamoLocal();
    doing = `generating the simulated market (${o.accounts} companies) and starting the agents`;
    say();
    sim = await startSimulation({
      endpoint: dynamo.endpoint,
      credentials: dynamo.credentials,
      accounts: o.accounts,
      days: o.days,
      seed: o.seed,
      outboxPath: paths.outbox,
      tokens,
      ...(model ? { model } : {}),
      ...(embeddings ? { embeddings } : {}),
      onRun: (s: RunSummary) => {
        for (const p of s.proposals)
          if (!p.replay) verdicts.set(p.verdict, (verdicts.get(p.verdict) ?? 0) + 1);
      },
    });
  } finally {
    clearInterval(ticker);
  }
  sim.market.reviewing = o.approver === "simulated";
  const api = createLocalServer(sim.rt.deps);
  starting.ready((req, res) => api.emit("request", req, res));
  console.log(
    `Ready after ${((Date.now() - began) / 1000).toFixed(0)} s: open ${url}/ and sign in with the token from  cat ${paths.adminToken}`,
  );
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
  const tz = (await sim.agents.view.spec()).workspace.timezone;
  let lastTouches = 0;
  let failures = 0;
  // With people approving, the first quiet hours (the market opens on a Monday at midnight) run at full
  // speed until something waits for them; from then on the clock keeps the chosen pace.
  let warm = o.approver === "simulated";
  let lastQueue = "";
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
        `[${localDate(sim.clock.now() - 1, "America/New_York")}] proposals ${[...verdicts].map(([v, n]) => `${verdictLabel(v)} ${n}`).join(", ")} | touches +${touches - lastTouches} | replies ${o2.replied ?? 0}, meetings ${o2.meeting_booked ?? 0} | approvals ${sim.market.stats.reviews.approved + sim.market.stats.reviews.edited}, rejected ${sim.market.stats.reviews.rejected}${trust.length ? ` | trust ${trust.join(", ")}` : ""}`,
      );
      lastTouches = touches;
    }
    if (o.approver === "human") {
      const queue = `${await count(sim.rt.deps, "pending_approval")} waiting for approval, ${await count(sim.rt.deps, "scheduled")} scheduled (veto window)`;
      if (!warm && !queue.startsWith("0 waiting")) {
        warm = true;
        console.log(`Something waits for you now; the clock slows to ${speed}x.`);
      }
      if (queue !== lastQueue) console.log(`  [${localTime(sim.clock.now(), tz)}] ${queue}`);
      lastQueue = queue;
    }
    if (!warm) continue;
    const budget = STEP_MS / speed;
    const left = budget - (Date.now() - wallStart);
    if (left > 0) await new Promise((r) => setTimeout(r, left));
  }
  if (!stopping)
    console.log(
      `The simulated ${o.days} days are over; the API keeps serving the ledger at ${url}/v1 until Ctrl-C.`,
    );
}
