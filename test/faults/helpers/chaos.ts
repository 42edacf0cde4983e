/**
 * The two crashes of a round, done to the processes as they would happen on a user's machine:
 * `kill -9` of `harness serve` (then started again, as a user or a supervisor would), and `kill -9` of
 * the DynamoDB Local it started (then, once the agents see 503s, the user stops serve with Ctrl-C and
 * starts it again: nothing in serve brings the database back by itself).
 */
import { sleep } from "./http.ts";
import { health, isAlive, type ServeProcess } from "./serve-process.ts";

export interface ChaosLog {
  serveKills: number;
  databaseKills: number;
  /** Database processes still running some seconds after their `harness serve` was killed (or stopped). */
  databaseOutlivedServe: number;
  /** Times Ctrl-C did not stop serve within the grace period (it was then killed). */
  interruptIgnored: number;
  /** Whether serve stayed up, answering /v1/health 200, while its database was down. */
  outages: {
    serverDied: boolean;
    healthStatuses: (number | undefined)[];
    unavailableSeen: boolean;
    ms: number;
  }[];
  restartsMs: number[];
  timeline: string[];
}

export const newChaosLog = (): ChaosLog => ({
  serveKills: 0,
  databaseKills: 0,
  databaseOutlivedServe: 0,
  interruptIgnored: 0,
  outages: [],
  restartsMs: [],
  timeline: [],
});

export interface Chaos {
  log: ChaosLog;
  /** The server now running (it changes at every restart). */
  current(): ServeProcess;
  /** Start a new `harness serve` on the same data directory and port. */
  restart(): Promise<ServeProcess>;
  /** 503s agents have seen so far (to know the outage reached them). */
  unavailableSeen(): number;
  /** Record a line of the run's timeline. */
  note(what: string): void;
}

/** After serve is gone: its database must follow within a few seconds; one that does not is killed (we started it). */
async function reapDatabase(chaos: Chaos, pids: number[]): Promise<void> {
  const until = Date.now() + 5_000;
  while (pids.some(isAlive) && Date.now() < until) await sleep(100);
  for (const pid of pids.filter(isAlive)) {
    chaos.log.databaseOutlivedServe++;
    chaos.note(`DynamoDB Local (pid ${pid}) outlived its harness serve: killed`);
    process.kill(pid, "SIGKILL");
  }
}

async function restart(chaos: Chaos): Promise<void> {
  const t0 = Date.now();
  await chaos.restart();
  chaos.log.restartsMs.push(Date.now() - t0);
  chaos.note(`harness serve restarted in ${Date.now() - t0} ms`);
}

export async function killServe(chaos: Chaos): Promise<void> {
  const serve = chaos.current();
  const db = serve.databasePids();
  serve.kill9();
  await serve.exited;
  chaos.log.serveKills++;
  chaos.note(`kill -9 harness serve (pid ${serve.pid})`);
  await reapDatabase(chaos, db);
  await restart(chaos);
}

export async function killDatabase(chaos: Chaos): Promise<void> {
  const serve = chaos.current();
  const db = serve.databasePids();
  if (db.length === 0) throw new Error("no DynamoDB Local found in the process tree of harness serve");
  const before = chaos.unavailableSeen();
  const t0 = Date.now();
  for (const pid of db) process.kill(pid, "SIGKILL");
  chaos.log.databaseKills++;
  chaos.note(`kill -9 DynamoDB Local (pid ${db.join(", ")})`);
  // Watch as the user would: agents get 503s, /v1/health keeps answering. Until a 503 reached an
  // agent or the server died (bounded: the agents retry every second at most).
  const outage = {
    serverDied: false,
    healthStatuses: [] as (number | undefined)[],
    unavailableSeen: false,
    ms: 0,
  };
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    outage.healthStatuses.push(await health(serve.url));
    if (!serve.alive) {
      outage.serverDied = true;
      chaos.note("harness serve exited while its database was down");
      break;
    }
    if (chaos.unavailableSeen() > before) {
      outage.unavailableSeen = true;
      // A few more seconds of outage: the scheduler and the executor keep failing against the dead
      // database meanwhile, which is where an unhandled rejection would take the process down.
      const watch = Date.now() + 3_000;
      while (Date.now() < watch && serve.alive) {
        outage.healthStatuses.push(await health(serve.url));
        await sleep(250);
      }
      outage.serverDied = !serve.alive;
      break;
    }
    await sleep(100);
  }
  outage.ms = Date.now() - t0;
  chaos.log.outages.push(outage);
  // Ctrl-C, as the user would, then start it again.
  const left = serve.databasePids();
  if (serve.alive && !(await serve.interrupt(15_000))) {
    chaos.log.interruptIgnored++;
    chaos.note("Ctrl-C did not stop harness serve within 15 s: killed");
    serve.kill9();
    await serve.exited;
  }
  await reapDatabase(chaos, left);
  await restart(chaos);
}
