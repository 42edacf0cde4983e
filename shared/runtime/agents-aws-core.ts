/**
 * The agents' AWS wiring, given which agents a function runs (agents-aws.ts: every agent;
 * functions/agents/crm-import.ts: that agent alone).
 *
 * How agents propose in AWS: through the HTTP API (POST /v1/proposals at HARNESS_API_URL, signed
 * with the function role's credentials, SigV4), exactly like any external agent. The agent's role
 * is its identity (`<stage>-harness-agent-<id>`), the gate runs in the proposals function, and
 * execution follows from the decision events (EventBridge → executor, Step Functions for windows
 * and approvals). There is no gate in an agent's function: its role may not write the ledger, and
 * the CDK app always sets HARNESS_API_URL (infra/constructs/agent-functions.ts). Before, every agent
 * function carried the whole gate (39 KB) for a fallback without the variable that its role could
 * not have committed a decision through; without it, a proposal now fails naming the variable.
 *
 * The agent reads the knowledge base from the state table (read-only) and the ledger when
 * LEDGER_TABLE is set (CRM Sync and context packets read decisions); the retry queue for deferred
 * proposals is the AGENTRETRY#<agentId> partition of the state table, and its run claims (one run
 * per schedule firing: agent-run-claims.ts) the AGENTRUN#<agentId> one, so the role may write
 * (PutItem/UpdateItem/DeleteItem) those two partitions only.
 */

import { createHash, createHmac } from "node:crypto";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { awsClientConfig } from "../adapters/aws/client-config.ts";
import { selfInvoker } from "../adapters/aws/self-invoke.ts";
import { DynamoAgentKnowledgeStore } from "../adapters/dynamo/agent-kb-store.ts";
import { DynamoRetryStore } from "../adapters/dynamo/agent-retry-store.ts";
import { DynamoRunClaims, type RunClaims } from "../adapters/dynamo/agent-run-claims.ts";
import { DataKeys } from "../adapters/dynamo/data-keys.ts";
import { createDb } from "../adapters/dynamo/db.ts";
import { DynamoDecisionReader } from "../adapters/dynamo/decision-reader.ts";
import { decisionStatus } from "../adapters/dynamo/decision-status.ts";
import { DynamoKnowledgeReader } from "../adapters/dynamo/kb-reader.ts";
import { DynamoLearnedStore } from "../adapters/dynamo/learned-store.ts";
import { DynamoMemoryStore } from "../adapters/dynamo/memory-store.ts";
import { DynamoSpecStore } from "../adapters/dynamo/spec-store.ts";
import { systemClock } from "../adapters/local/clock.ts";
import type { AgentDefinition } from "../agents/definition.ts";
import { FetchError, type ModelClient, type WebFetcher } from "../agents/ports.ts";
import { AgentRunner, type ProposalGate } from "../agents/runner.ts";
import type { Decision } from "../domain/decision.ts";
import { DependencyError, ForbiddenError, ValidationError } from "../domain/errors.ts";
import * as z from "../domain/zod-mini.ts";
import { KnowledgeView } from "../kb/view.ts";
import type { Clock } from "../ports.ts";
import type { CrmImporter } from "../usecases/crm-import.ts";
import { type AwsEnv, ConfigError, localDynamo, parseAwsEnv, required } from "./aws-env.ts";
import { awsKeyWrapper } from "./aws-keys.ts";

const AgentEnv = z.object({
  AGENT_ID: z.string().check(z.minLength(1)),
  HARNESS_API_URL: z.optional(z.url()),
});

/** node:crypto as the SHA-256 the SigV4 signer asks for. */
class Sha256 {
  private readonly h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    const key =
      secret === undefined || typeof secret === "string" ? secret : Buffer.from(secret as Uint8Array);
    this.h = key ? createHmac("sha256", key) : createHash("sha256");
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.h.update(typeof data === "string" ? data : Buffer.from(data as Uint8Array));
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}

