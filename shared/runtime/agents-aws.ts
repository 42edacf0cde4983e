/**
 * The agents' AWS wiring for functions/agents/handler.ts (one Lambda per registry entry, AGENT_ID):
 * every agent of the registry, and the Gate in-process when HARNESS_API_URL is not set. The wiring
 * itself is agents-aws-core.ts, so that a function running one agent that never proposes
 * (functions/agents/crm-import.ts) carries neither the other agents' workflows nor the gate.
 */
import { EventBridgePublisher } from "../adapters/aws/event-bridge-publisher.ts";
import { DynamoGateDecisionStore } from "../adapters/dynamo/gate-decision-store.ts";
import { systemClock } from "../adapters/local/clock.ts";
import { agentRegistry } from "../agents/registry.ts";
import type { Clock } from "../ports.ts";
import { Gate } from "../usecases/gate.ts";
import { type AgentsAwsExtras, type AgentsAwsRuntime, agentsAwsRuntime } from "./agents-aws-core.ts";
import { required } from "./aws-env.ts";

export {
  type AgentsAwsExtras,
  type AgentsAwsRuntime,
  ApiGate,
  fetchWebFetcher,
} from "./agents-aws-core.ts";

export function createAgentsAwsRuntime(
  rawEnv: Record<string, string | undefined> = process.env,
  clock: Clock = systemClock,
  extras: AgentsAwsExtras = {},
): AgentsAwsRuntime {
  return agentsAwsRuntime(
    {
      agents: agentRegistry,
      decisions: (db, keys) => new DynamoGateDecisionStore(db, keys),
      localGate: (env, stores) =>
        new Gate({
          ...stores,
          events: EventBridgePublisher.create(required(env, "EVENT_BUS_NAME"), env.AWS_REGION),
        }),
    },
    rawEnv,
    clock,
    extras,
  );
}
