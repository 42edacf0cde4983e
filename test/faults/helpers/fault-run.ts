/**
 * One fault run: fake vendors failing a share of calls, `harness serve` as a child process pointed at
 * them, rounds of concurrent proposals with a `kill -9` of serve and of its DynamoDB Local in each,
 * then everything left to settle and the ledger, the vendors' counts and the processes read back.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Chaos, killDatabase, killServe, newChaosLog } from "./chaos.ts";
import type { FaultRunConfig } from "./config.ts";
import { fakeVendors } from "./fake-vendors.ts";
import { listAll, patiently, sleep } from "./http.ts";
import type { DecisionView, Observations } from "./invariants.ts";
import { createTokenCli, health, type ServeProcess, startServe } from "./serve-process.ts";
import {
  AGENTS,
  approver,
  CAPPED_ACCOUNTS,
  faultSpec,
  type Proposal,
  type ProposalLog,
  proposeUntilDecided,
  roundProposals,
  seedAccounts,
} from "./workload.ts";

const TRANSIENT = ["scheduled", "pending_approval", "dispatched"];

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Seeded Fisher–Yates, so a seed gives the same order of proposals. */
function shuffle<T>(items: T[], seed: number): T[] {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

export async function runFaults(config: FaultRunConfig): Promise<Observations> {
  const started = Date.now();
  const runId = `f${config.seed}`;
  const root = mkdtempSync(join(tmpdir(), "harness-faults-"));
  const dataDir = join(root, "harness");
  const vendors = await fakeVendors(config);
  const connectorsFile = join(root, "connectors.json");
  writeFileSync(connectorsFile, vendors.connectorsFile(config.connectorTimeoutMs, config.inDoubtAfterMs), {
    mode: 0o600,
  });
  const port = await freePort();
  const servers: ServeProcess[] = [];
  const logs: ProposalLog[] = [];
  const log = newChaosLog();
  const start = async () => {
    const s = await startServe({ dataDir, port, connectorsFile, env: vendors.env });
    servers.push(s);
    return s;
  };
  // 503s as agents receive them (a proposal's log is only complete once it is decided).
  let unavailable = 0;
  const onStatus = (status: number) => {
    if (status === 503) unavailable++;
  };
  const chaos: Chaos = {
    log,
    current: () => servers[servers.length - 1] as ServeProcess,
    restart: start,
    unavailableSeen: () => unavailable,
    note: (what) => {
      log.timeline.push(`${((Date.now() - started) / 1000).toFixed(1)}s ${what}`);
      config.log(what);
    },
  };
  const another = (round: number) =>
    config.minutes === undefined ? round <= config.rounds : Date.now() - started < config.minutes * 60_000;
  try {
    // Tokens the way a user makes them, before the first start (the CLI works without a server). One
    // at a time: concurrent `harness token create` runs can overwrite each other's token file.
    const tokens = new Map<string, string>();
    for (const a of Object.values(AGENTS)) tokens.set(a.id, await createTokenCli(dataDir, `agent:${a.id}`));
    const approverToken = await createTokenCli(dataDir, "approver", "faults-approver");
    const viewer = approverToken; // approvers read decisions too
    const serve = await start();
    const url = serve.url;
    const admin = readFileSync(join(dataDir, "admin.token"), "utf8").trim();
    chaos.note(
      `harness serve up on port ${port} (data in a temp folder); vendors fail ${config.faultRate * 100}% of calls`,
    );
    const published = await patiently(
      url,
      admin,
      "POST",
      "/v1/specs",
      faultSpec(config.overrideWindowSeconds),
    );
    if (published.status >= 300)
      throw new Error(`publish spec: ${published.status} ${JSON.stringify(published.body)}`);
    for (const a of Object.values(AGENTS)) {
      const res = await patiently(url, admin, "PUT", `/v1/trust/${a.id}/${a.action}`, {
        level: a.level,
        reason: "fault suite",
      });
      if (res.status !== 200) throw new Error(`pin ${a.id}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const reviewer = approver(url, approverToken);

    for (let round = 1; another(round); round++) {
      const accounts = Array.from({ length: config.accounts }, (_, i) => `${runId}-r${round}-a${i}`);
      const capped = Array.from({ length: CAPPED_ACCOUNTS }, (_, i) => `${runId}-r${round}-c${i}`);
      await seedAccounts(url, admin, [...accounts, ...capped]);
      const queue: Proposal[] = shuffle(roundProposals(runId, accounts, capped), config.seed * 1_000 + round);
      const total = queue.length;
      let done = 0;
      const deadline = Date.now() + 180_000;
      const worker = async () => {
        for (let p = queue.shift(); p; p = queue.shift()) {
          const l = await proposeUntilDecided(url, tokens.get(p.agentId) as string, p, deadline, onStatus);
          logs.push(l);
          done++;
          // Paced, so the crashes land amid traffic, sends in flight and override windows open.
          await sleep(100);
        }
      };
      const crashes = (async () => {
        while (done < total * 0.35) await sleep(20);
        await killServe(chaos);
        while (done < total * 0.7) await sleep(20);
        await killDatabase(chaos);
      })();
      await Promise.all([...Array.from({ length: config.concurrency }, worker), crashes]);
      chaos.note(`round ${round}: ${total} proposals decided`);
    }

    // Settle: every override window closes, the approver empties the queue, every send ends.
    const settleBy = Date.now() + config.settleMs;
    let transient: { decisionId: string; status: string }[] = [];
    for (;;) {
      transient = [];
      for (const status of TRANSIENT)
        transient.push(
          ...((await listAll(url, viewer, `/v1/decisions?status=${status}`)) as typeof transient),
        );
      if (transient.length === 0 || Date.now() > settleBy) break;
      await sleep(500);
    }
    await reviewer.stop();
    chaos.note(
      transient.length === 0 ? "settled" : `not settled: ${transient.length} decisions still in transit`,
    );

    const decisions = new Map<string, DecisionView | undefined>();
    for (const id of new Set(logs.flatMap((l) => l.decisionIds))) {
      const res = await patiently(url, viewer, "GET", `/v1/decisions/${encodeURIComponent(id)}`);
      decisions.set(id, res.status === 200 ? (res.body as DecisionView) : undefined);
      if (res.status !== 200)
        chaos.note(`GET /v1/decisions/${id}: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const listed: DecisionView[] = [];
    for (const a of Object.values(AGENTS))
      listed.push(...((await listAll(url, viewer, `/v1/decisions?agentId=${a.id}`)) as DecisionView[]));
    const last = chaos.current();
    return {
      logs,
      decisions,
      listed,
      sends: vendors.sends(),
      segmentsPerAudience: vendors.segmentsPerAudience(),
      vendorStats: vendors.vendors.map((v) => ({ system: v.system, ...v.stats })),
      chaos: log,
      approvals: reviewer.counts,
      end: { alive: last.alive, health: await health(last.url) },
      wallMs: Date.now() - started,
      startedAt: started,
    };
  } catch (err) {
    const last = servers[servers.length - 1];
    throw new Error(
      `${(err as Error).message}\n--- harness serve output ---\n${last?.output().slice(-3_000) ?? ""}`,
    );
  } finally {
    for (const s of servers) {
      const db = s.databasePids();
      if (s.alive && !(await s.interrupt(10_000))) s.kill9();
      for (const pid of db)
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
    }
    await vendors.close();
    if (config.keep) config.log(`kept ${root}`);
    else rmSync(root, { recursive: true, force: true });
  }
}
