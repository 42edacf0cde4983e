import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { SimulatedClock, systemClock } from "../shared/adapters/local/clock.ts";
import { JavaMissingError, startDynamoLocal } from "../shared/adapters/local/dynamodb-local.ts";
import { tightenPrivateTree, writePrivateFile } from "../shared/adapters/local/private-files.ts";
import { SandboxConnector } from "../shared/adapters/local/sandbox-connector.ts";
import {
  createToken,
  DEFAULT_TOKEN_TTL_MS,
  describeToken,
  ensureAdminToken,
  FileTokenStore,
  hashToken,
  parseTtl,
  revokeTokens,
  tokenId,
} from "../shared/adapters/local/token-store.ts";
import { ValidationError } from "../shared/domain/errors.ts";
import { parseSpecText, specHash } from "../shared/domain/spec-loader.ts";
import { DEFAULT_RATE_LIMIT, parseRateLimit, type RateLimitOptions } from "../shared/http/rate-limit.ts";
import { loadConnectors } from "../shared/runtime/connectors-config.ts";
import { logUnhandledRejections } from "../shared/runtime/last-resort.ts";
import { createLocalRuntime } from "../shared/runtime/local.ts";
import { createLocalServer } from "../shared/runtime/server.ts";
import { ROLES } from "../shared/usecases/principal.ts";
import { registerReport } from "./commands/report.ts";
import { registerSpecReplay } from "./commands/spec-replay.ts";
import { registerSpecSteer } from "./commands/spec-steer.ts";

const program = new Command("harness").description(
  "Agent Harness: the gate every GTM agent action passes through.",
);
const dataDirOption = () => new Option("--data-dir <dir>", "where local state lives").default(".harness");

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("expected a port number");
  return n;
};

const positiveInt = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError("expected a positive integer");
  return n;
};

