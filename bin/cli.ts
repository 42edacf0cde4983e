import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import {
  createEmbeddings,
  type EmbeddingsFlags,
  embeddingsConfigFromFlags,
  embeddingsKeyFromEnv,
} from "../shared/adapters/embeddings/select.ts";
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
import { specHash } from "../shared/domain/spec-loader.ts";
import { parseSpecText } from "../shared/domain/spec-text.ts";
import { DEFAULT_RATE_LIMIT, parseRateLimit, type RateLimitOptions } from "../shared/http/rate-limit.ts";
import { loadConnectors } from "../shared/runtime/connectors-config.ts";
import { logUnhandledRejections } from "../shared/runtime/last-resort.ts";
import { createLocalRuntime } from "../shared/runtime/local.ts";
import { createLocalServer } from "../shared/runtime/server.ts";
import { ROLES } from "../shared/usecases/principal.ts";
import { DEMO_DEFAULT_ACCOUNTS } from "../sim/defaults.ts";
import { registerAgents } from "./commands/agents.ts";
import { registerApprovals } from "./commands/approvals.ts";
import { registerAws } from "./commands/aws.ts";
import { client, dataDirOption, output, paths, positiveInt, withClient } from "./commands/client.ts";
import { registerDecisions } from "./commands/decisions.ts";
import { eraseSummary, eraseUntilDone } from "./commands/erase.ts";
import { registerExplain } from "./commands/explain.ts";
import { registerHubSpot } from "./commands/hubspot.ts";
import { registerMcp } from "./commands/mcp.ts";
import { registerOutbox } from "./commands/outbox.ts";
import { registerPauses } from "./commands/pauses.ts";
import { registerReport } from "./commands/report.ts";
import { registerSpecAdmin } from "./commands/spec-admin.ts";
import { registerSpecReplay } from "./commands/spec-replay.ts";
import { registerSpecSteer } from "./commands/spec-steer.ts";
import { registerTrust } from "./commands/trust.ts";
import { registerWait } from "./commands/wait.ts";

const program = new Command("harness")
  .description("Agent Harness: the gate every GTM agent action passes through.")
  .version(
    (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string })
      .version,
  );

const port = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError("expected a port number");
  return n;
};

