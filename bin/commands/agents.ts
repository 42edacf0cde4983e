/**
 * `harness agents run <agentId>`: one tick of a built-in agent out of process, against a running
 * harness over HTTP, as the agent of HARNESS_TOKEN (shared/runtime/remote-agent*.ts). It prints what
 * the agent proposed: decision ids, verdicts and statuses. Everything is checked before the first
 * request that could write (the agent, the token and whose it is, the URL, the event), so bad input
 * writes nothing; each error names the argument, flag or variable at fault.
 */
import { type Command, Option } from "commander";
import { LocalDeterministicModel } from "../../shared/adapters/model/local-model.ts";
import type { ModelClient } from "../../shared/agents/ports.ts";
import type { HarnessClient } from "../../shared/client/client.ts";
import { ApiError, UnreachableError } from "../../shared/client/transport.ts";
import { ValidationError } from "../../shared/domain/errors.ts";
import { remoteAgentClient } from "../../shared/runtime/remote-agent.ts";
import { FileRetryQueue } from "../../shared/runtime/remote-agent-retries.ts";
import {
  builtInAgent,
  harnessClock,
  type RemoteProposal,
  type RemoteRunReport,
  runRemoteAgent,
  tickOf,
} from "../../shared/runtime/remote-agent-run.ts";
import { agentRole } from "../../shared/usecases/principal.ts";
import { baseUrl, dataDirOption } from "./client.ts";

export interface AgentsRunOptions {
  dataDir: string;
  url?: string;
  event?: string;
  /** A manual agent's input, as JSON. */
  input?: string;
  json?: boolean;
  /** The retry file (remote-agent-retries.ts): deferred proposals wait there for their retryAfter. */
  retries?: string;
  /** The agent's model, as `harness start` takes it (default: the deterministic local model). */
  model?: string;
  modelUrl?: string;
  modelName?: string;
}

/** The model of --model/--model-url/--model-name; the key of an OpenAI-compatible server from HARNESS_MODEL_KEY. */
async function modelOf(opts: AgentsRunOptions, env: NodeJS.ProcessEnv): Promise<ModelClient> {
  if ((opts.model ?? "local") === "local" && !opts.modelUrl && !opts.modelName)
    return new LocalDeterministicModel();
  // Loaded only when asked for: the Bedrock adapter brings the AWS SDK.
  const { createModel, modelConfigFromFlags, modelKeyFromEnv } = await import(
    "../../shared/adapters/model/select.ts"
  );
  const config = modelConfigFromFlags({
    ...(opts.model ? { model: opts.model as "local" } : {}),
    ...(opts.modelUrl ? { modelUrl: opts.modelUrl } : {}),
    ...(opts.modelName ? { modelName: opts.modelName } : {}),
  });
  const apiKey = modelKeyFromEnv(env);
  return createModel(config, apiKey ? { apiKey } : {});
}

/** The --url (else HARNESS_URL, else the local harness), checked to be an http(s) URL. */
function harnessUrl(opts: AgentsRunOptions, env: NodeJS.ProcessEnv): string {
  const url = opts.url ?? env.HARNESS_URL ?? baseUrl({ dataDir: opts.dataDir });
  const flag = opts.url ? "--url" : env.HARNESS_URL ? "HARNESS_URL" : "--url";
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError([{ path: flag, message: `not a URL: ${JSON.stringify(url)}` }]);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new ValidationError([{ path: flag, message: `expected an http(s) URL, not ${parsed.protocol}` }]);
  return url.replace(/\/+$/, "");
}

/** A flag's JSON object (--event, --input), or a ValidationError naming the flag. */
function jsonObject(text: string | undefined, flag: string): Record<string, unknown> | undefined {
  if (text === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new ValidationError([{ path: flag, message: "not JSON" }]);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v))
    throw new ValidationError([{ path: flag, message: 'expected a JSON object, e.g. {"accountId":"acme"}' }]);
  return v as Record<string, unknown>;
}

/** The token is this agent's own: checked before anything else is sent. */
async function assertAgentToken(client: HarnessClient, agentId: string, url: string): Promise<void> {
  let me: { subject: string; roles: string[] };
  try {
    me = await client.me();
  } catch (err) {
    if (err instanceof UnreachableError)
      throw new ValidationError([{ path: "--url", message: `cannot reach the harness at ${url}` }]);
    if (err instanceof ApiError && err.status === 401)
      throw new ValidationError([
        { path: "HARNESS_TOKEN", message: `the harness refused the token: ${err.apiMessage}` },
      ]);
    throw err;
  }
  if (!me.roles.includes(agentRole(agentId)))
    throw new ValidationError([
      {
        path: "HARNESS_TOKEN",
        message: `the token is ${me.subject}'s (roles ${me.roles.join(", ") || "none"}), not agent ${agentId}'s: an agent runs with its own token`,
      },
    ]);
}

