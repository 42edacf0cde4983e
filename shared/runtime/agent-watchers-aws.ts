/**
 * The agents' watchers in AWS, for functions/events/agent-watchers.ts: the EventBridge target of the
 * `agent-watchers` routes in shared/runtime/event-routes.ts. The same watchers the local runtime
 * subscribes in shared/runtime/agents-local.ts, on the same event types:
 *
 * - kb.* (the observed KB store's change feed) -> watchKnowledge: account.in_icp, account.high_intent,
 *   person.created;
 * - decision.transitioned -> ingestExecuted (executed crm.update / list.sync records into the KB),
 *   then learnFrom;
 * - outcome.recorded -> learnFrom.
 *
 * The KB the ingest writes through is the runtime's observed store, so its writes publish kb.* events
 * to EventBridge, which come back here, as they do on the local bus.
 */
import { DynamoAgentKnowledgeStore } from "../adapters/dynamo/agent-kb-store.ts";
import { DynamoLearnedStore } from "../adapters/dynamo/learned-store.ts";
import { DynamoMemoryWriter } from "../adapters/dynamo/memory-writer.ts";
import { type IngestDeps, ingestExecuted } from "../agents/watchers/ingest.ts";
import { KB_WATCHER_EVENTS, watchKnowledge } from "../agents/watchers/kb-watcher.ts";
import { type LearningDeps, learnFrom } from "../agents/watchers/learning.ts";
import { RecordsView } from "../kb/records-view.ts";
import type { DomainEvent } from "../ports.ts";
import type { AwsRuntime } from "./aws.ts";

type Watcher = { name: string; run: (event: DomainEvent) => Promise<void> };

export interface AgentWatchers {
  /** Runs every watcher of the event's type (each even if another failed); names the ones that ran. */
  handle(event: DomainEvent): Promise<{ type: string; watchers: string[] }>;
}

export function createAgentWatchers(rt: AwsRuntime): AgentWatchers {
  const { clock, decisions, events, kb, specs } = rt.deps;
  const agentKb = new DynamoAgentKnowledgeStore(rt.db);
  const learned = new DynamoLearnedStore(rt.db);
  const memory = new DynamoMemoryWriter(rt.db);
  // The records and the spec: all the watchers read through a view (records-view.ts).
  const view = new RecordsView({ clock, kb, specs });
  const ingestDeps: IngestDeps = { clock, events, decisions, kb, agentKb, memory, view };
  const learningDeps: LearningDeps = { decisions, learned };
  const knowledge: Watcher = {
    name: "kb-watcher",
    run: (e) => watchKnowledge({ clock, events, agentKb, view }, e),
  };
  const ingest: Watcher = { name: "ingest", run: (e) => ingestExecuted(ingestDeps, e) };
  const learning: Watcher = { name: "learning", run: (e) => learnFrom(learningDeps, e) };
  const byType = new Map<string, Watcher[]>([
    ...KB_WATCHER_EVENTS.map((t): [string, Watcher[]] => [t, [knowledge]]),
    ["decision.transitioned", [ingest, learning]],
    ["outcome.recorded", [learning]],
  ]);

  return {
    async handle(event) {
      const watchers = byType.get(event.type) ?? [];
      const failures: Error[] = [];
      for (const w of watchers) {
        try {
          await w.run(event);
        } catch (err) {
          failures.push(new Error(`${w.name}: ${(err as Error).message}`, { cause: err }));
        }
      }
      // Failed: EventBridge's async invocation retries the event, then its failure destination gets it.
      if (failures.length)
        throw new AggregateError(
          failures,
          `agent watchers failed on ${event.type}: ${failures.map((f) => f.message).join("; ")}`,
        );
      return { type: event.type, watchers: watchers.map((w) => w.name) };
    },
  };
}