/** POST /v1/proposals, signed with the function's role: the API's IAM authorizer names the agent. */
export class ApiGate implements ProposalGate {
  private readonly signer: SignatureV4;

  constructor(
    private readonly baseUrl: string,
    region: string,
    private readonly fetchFn: typeof fetch = fetch,
  ) {
    this.signer = new SignatureV4({
      service: "execute-api",
      region,
      // The role's keys where Lambda puts them; the SDK's chain only where the environment has none.
      credentials: awsClientConfig().credentials ?? defaultProvider(),
      sha256: Sha256,
    });
  }

  async propose(input: unknown): Promise<{ decision: Decision; replay: boolean }> {
    const url = new URL("/v1/proposals", this.baseUrl);
    const body = JSON.stringify(input);
    let res: Response;
    try {
      const signed = await this.signer.sign({
        method: "POST",
        protocol: url.protocol,
        hostname: url.hostname,
        path: url.pathname,
        headers: { host: url.host, "content-type": "application/json" },
        body,
      });
      res = await this.fetchFn(url, {
        method: "POST",
        headers: signed.headers as Record<string, string>,
        body,
      });
    } catch (err) {
      // The API unreachable (a dropped connection, DNS) or the role's keys unreadable: the gate never
      // saw it, so it is for later (a deferred proposal's retry stays queued), not refused. Before, the
      // fetch's TypeError reached the retry queue as a refusal, which dropped the entry for good.
      throw new DependencyError(`POST /v1/proposals: ${(err as Error).message}`, { cause: err });
    }
    const data = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status === 400)
      throw new ValidationError([{ path: "proposal", message: String(data.message ?? "invalid") }]);
    // The harness's refusal says `error: "forbidden"` (respond.ts); API Gateway's own 403 (a signature
    // it refused: clock skew, keys rotated mid-call, the route's grant missing during a deploy) does
    // not, and is for later like any other failure to reach the gate.
    if (res.status === 403 && data.error === "forbidden")
      throw new ForbiddenError(String(data.message ?? "forbidden"));
    if (!res.ok)
      throw new DependencyError(`POST /v1/proposals answered ${res.status}: ${String(data.message ?? "")}`);
    const { replay, ...decision } = data;
    return { decision: decision as unknown as Decision, replay: replay === true };
  }
}

export const fetchWebFetcher: WebFetcher = {
  async get(url) {
    try {
      const res = await fetch(url, {
        signal: AbortSignal.timeout(8000),
        headers: { "user-agent": "AgentHarness-WebResearch/1.0 (+company research for B2B outreach)" },
      });
      const body = (await res.text()).slice(0, 1_000_000);
      return {
        url: res.url || url,
        status: res.status,
        contentType: res.headers.get("content-type") ?? "",
        body,
      };
    } catch (err) {
      throw new FetchError(`${url}: ${(err as Error).message}`, { cause: err });
    }
  },
};

export interface AgentsAwsRuntime {
  agentId: string;
  runner: AgentRunner;
  /** Invoke this function again with a payload (a run that stopped at its deadline goes on); in Lambda only. */
  continueRun?: (payload: unknown) => Promise<void>;
  /** One run per schedule firing and continuation, whatever Lambda delivers twice (agent-run-claims.ts). */
  claims?: RunClaims;
  /** The published spec's `workspace.timezone` (none published: undefined), read when asked. */
  workspaceTimezone?: () => Promise<string | undefined>;
}

/**
 * What one agent's function adds to the common wiring, given by its own entry so that no other
 * agent's bundle carries it: crm-import's CRM (shared/runtime/crm-import-aws.ts, HubSpot's SDK), and
 * the model of the agents that call one (model-aws.ts `createAwsModel`: Bedrock, an OpenAI-compatible
 * server or the local model, and their prompts).
 */
export interface AgentsAwsExtras {
  crm?: (env: AwsEnv, db: ReturnType<typeof createDb>, clock: Clock) => CrmImporter | undefined;
  model?: (rawEnv: Record<string, string | undefined>) => ModelClient;
}