/** tickOf names the event and the input as `event` and `input`; here they are the flags. */
function asFlag<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new ValidationError(
      err.issues.map((i) => (i.path === "event" || i.path === "input" ? { ...i, path: `--${i.path}` } : i)),
    );
  }
}

/** The command's work, apart from commander: the report of the run. */
export async function agentsRun(
  agentId: string,
  opts: AgentsRunOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RemoteRunReport> {
  const def = builtInAgent(agentId);
  // Never the data directory's admin token: the agent runs with exactly the credential it is given.
  const token = env.HARNESS_TOKEN?.trim();
  if (!token)
    throw new ValidationError([
      {
        path: "HARNESS_TOKEN",
        message: `required: agent ${def.id}'s token (harness token create --role agent:${def.id})`,
      },
    ]);
  const url = harnessUrl(opts, env);
  const detail = jsonObject(opts.event, "--event");
  const input = jsonObject(opts.input, "--input");
  const model = await modelOf(opts, env);
  const retries = opts.retries ? new FileRetryQueue(opts.retries, "--retries") : undefined;
  retries?.check();
  const client = remoteAgentClient({ baseUrl: url, token });
  await assertAgentToken(client, def.id, url);
  const clock = await harnessClock(client);
  // Web Research reads the company's site from this process, as its Lambda does (plain fetch).
  const web =
    def.id === "web-research"
      ? (await import("../../shared/runtime/agents-aws.ts")).fetchWebFetcher
      : undefined;
  return runRemoteAgent({
    client,
    agentId: def.id,
    model,
    clock,
    ...(retries ? { retries } : {}),
    ...(web ? { web } : {}),
    invocation: asFlag(() => tickOf(def, clock.now(), detail, input)),
    log: (msg, data) => console.error(JSON.stringify({ msg, ...data })),
  });
}

const line = (p: RemoteProposal) =>
  `  ${p.decisionId}  ${p.actionType}  ${p.verdict} → ${p.status}${p.replay ? "  (replay)" : ""}${p.retryAfter ? `  retry after ${p.retryAfter}` : ""}`;

export function formatReport(r: RemoteRunReport): string[] {
  const retried = r.retried.length
    ? [`${r.agentId} (retries): ${r.retried.length} re-proposed`, ...r.retried.map(line)]
    : [];
  if (r.proposals.length === 0) return [...retried, `${r.agentId} (${r.trigger}): proposed nothing`];
  return [
    ...retried,
    `${r.agentId} (${r.trigger}): ${r.proposals.length} proposal(s)`,
    ...r.proposals.map(line),
  ];
}

export function registerAgents(program: Command): void {
  program
    .command("agents")
    .description("built-in agents")
    .command("run <agentId>")
    .description(
      "run one tick of a built-in agent out of process, as the agent of HARNESS_TOKEN, against a running harness; prints what it proposed",
    )
    .addOption(dataDirOption())
    .option("--url <url>", "harness API base URL (default: HARNESS_URL, else the running local harness)")
    .option(
      "--event <json>",
      'the trigger event\'s detail, for an agent that runs on an event, e.g. {"personId":"p1","accountId":"acme"}',
    )
    .addOption(
      new Option(
        "--model <provider>",
        "the agent's model, as for harness start: local (deterministic, the default), openai-compatible (--model-url, --model-name, key in HARNESS_MODEL_KEY) or bedrock (--model-name)",
      ).choices(["local", "openai-compatible", "bedrock"]),
    )
    .option("--model-url <url>", "base URL of the OpenAI-compatible server")
    .option("--model-name <name>", "the model's name on that server (or the Bedrock model id)")
    .option(
      "--retries <file>",
      "keep deferred proposals in this file; a later run at or after their retryAfter re-proposes them once",
    )
    .option("--input <json>", "a manual agent's input, e.g. for manual-list-sync")
    .option("--json", "print the report as JSON")
    .action(async (agentId: string, opts: AgentsRunOptions) => {
      const report = await agentsRun(agentId, opts);
      console.log(opts.json ? JSON.stringify(report, null, 2) : formatReport(report).join("\n"));
    });
}