const ttl = (v: string) => {
  try {
    return parseTtl(v);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

/** Memory by meaning, for `serve` and `start` alike (adapters/embeddings/select.ts reads them). */
const withEmbeddingsOptions = (cmd: Command) =>
  cmd
    .addOption(
      new Option(
        "--embeddings <provider>",
        "memory searchable by meaning: none (keyword search), openai-compatible (--embeddings-url, --embeddings-model; key in HARNESS_EMBEDDINGS_KEY) or bedrock (Titan Text Embeddings v2)",
      )
        .choices(["none", "openai-compatible", "bedrock"])
        .default("none"),
    )
    .option("--embeddings-url <url>", "base URL of the embeddings server, e.g. http://127.0.0.1:11434/v1")
    .option("--embeddings-model <name>", "the embedding model's name there (or the Bedrock model id)")
    .option(
      "--embeddings-dimensions <n>",
      "vector size, if the model can shorten it (Titan v2: 256, 512, 1024)",
    );

interface ServeOptions extends EmbeddingsFlags {
  dataDir: string;
  port: number;
  clock: string;
  start?: string;
  pollMs: number;
  connectors?: string;
  rateLimit: RateLimitOptions | false;
}

withEmbeddingsOptions(program.command("serve"))
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
    "YAML/JSON naming the systems really called (ses, hubspot, linkedin, mcp servers); others stay on the sandbox outbox (default: $HARNESS_CONNECTORS)",
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
    // Checked before anything starts: a missing --embeddings-url is named here.
    const embeddings = createEmbeddings(embeddingsConfigFromFlags(opts), embeddingsKeyFromEnv());
    // Validated before anything starts: a bad file or a missing token fails here, not at the first send.
    const live = loadConnectors(opts.connectors ?? process.env.HARNESS_CONNECTORS, process.env);
    // Downstream MCP servers: connected and their tools listed before serving (one unreachable fails here).
    await live?.start();
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
      ...(live?.downstream ? { downstream: live.downstream } : {}),
      ...(embeddings ? { embeddings } : {}),
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
    if (live?.downstream)
      console.log(
        `Downstream MCP servers: ${live.downstream.names.join(", ")} (their tools the spec maps: GET /v1/tools)`,
      );
    console.log(
      `Memory search: ${embeddings ? `by meaning and keyword (${embeddings.modelId})` : "keyword (no --embeddings model)"}`,
    );
    console.log(
      `Clock: ${simulated ? "simulated (POST /v1/admin/clock to move it)" : "system"}; recovered ${recovered.executed} dispatched, ${recovered.inDoubt} in doubt`,
    );
    const stop = async () => {
      server.close();
      await runtime.close();
      await live?.downstream?.close();
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
  .option("--json", "the records as JSON (hashes, never secrets)")
  .action(async (opts: { dataDir: string; json?: boolean }) => {
    const all = await new FileTokenStore(paths(opts.dataDir).tokens).list();
    output(opts.json, all, () =>
      all.length === 0 ? ["no tokens yet"] : all.map((r) => describeToken(r, Date.now())),
    );
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

registerReport(program, withClient, client);
registerSpecReplay(spec, withClient, client);
registerSpecSteer(spec, withClient, client);
registerSpecAdmin(spec, withClient);
registerDecisions(program, withClient);
registerPauses(program, withClient);
registerTrust(program, withClient);
registerExplain(program, withClient);
registerWait(program);
registerMcp(program);
registerAgents(program);
registerOutbox(program);
registerAws(program);
registerHubSpot(program);

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
    const res = await eraseUntilDone(
      client(opts),
      {
        ...(opts.email ? { email: opts.email } : { personId: opts.personId }),
        ...(opts.reason ? { reason: opts.reason } : {}),
      },
      (request) => console.error(`still scrubbing the knowledge base (request ${request})…`),
    );
    console.log(eraseSummary(res));
  });

registerApprovals(program, withClient);

const ledger = program.command("ledger").description("ledger integrity: hash chains and daily digests");
withClient(
  ledger
    .command("verify")
    .description(
      "check every event's hash and chain, every stream's head and every digest; exit 1 on any problem",
    ),
)
  .option("--since <date>", "start from the digest written at or before this date (YYYY-MM-DD)")
  .option("--json", "print the API's JSON (exit 1 still on a problem)")
  .action(async (opts) => {
    const q = opts.since ? `?since=${encodeURIComponent(opts.since)}` : "";
    const res = await client(opts)("GET", `/v1/ledger/verify${q}`);
    if (opts.json) {
      console.log(JSON.stringify(res, null, 2));
      if (!res.ok) process.exitCode = 1;
      return;
    }
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

withEmbeddingsOptions(program.command("start"))
  .description("the whole system locally: simulated market, every agent and the API on an accelerated clock")
  .addOption(dataDirOption())
  .option("--port <port>", "HTTP port", port, 8787)
  .option("--accounts <n>", "companies in the simulated market", positiveInt, 300)
  .option("--days <n>", "simulated days to run", positiveInt, 30)
  .option("--seed <n>", "world seed", (v) => Number(v), 1)
  .option(
    "--speed <x>",
    "simulated seconds per wall-clock second (default 30 with --approver human: a 30-minute override window lasts a minute; 3600 with simulated)",
    positiveInt,
  )
  .addOption(
    new Option(
      "--approver <who>",
      "human: nobody but you (console or CLI) approves and vetoes, so the queue and the level-2 override windows wait for you; simulated: a simulated reviewer works the queue in business hours",
    )
      .choices(["human", "simulated"])
      .default("human"),
  )
  .addOption(
    new Option(
      "--model <provider>",
      "the agents' model: local (deterministic templates, no LLM), openai-compatible (OpenAI, Ollama, vLLM, llama.cpp, LM Studio: --model-url, --model-name, key in HARNESS_MODEL_KEY) or bedrock (--model-name is the model id)",
    )
      .choices(["local", "openai-compatible", "bedrock"])
      .default("local"),
  )
  .option("--model-url <url>", "base URL of the OpenAI-compatible server, e.g. http://127.0.0.1:11434/v1")
  .option("--model-name <name>", "the model's name on that server (or the Bedrock model id)")
  .action(
    async ({
      model,
      modelUrl,
      modelName,
      embeddings,
      embeddingsUrl,
      embeddingsModel,
      embeddingsDimensions,
      ...opts
    }: EmbeddingsFlags & {
      dataDir: string;
      port: number;
      accounts: number;
      days: number;
      seed: number;
      speed?: number;
      approver: "human" | "simulated";
      model: string;
      modelUrl?: string;
      modelName?: string;
    }) => {
      logUnhandledRejections();
      const { modelConfigFromFlags } = await import("../shared/adapters/model/select.ts");
      const { runStart } = await import("../sim/start.ts");
      // Both checked before anything starts: a missing --model-url or --embeddings-url is named here.
      const memory = embeddingsConfigFromFlags({
        embeddings,
        embeddingsUrl,
        embeddingsModel,
        embeddingsDimensions,
      });
      await runStart({
        ...opts,
        model: modelConfigFromFlags({ model: model as never, modelUrl, modelName }),
        ...(memory.provider !== "none" ? { embeddings: memory } : {}),
      });
    },
  );

program
  .command("demo")
  .description("a time-compressed run of every agent on a simulated market, headless; ends with a report")
  .option("--days <n>", "simulated days (default 30; --weeks N is 7N days)", positiveInt)
  .addOption(
    new Option("--weeks <n>", "simulated weeks (instead of --days)").argParser(positiveInt).conflicts("days"),
  )
  .option(
    "--accounts <n>",
    "companies in the simulated market (the default is the size issue 9's learning checks run at)",
    positiveInt,
    DEMO_DEFAULT_ACCOUNTS,
  )
  .option("--seed <n>", "world seed (same seed, same world and market truths)", (v) => Number(v), 1)
  .addOption(
    new Option(
      "--learning <on|off>",
      "off: the workspace's spec says learning.enabled: false (to compare one seed both ways)",
    )
      .choices(["on", "off"])
      .default("on"),
  )
  .option("--json <file>", "also write the report's data as JSON (with the learning report)")
  .addOption(
    new Option(
      "--store <store>",
      "the database: the in-process engine (fast, in memory) or a DynamoDB Local started for the run",
    )
      .choices(["in-process", "dynamodb-local"])
      .default("in-process"),
  )
  .action(
    async (raw: {
      days?: number;
      weeks?: number;
      accounts: number;
      seed: number;
      learning: string;
      json?: string;
      store: "in-process" | "dynamodb-local";
    }) => {
      const opts = {
        days: raw.weeks !== undefined ? raw.weeks * 7 : (raw.days ?? 30),
        accounts: raw.accounts,
        seed: raw.seed,
        learning: raw.learning === "on",
        ...(raw.json ? { json: raw.json } : {}),
      };
      // Checked before the run, not after it: a report with nowhere to go would cost the whole run.
      if (opts.json && !existsSync(dirname(resolve(opts.json))))
        throw new Error(`--json: the folder ${dirname(opts.json)} does not exist`);
      const { runDemo } = await import("../sim/demo.ts");
      const { formatReport } = await import("../sim/report.ts");
      const { progressBar } = await import("../sim/progress.ts");
      const bar = progressBar(process.stderr, opts.days);
      const result = await runDemo({
        days: opts.days,
        accounts: opts.accounts,
        seed: opts.seed,
        learning: opts.learning,
        store: raw.store,
        onProgress: (p) =>
          bar.update(
            p.day,
            `${p.decisions} actions executed, ${p.touches} touches, ${(p.wallMs / 1000).toFixed(0)} s`,
          ),
      });
      bar.done();
      console.log(formatReport(result).join("\n"));
      if (opts.json)
        writeFileSync(opts.json, JSON.stringify({ ...result, decisions: result.decisions.length }, null, 2), {
          mode: 0o600,
        });
      if (result.invariants.some((i) => !i.ok)) process.exitCode = 2;
    },
  );

// `harness outbox --summary | head` closes the pipe early: that ends the output, not in a stack trace.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

program.parseAsync().catch((err: unknown) => {
  if (err instanceof JavaMissingError) console.error(err.message);
  else console.error(`harness: ${(err as Error).message}`);
  process.exit(1);
});