/** What differs between agent functions: the agents they run. */
export interface AgentsAwsWiring {
  /** The agents this function may run: AGENT_ID must name one of them. */
  agents: readonly AgentDefinition[];
}

/** Without the API there is nowhere to propose: said, rather than going ungated. */
const noApi: ProposalGate = {
  propose: async () => {
    throw new ConfigError(
      "HARNESS_API_URL is not set: an agent's function proposes through the harness's API",
    );
  },
};

export function agentsAwsRuntime(
  wiring: AgentsAwsWiring,
  rawEnv: Record<string, string | undefined> = process.env,
  clock: Clock = systemClock,
  extras: AgentsAwsExtras = {},
): AgentsAwsRuntime {
  const env = parseAwsEnv(rawEnv);
  const agentEnv = AgentEnv.safeParse(rawEnv);
  if (!agentEnv.success) throw new ConfigError(`invalid agent environment: ${agentEnv.error.message}`);
  const { AGENT_ID: agentId, HARNESS_API_URL: apiUrl } = agentEnv.data;
  if (!wiring.agents.some((a) => a.id === agentId))
    throw new ConfigError(
      `AGENT_ID ${agentId} is not an agent of this function (${wiring.agents.map((a) => a.id).join(", ")})`,
    );
  const modelAgents = wiring.agents.filter((a) => a.usesModel).map((a) => a.id);
  if (modelAgents.length && !extras.model)
    throw new ConfigError(
      `${modelAgents.join(", ")} call a model: their function's entry gives it one (AgentsAwsExtras.model)`,
    );
  const db = createDb({
    tables: { state: required(env, "STATE_TABLE"), ledger: env.LEDGER_TABLE ?? "ledger-not-granted" },
    region: env.AWS_REGION,
    ...localDynamo(env),
  });
  const keys = new DataKeys(db, awsKeyWrapper(env));
  // The reads alone (decision-reader.ts): an agent reads decisions, the gate writes them.
  const decisions = new DynamoDecisionReader(db, keys);
  const specs = new DynamoSpecStore(db);
  const view = new KnowledgeView({
    clock,
    // The reads alone (kb-reader.ts): the role may not write the state table's records.
    kb: new DynamoKnowledgeReader(db),
    agentKb: new DynamoAgentKnowledgeStore(db),
    learned: new DynamoLearnedStore(db),
    memory: new DynamoMemoryStore(db),
    specs,
    decisions,
    decisionStatus: (id) => decisionStatus(db, id),
  });
  const gate: ProposalGate = apiUrl ? new ApiGate(apiUrl, env.AWS_REGION) : noApi;
  const crm = extras.crm?.(env, db, clock);
  const runner = new AgentRunner([...wiring.agents], {
    clock,
    gate,
    kb: view,
    // Bedrock, an OpenAI-compatible server (key from Secrets Manager) or the local model: model-aws.ts,
    // given by the entries whose agents call a model.
    ...(extras.model ? { model: extras.model(rawEnv) } : {}),
    retries: new DynamoRetryStore(db),
    web: fetchWebFetcher,
    ...(crm ? { crm } : {}),
    log: (msg, data) => console.log(JSON.stringify({ level: "info", msg, ...data })),
  });
  // Lambda names the function it runs; a continuation invokes that one again. Only for an agent that
  // declares it: only its role may invoke its function (agent-functions.ts).
  const self = wiring.agents.find((a) => a.id === agentId)?.continues
    ? rawEnv.AWS_LAMBDA_FUNCTION_NAME
    : undefined;
  let lambda: LambdaClient | undefined;
  return {
    agentId,
    runner,
    claims: new DynamoRunClaims(db),
    workspaceTimezone: async () => (await specs.current())?.spec.workspace.timezone,
    ...(self
      ? {
          continueRun: selfInvoker(
            () => (lambda ??= new LambdaClient(awsClientConfig(env.AWS_REGION))),
            self,
          ),
        }
      : {}),
  };
}