const ttl = (v: string) => {
  try {
    return parseTtl(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

const paths = (dataDir: string) => ({
  dynamo: join(dataDir, "dynamodb"),
  tokens: join(dataDir, "tokens.json"),
  adminToken: join(dataDir, "admin.token"),
  server: join(dataDir, "server.json"),
  outbox: join(dataDir, "outbox.ndjson"),
  cursorKey: join(dataDir, "cursor.key"),
  masterKey: join(dataDir, "master.key"),
  archive: join(dataDir, "archive"),
});

interface ServeOptions {
  dataDir: string;
  port: number;
  clock: string;
  start?: string;
  pollMs: number;
  connectors?: string;
  rateLimit: RateLimitOptions | false;
}

program
  .command("serve")
  .description("start DynamoDB Local, create the tables, serve the API and run the scheduler")
  .addOption(dataDirOption())
  .option("--port <port>", "HTTP port", port, 8787)
  .addOption(
    new Option("--clock <kind>", "system time, or a simulated clock moved by POST /v1/admin/clock")
      .choices(["system", "simulated"])
      .default("system"),
  )
  .option("--start <iso>", "simulated clock start (default: now)")
  .option("--poll-ms <ms>", "scheduler poll interval", (v) => Number(v), 500)
  .option(
    "--connectors <file>",
    "YAML/JSON naming the systems really called (ses, hubspot, linkedin); others stay on the sandbox outbox (default: $HARNESS_CONNECTORS)",
  )
  .option(
    "--rate-limit <rate>",
    "requests per second and burst, per token (per address without one), e.g. 50:100, or off",
    (v) => {
      try {
        return parseRateLimit(v);
      } catch (err) {
        throw new InvalidArgumentError((err as Error).message);
      }
    },
    DEFAULT_RATE_LIMIT,
  )
  .action(async (opts: ServeOptions) => {
    const p = paths(opts.dataDir);
    // Validated before anything starts: a bad file or a missing token fails here, not at the first send.
    const live = loadConnectors(opts.connectors ?? process.env.HARNESS_CONNECTORS, process.env);
    logUnhandledRejections();
    // Owner-only, also what an older version left readable (the database directory seals itself).
    tightenPrivateTree(opts.dataDir, ["dynamodb"]);
    const dynamo = await startDynamoLocal({ dataDir: p.dynamo });
    const simulated = opts.clock === "simulated";
    const clock = simulated
      ? new SimulatedClock(opts.start ? Date.parse(opts.start) : Date.now())
      : systemClock;
    const runtime = await createLocalRuntime({
      endpoint: dynamo.endpoint,
      credentials: dynamo.credentials,
      tablePrefix: "harness",
      clock,
      simulated,
      outboxPath: p.outbox,
      tokenPath: p.tokens,
      cursorKeyPath: p.cursorKey,
      masterKeyPath: p.masterKey,
      archiveDir: p.archive,
      ...(live ? { connector: live.withSandbox(new SandboxConnector(p.outbox, () => clock.now())) } : {}),
      ...(live?.inDoubtAfterMs ? { dispatchGraceMs: live.inDoubtAfterMs } : {}),
    });
    // On the wall clock, which judges token expiry (the simulated clock, if any, may be moved).
    await ensureAdminToken(runtime.deps.tokens, p.adminToken, systemClock.now());
    // Sends a previous process left without a result; the scheduler loop keeps reconciling after this.
    const recovered = await runtime.reconcile();
    runtime.scheduler.start(opts.pollMs);
    const server = createLocalServer(runtime.deps, { rateLimit: opts.rateLimit });
    await new Promise<void>((r) => server.listen(opts.port, "127.0.0.1", r));
    const url = `http://127.0.0.1:${opts.port}`;
    writePrivateFile(p.server, JSON.stringify({ url, pid: process.pid }));
    console.log(
      `Agent Harness listening on ${url}/v1 (DynamoDB Local at ${dynamo.endpoint}, data in ${opts.dataDir}/)`,
    );
    console.log(
      `Admin token: ${p.adminToken}  (create more with: harness token create --role approver --subject alice)`,
    );
    console.log(
      `Connectors: ${live?.systems.length ? `${live.systems.join(", ")} live, the rest` : "everything"} to the sandbox outbox (${p.outbox})`,
    );
    console.log(
      `Clock: ${simulated ? "simulated (POST /v1/admin/clock to move it)" : "system"}; recovered ${recovered.executed} dispatched, ${recovered.inDoubt} in doubt`,
    );
    const stop = async () => {
      server.close();
      await runtime.close();
      await dynamo.stop();
      process.exit(0);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });

const token = program.command("token").description("local API tokens");
token
  .command("create")
  .description("create a bearer token; prints it once")
  .addOption(dataDirOption())
  .requiredOption("--role <role...>", `${ROLES.join(", ")} or agent:<agentId>`)
  .option("--subject <name>", "who holds it (defaults to the role)")
  .option("--ttl <duration>", "lifetime, e.g. 30d, 12h, 2w (at most 366d)", ttl, DEFAULT_TOKEN_TTL_MS)
  .action(async (opts: { dataDir: string; role: string[]; subject?: string; ttl: number }) => {
    for (const r of opts.role) {
      if (!(ROLES as readonly string[]).includes(r) && !/^agent:[A-Za-z0-9._:@-]+$/.test(r)) {
        throw new InvalidArgumentError(`role "${r}": expected ${ROLES.join(", ")} or agent:<agentId>`);
      }
    }
    const store = new FileTokenStore(paths(opts.dataDir).tokens);
    const secret = await createToken(
      store,
      opts.subject ?? opts.role[0] ?? "user",
      opts.role,
      new Date().toISOString(),
      opts.ttl,
    );
    // The secret alone on stdout, so `T=$(harness token create ...)` keeps working; the rest on stderr.
    console.log(secret);
    const id = tokenId(hashToken(secret));
    const record = await store.get(hashToken(secret));
    console.error(`token ${id} expires ${record?.expiresAt}; revoke with: harness token revoke ${id}`);
  });
token
  .command("list")
  .description("every token: id, subject, roles, created, expires, revoked (never the secret)")
  .addOption(dataDirOption())
  .action(async (opts: { dataDir: string }) => {
    const all = await new FileTokenStore(paths(opts.dataDir).tokens).list();
    if (all.length === 0) console.log("no tokens yet");
    for (const r of all) console.log(describeToken(r, Date.now()));
  });
token
  .command("revoke <what>")
  .description("revoke by token id (from token list), by subject (all of its tokens) or by the token itself")
  .addOption(dataDirOption())
  .action(async (what: string, opts: { dataDir: string }) => {
    const store = new FileTokenStore(paths(opts.dataDir).tokens);
    const revoked = await revokeTokens(store, what, new Date().toISOString());
    if (revoked.length === 0) console.log(`already revoked: ${what}`);
    for (const r of revoked) console.log(`revoked ${tokenId(r.tokenHash)} (${r.subject})`);
  });

const spec = program.command("spec").description("specs");
spec
  .command("validate <file>")
  .description("validate a spec file (YAML or JSON) without publishing it")
  .action((file: string) => {
    try {
      const parsed = parseSpecText(readFileSync(file, "utf8"));
      console.log(`${file}: valid (content hash ${specHash(parsed)})`);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      console.error(`${file}: invalid`);
      for (const i of err.issues) console.error(`  ${i.path || "(root)"}: ${i.message}`);
      process.exitCode = 1;
    }
  });

/** Client commands talk to a running `harness serve`. */
function client(opts: { dataDir: string; url?: string; token?: string }) {
  const p = paths(opts.dataDir);
  const url =
    opts.url ??
    (existsSync(p.server)
      ? (JSON.parse(readFileSync(p.server, "utf8")) as { url: string }).url
      : "http://127.0.0.1:8787");
  const bearer =
    opts.token ??
    process.env.HARNESS_TOKEN ??
    (existsSync(p.adminToken) ? readFileSync(p.adminToken, "utf8").trim() : undefined);
  return async (method: string, path: string, body?: unknown) => {
    let res: Response;
    try {
      res = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
          ...(body ? { "content-type": "application/json" } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      throw new Error(`cannot reach the harness at ${url}: start it with \`harness serve\``);
    }
    const data = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${res.status}: ${String(data.message ?? JSON.stringify(data))}`);
    // biome-ignore lint/suspicious/noExplicitAny: printed as the API's documented JSON; the server validated it
    return data as any;
  };
}

const withClient = (cmd: Command) =>
  cmd
    .addOption(dataDirOption())
    .option("--url <url>", "harness API base URL")
    .option("--token <token>", "bearer token (default: HARNESS_TOKEN or the admin token)");

registerReport(program, withClient, client);
registerSpecReplay(spec, withClient, client);
registerSpecSteer(spec, withClient, client);

withClient(program.command("explain").description("why did we contact this person?"))
  .option("--person-id <id>")
  .option("--email <email>")
  .option("--json", "print the structured trace too")
  .action(async (opts) => {
    const q = opts.personId
      ? `personId=${encodeURIComponent(opts.personId)}`
      : `email=${encodeURIComponent(opts.email ?? "")}`;
    const res = await client(opts)("GET", `/v1/explain?${q}`);
    console.log(res.summary);
    if (opts.json) console.log(JSON.stringify(res, null, 2));
  });

withClient(
  program
    .command("erase")
    .description(
      "erase a person's personal data everywhere (right to be forgotten); they are never contacted again",
    ),
)
  .option("--email <email>", "the person's email address")
  .option("--person-id <id>", "the person's id")
  .option("--reason <text>", "why, for the ledger (no personal data), e.g. a request number")
  .action(async (opts) => {
    if (!opts.email === !opts.personId)
      throw new InvalidArgumentError("give exactly one of --email, --person-id");
    const res = await client(opts)("POST", "/v1/erasures", {
      ...(opts.email ? { email: opts.email } : { personId: opts.personId }),
      ...(opts.reason ? { reason: opts.reason } : {}),
    });
    console.log(
      res.alreadyErased
        ? `${res.personId} was already erased on ${res.erasedAt}.`
        : `Erased ${res.personId}: data key destroyed, ${res.knowledgeBase.deleted} knowledge-base items deleted, ${res.knowledgeBase.redacted} redacted, ${res.outboxEntries} outbox entries cleared; do-not-contact kept.`,
    );
  });

const approvals = program.command("approvals").description("the approval queue");
withClient(approvals.command("list").description("actions waiting for a human")).action(async (opts) => {
  const res = await client(opts)("GET", "/v1/approvals");
  if (res.items.length === 0) console.log("nothing waiting for approval");
  for (const d of res.items) {
    console.log(
      `${d.decisionId}  ${d.agentId}  ${d.actionType}  account ${d.accountId}${d.personId ? ` person ${d.personId}` : ""}  expires ${d.expiresAt}`,
    );
    console.log(`    reasoning: ${d.reasoning}`);
  }
});
withClient(approvals.command("approve <decisionId>").description("approve exactly the payload shown"))
  .option("--note <note>")
  .action(async (id: string, opts) => {
    const call = client(opts);
    const d = await call("GET", `/v1/decisions/${encodeURIComponent(id)}`);
    console.log(`approving ${d.actionType} to ${d.personId ?? d.accountId}: ${JSON.stringify(d.payload)}`);
    const res = await call("POST", `/v1/decisions/${encodeURIComponent(id)}/approve`, {
      digest: d.payloadDigest,
      ...(opts.note ? { note: opts.note } : {}),
    });
    console.log(`${res.decisionId}: ${res.status}`);
  });
withClient(approvals.command("reject <decisionId>").description("reject; the reservation is released"))
  .option("--note <note>")
  .action(async (id: string, opts) => {
    const res = await client(opts)(
      "POST",
      `/v1/decisions/${encodeURIComponent(id)}/reject`,
      opts.note ? { note: opts.note } : {},
    );
    console.log(`${res.decisionId}: ${res.status}`);
  });

withClient(program.command("trust").description("trust and autonomy level per agent × action type")).action(
  async (opts) => {
    // The listing is paginated: follow the cursor to the last page.
    const call = client(opts);
    let cursor: string | null = null;
    let shown = 0;
    do {
      const page = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const res = await call("GET", `/v1/trust?limit=100${page}`);
      for (const t of res.items) {
        shown++;
        console.log(
          `${t.agentId.padEnd(24)} ${t.actionType.padEnd(24)} level ${t.effectiveLevel}${t.pinnedLevel ? " (pinned)" : ""}  score ${t.score.toFixed(2)}  lower bound ${t.lowerBound.toFixed(2)}  n=${t.sample}`,
        );
      }
      cursor = res.cursor ?? null;
    } while (cursor);
    if (shown === 0) console.log("no outcomes recorded yet: every agent is at its spec's starting level");
  },
);

const ledger = program.command("ledger").description("ledger integrity: hash chains and daily digests");
withClient(
  ledger
    .command("verify")
    .description(
      "check every event's hash and chain, every stream's head and every digest; exit 1 on any problem",
    ),
)
  .option("--since <date>", "start from the digest written at or before this date (YYYY-MM-DD)")
  .action(async (opts) => {
    const q = opts.since ? `?since=${encodeURIComponent(opts.since)}` : "";
    const res = await client(opts)("GET", `/v1/ledger/verify${q}`);
    const scope = `${res.events} events in ${res.streams} streams, ${res.digests} digests${res.anchor ? ` (from ${res.anchor})` : ""}`;
    if (res.ok) return console.log(`OK: ${scope}`);
    for (const p of res.problems)
      console.log(
        `${p.kind.padEnd(10)} ${p.stream || p.digest}${p.stream ? ` seq ${p.seq}` : ""}: ${p.message}`,
      );
    if (res.moreProblems) console.log(`... and ${res.moreProblems} more`);
    console.log(`FAILED: ${res.problems.length + res.moreProblems} problem(s); ${scope}`);
    process.exitCode = 1;
  });
withClient(
  ledger.command("digest").description("verify since the last digest, then write a new digest now"),
).action(async (opts) => {
  const res = await client(opts)("POST", "/v1/ledger/digest");
  console.log(`${res.key}: root ${res.root} over ${res.streams} streams (${res.events} events verified)`);
});

program
  .command("start")
  .description("the whole system locally: simulated market, every agent and the API on an accelerated clock")
  .addOption(dataDirOption())
  .option("--port <port>", "HTTP port", port, 8787)
  .option("--accounts <n>", "companies in the simulated market", positiveInt, 300)
  .option("--days <n>", "simulated days to run", positiveInt, 30)
  .option("--seed <n>", "world seed", (v) => Number(v), 1)
  .option("--speed <x>", "simulated seconds per wall-clock second", positiveInt, 3600)
  .action(
    async (opts: {
      dataDir: string;
      port: number;
      accounts: number;
      days: number;
      seed: number;
      speed: number;
    }) => {
      logUnhandledRejections();
      const { runStart } = await import("../sim/start.ts");
      await runStart(opts);
    },
  );

program
  .command("demo")
  .description("a time-compressed run of every agent on a simulated market, headless; ends with a report")
  .option("--days <n>", "simulated days (default 30; --weeks N is 7N days)", positiveInt)
  .addOption(
    new Option("--weeks <n>", "simulated weeks (instead of --days)").argParser(positiveInt).conflicts("days"),
  )
  .option("--accounts <n>", "companies in the simulated market", positiveInt, 2000)
  .option("--seed <n>", "world seed (same seed, same world and market truths)", (v) => Number(v), 1)
  .addOption(
    new Option("--learning <on|off>", "off: the agents ignore learned state (to compare one seed both ways)")
      .choices(["on", "off"])
      .default("on"),
  )
  .option("--json <file>", "also write the report's data as JSON (with the learning report)")
  .action(
    async (raw: {
      days?: number;
      weeks?: number;
      accounts: number;
      seed: number;
      learning: string;
      json?: string;
    }) => {
      const opts = {
        days: raw.weeks !== undefined ? raw.weeks * 7 : (raw.days ?? 30),
        accounts: raw.accounts,
        seed: raw.seed,
        learning: raw.learning === "on",
        ...(raw.json ? { json: raw.json } : {}),
      };
      const { runDemo } = await import("../sim/demo.ts");
      const { formatReport } = await import("../sim/report.ts");
      const { progressBar } = await import("../sim/progress.ts");
      const bar = progressBar(process.stderr, opts.days);
      const result = await runDemo({
        days: opts.days,
        accounts: opts.accounts,
        seed: opts.seed,
        learning: opts.learning,
        onProgress: (p) =>
          bar.update(
            p.day,
            `${p.decisions} actions executed, ${p.touches} touches, ${(p.wallMs / 1000).toFixed(0)} s`,
          ),
      });
      bar.done();
      console.log(formatReport(result).join("\n"));
      if (opts.json)
        writeFileSync(opts.json, JSON.stringify({ ...result, decisions: result.decisions.length }, null, 2));
      if (result.invariants.some((i) => !i.ok)) process.exitCode = 2;
    },
  );

program
  .command("outbox")
  .description("what the sandbox connectors would have sent")
  .addOption(dataDirOption())
  .option("--summary", "one line per entry: when, system, action, recipient, idempotency key")
  .action((opts: { dataDir: string; summary?: boolean }) => {
    const p = paths(opts.dataDir).outbox;
    if (!existsSync(p)) return console.log("the outbox is empty");
    if (!opts.summary) return void process.stdout.write(readFileSync(p, "utf8"));
    for (const line of readFileSync(p, "utf8").split("\n")) {
      if (!line) continue;
      const e = JSON.parse(line) as {
        at: string;
        system?: string;
        actionType: string;
        accountId: string;
        personId?: string;
        idempotencyKey: string;
        payload: Record<string, unknown>;
      };
      const what = e.payload.subject ?? e.payload.operation ?? e.payload.audienceId ?? "";
      console.log(
        `${e.at}  ${(e.system ?? "sandbox").padEnd(8)} ${e.actionType.padEnd(22)} ${(e.personId ?? e.accountId).padEnd(32)} ${String(what).slice(0, 40).padEnd(40)} ${e.idempotencyKey}`,
      );
    }
  });

program.parseAsync().catch((err: unknown) => {
  if (err instanceof JavaMissingError) console.error(err.message);
  else console.error(`harness: ${(err as Error).message}`);
  process.exit(1);
});
