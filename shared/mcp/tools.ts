/**
 * The harness's MCP tools. Each input schema is the API's own zod schema for that request (the SDK
 * validates with it: a wrong field is a tool error naming it, and nothing is called); each tool makes
 * the API call(s) the typed client offers, as the session's caller. What the API refuses, the tool
 * returns as a tool error with the API's reason.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as z from "zod";
import type { HarnessClient } from "../client/client.ts";
import { ProposalInput } from "../domain/proposal.ts";
import { Id } from "../domain/vocabulary.ts";
import { ContextQuery, MemorySearchQuery } from "../http/agent-routes.ts";
import { MemoryInput } from "../usecases/add-memory.ts";
import { OutcomeBody } from "../usecases/schemas.ts";
import { decisionView } from "./decision-view.ts";
import { type McpIdentity, mayRecordOutcomes } from "./identity.ts";
import { guarded, jsonResult } from "./results.ts";
import { MAX_WAIT_SECONDS, waitFor } from "./wait.ts";

/**
 * The proposal as the API takes it, field for field; agentId may be left out: it is the token's agent.
 * The API re-validates the whole proposal (its payload size rule included) when it receives it.
 */
export const ProposeToolInput = z
  .object({
    ...ProposalInput.shape,
    agentId: z.optional(Id).describe("your agent id; defaults to the token's agent (another is refused)"),
  })
  .strict();

export const DecisionRef = z.object({ decisionId: Id }).strict();

export const WaitInput = DecisionRef.extend({
  timeoutSeconds: z
    .number()
    .int()
    .min(1)
    .max(MAX_WAIT_SECONDS)
    .default(30)
    .describe(`how long this call waits at most (≤ ${MAX_WAIT_SECONDS}); call again to wait longer`),
}).strict();

export interface ToolOptions {
  /** Poll interval of wait_for_decision. @default 250 */
  pollMs?: number;
}

export function registerTools(
  server: McpServer,
  api: HarnessClient,
  who: McpIdentity,
  options: ToolOptions = {},
): void {
  // An agent reads its decisions through its own route; a person with a reader role reads any.
  const readDecision = (id: string) =>
    who.agentId ? api.agentDecision({ agentId: who.agentId, id }) : api.getDecision({ id });

  server.registerTool(
    "get_context",
    {
      title: "Context packet",
      description:
        "What the harness knows about an account (and a person there) within a token budget: account, intent signals, persona, buying committee, facts, recent touches and memory, each item with its source.",
      inputSchema: ContextQuery,
      annotations: { readOnlyHint: true },
    },
    (args) => guarded(async () => jsonResult(await api.context({ query: args }))),
  );

  server.registerTool(
    "search_memory",
    {
      title: "Search memory",
      description: "Search one account's memory (call transcripts, email threads, notes) for a query.",
      inputSchema: MemorySearchQuery,
      annotations: { readOnlyHint: true },
    },
    (args) => guarded(async () => jsonResult(await api.searchMemory({ query: args }))),
  );

  // In AWS an agent's credential is its IAM role, which API Gateway accepts on /mcp but not on
  // POST /v1/memory (a people's route, Cognito-authorized): this tool is the agents' way to add notes
  // there, and the same route with the same rules (an agent: its own notes only) everywhere.
  server.registerTool(
    "add_memory",
    {
      title: "Add to memory",
      description:
        "Add a note to an account's memory, cited to you and searchable by the other agents (an agent adds its own notes: kind note; transcripts and email threads come from an admin). The same id and content again is a replay.",
      inputSchema: MemoryInput,
    },
    (args) => guarded(async () => jsonResult(await api.addMemory({ body: args }))),
  );

  server.registerTool(
    "propose_action",
    {
      title: "Propose an action",
      description:
        "Ask the harness to take an action (an email, a LinkedIn message, an audience push, a CRM update). The gate decides: allow (it runs), schedule (it runs at executeAt unless a person vetoes), require_approval (a person reviews), defer (try again after retryAfter) or block. proposalId is your idempotency key: the same id again answers the first decision.",
      inputSchema: ProposeToolInput,
    },
    (args) =>
      guarded(async () => {
        const agentId = args.agentId ?? who.agentId;
        const d = await api.propose({ body: { ...args, ...(agentId ? { agentId } : {}) } as never });
        return jsonResult({ ...decisionView(d), replay: d.replay });
      }),
  );

  server.registerTool(
    "get_decision",
    {
      title: "Get a decision",
      description: "One of your decisions as it is now: verdict, status, reasons, retryAfter, executeAt.",
      inputSchema: DecisionRef,
      annotations: { readOnlyHint: true },
    },
    (args) => guarded(async () => jsonResult(decisionView(await readDecision(args.decisionId)))),
  );

  server.registerTool(
    "wait_for_decision",
    {
      title: "Wait for a decision",
      description: `Wait (at most timeoutSeconds, ≤ ${MAX_WAIT_SECONDS}) until a decision is executed, vetoed, rejected, expired, deferred, blocked or failed. done is false when the time ran out first: call again to keep waiting.`,
      inputSchema: WaitInput,
      annotations: { readOnlyHint: true },
    },
    (args, extra) =>
      guarded(async () => {
        const r = await waitFor(() => readDecision(args.decisionId), {
          timeoutMs: args.timeoutSeconds * 1000,
          signal: extra.signal,
          ...(options.pollMs ? { pollMs: options.pollMs } : {}),
        });
        return jsonResult({ ...decisionView(r.decision), done: r.done, waitedMs: r.waitedMs });
      }),
  );

  if (mayRecordOutcomes(who))
    server.registerTool(
      "record_outcome",
      {
        title: "Record an outcome",
        description:
          "Record what happened after an action (reply, meeting booked, bounce, unsubscribe, ...) for a decision, person or email. It teaches the agent's trust.",
        inputSchema: OutcomeBody,
      },
      (args) => guarded(async () => jsonResult(await api.recordOutcome({ body: args }))),
    );
}
