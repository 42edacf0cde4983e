import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import { SandboxConnectors } from "../../../shared/adapters/connectors/sandbox.ts";
import { SimulatedClock } from "../../../shared/adapters/local/clock.ts";
import type { AgentDefinition } from "../../../shared/agents/definition.ts";
import type { EnrichmentSource, ModelClient, WebFetcher } from "../../../shared/agents/ports.ts";
import type { RunSummary } from "../../../shared/agents/runner.ts";
import { attachAgents, type LocalAgents } from "../../../shared/runtime/agents-local.ts";
import { createLocalRuntime, type LocalRuntime } from "../../../shared/runtime/local.ts";
import { MemoryTokenStore, T0 } from "../../helpers/runtime.ts";

export { T0 };

export interface AgentsHarness {
  rt: LocalRuntime;
  agents: LocalAgents;
  clock: SimulatedClock;
  sandbox: SandboxConnectors;
  runs: RunSummary[];
  logs: { msg: string; data: Record<string, unknown> }[];
  close(): Promise<void>;
}

/** A local runtime on the shared DynamoDB Local with the agents attached and sandbox connectors. */
export async function startAgents(
  options: {
    at?: number;
    agents?: AgentDefinition[];
    model?: ModelClient;
    enrichment?: EnrichmentSource;
    web?: WebFetcher;
  } = {},
): Promise<AgentsHarness> {
  const clock = new SimulatedClock(options.at ?? T0);
  const sandbox = new SandboxConnectors(undefined, () => clock.now());
  const rt = await createLocalRuntime({
    endpoint: inject("dynamoEndpoint"),
    credentials: inject("dynamoCredentials"),
    tablePrefix: `a${randomBytes(5).toString("hex")}`,
    clock,
    simulated: true,
    tokens: new MemoryTokenStore(),
    connector: sandbox,
    log: () => {},
  });
  const runs: RunSummary[] = [];
  const logs: AgentsHarness["logs"] = [];
  const agents = await attachAgents(rt, {
    ...(options.agents ? { agents: options.agents } : {}),
    ...(options.model ? { model: options.model } : {}),
    ...(options.enrichment ? { enrichment: options.enrichment } : {}),
    ...(options.web ? { web: options.web } : {}),
    onRun: (s) => runs.push(s),
    log: (msg, data) => logs.push({ msg, data }),
  });
  return {
    rt,
    agents,
    clock,
    sandbox,
    runs,
    logs,
    close: async () => {
      await agents.stop();
      await rt.close();
    },
  };
}
