/**
 * The event route table: which domain events go to which worker. The EventBridge rules in the CDK
 * app are generated from it, and the in-process bus can subscribe from the same table
 * (`subscribeRoutes`), so both deliver the same events to the same work.
 */
import type { AgentMeta } from "../agents/definition.ts";
import { AGENT_EVENTS } from "../agents/events.ts";
import type { DomainEvent } from "../ports.ts";

export type EventTarget = { worker: "execute-allowed" } | { worker: "agent-watchers" } | { agent: string };

export interface EventRoute {
  /** Stable id: the rule's construct id in AWS. */
  id: string;
  /** The domain event type (EventBridge detail-type). */
  eventType: string;
  /** Detail fields and the values they must have (an EventBridge content filter, exact match). */
  detail?: Record<string, string[]>;
  target: EventTarget;
}

export const EVENT_ROUTES: EventRoute[] = [
  {
    // Level 3 and anything else dispatched at decision time: the executor calls the connector.
    id: "ExecuteAllowed",
    eventType: "decision.made",
    detail: { status: ["dispatched"] },
    target: { worker: "execute-allowed" },
  },
  // The agents' watchers (functions/events/agent-watchers.ts), on the same event types and with the
  // same (no) filters as the local runtime's subscriptions in shared/runtime/agents-local.ts, which
  // subscribes them itself: the local bus only runs the execute-allowed worker from this table.
  // KB change feed -> account.in_icp, account.high_intent, person.created (kb-watcher.ts).
  {
    id: "AgentWatchersOnKbAccountPut",
    eventType: AGENT_EVENTS.accountPut,
    target: { worker: "agent-watchers" },
  },
  {
    id: "AgentWatchersOnKbPersonPut",
    eventType: AGENT_EVENTS.personPut,
    target: { worker: "agent-watchers" },
  },
  {
    id: "AgentWatchersOnKbSignalsAdded",
    eventType: AGENT_EVENTS.signalsAdded,
    target: { worker: "agent-watchers" },
  },
  // Executed record actions -> the KB (ingest.ts); executions and reviews -> learning (learning.ts).
  {
    id: "AgentWatchersOnDecisionTransitioned",
    eventType: "decision.transitioned",
    target: { worker: "agent-watchers" },
  },
  // Outcomes -> learning (learning.ts).
  {
    id: "AgentWatchersOnOutcomeRecorded",
    eventType: "outcome.recorded",
    target: { worker: "agent-watchers" },
  },
];

const pascal = (s: string) =>
  s
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0]?.toUpperCase() + p.slice(1))
    .join("");

/** One route per event trigger of each registered agent. */
export function agentEventRoutes(agents: AgentMeta[]): EventRoute[] {
  return agents.flatMap((a) =>
    a.triggers.flatMap((t) =>
      t.kind === "event"
        ? [
            {
              id: `Agent${pascal(a.id)}On${pascal(t.eventType)}`,
              eventType: t.eventType,
              target: { agent: a.id },
            },
          ]
        : [],
    ),
  );
}

export function routeMatches(route: EventRoute, event: DomainEvent): boolean {
  if (route.eventType !== event.type) return false;
  return Object.entries(route.detail ?? {}).every(([k, allowed]) =>
    allowed.includes(String(event.detail[k])),
  );
}

/** For the in-process bus: subscribe each route's handler, filtered like the EventBridge rule. */
export function subscribeRoutes(
  bus: { subscribe(type: string, fn: (event: DomainEvent) => Promise<void>): void },
  routes: EventRoute[],
  handlerFor: (target: EventTarget) => ((event: DomainEvent) => Promise<void>) | undefined,
): void {
  for (const route of routes) {
    const handler = handlerFor(route.target);
    if (!handler) continue;
    bus.subscribe(route.eventType, async (event) => {
      if (routeMatches(route, event)) await handler(event);
    });
  }
}
