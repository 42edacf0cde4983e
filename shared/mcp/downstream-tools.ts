/**
 * Downstream MCP tools through the gate: each tool the spec maps to an action type (GET /v1/tools) is
 * offered to an agent's session as `<server>__<tool>`, with the downstream tool's own input schema
 * under `arguments` beside what every proposal carries (proposalId, reasoning, confidence). A call is
 * a proposal of the mapped type, target and text read from the arguments by the spec's pointers, so
 * the type's caps, cooldowns, trust and autonomy apply as to any built-in action; the answer is
 * propose_action's. Nothing is called downstream here: execution does it after the gate allows it.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as z from "zod";
import type { HarnessClient } from "../client/client.ts";
import { checked } from "../client/transport.ts";
import { ProposalInput } from "../domain/proposal.ts";
import { deriveToolProposal, ExposedTool } from "../domain/spec-tools.ts";
import { Id } from "../domain/vocabulary.ts";
import { list } from "../http/api-schemas.ts";
import { decisionView } from "./decision-view.ts";
import type { McpIdentity } from "./identity.ts";
import { guarded, jsonResult } from "./results.ts";

const Catalog = list(ExposedTool);

/** The mapped tools, as the caller may read them; a harness without the route (older, or none) offers none. */
export async function listDownstream(api: HarnessClient): Promise<ExposedTool[]> {
  const answer = await api.transport("GET", "/v1/tools");
  if (answer.status === 404) return [];
  return Catalog.parse(checked(answer).data).items;
}

/** The downstream schema as zod, so the SDK validates `arguments` (a field error names it, nothing is proposed). */
function argumentsSchema(json: Record<string, unknown>): z.ZodType {
  try {
    return z.fromJSONSchema(json as Parameters<typeof z.fromJSONSchema>[0]);
  } catch {
    // A schema zod cannot read: the downstream server validates at execution, and refuses (failed).
    return z.record(z.string(), z.unknown());
  }
}

const { reasoning, confidence, signals } = ProposalInput.shape;

export function registerDownstreamTools(
  server: McpServer,
  api: HarnessClient,
  who: McpIdentity,
  tools: readonly ExposedTool[],
): void {
  const agentId = who.agentId;
  // A proposal is an agent's: a person's token is offered none of these.
  if (!agentId) return;
  for (const t of tools) {
    const on = `${t.actionType} (${t.kind}${t.channel ? `, ${t.channel}` : ""})`;
    server.registerTool(
      t.name,
      {
        title: t.title ?? t.name,
        description:
          `Through the harness's gate as ${on}: the call is a proposal, decided like propose_action (allow, schedule, require_approval, defer with retryAfter, block); the tool runs only when allowed, once. ${t.description ?? ""}`.trim(),
        inputSchema: z
          .object({
            // Id is a zod/mini schema (domain/vocabulary.ts): described on a clone, as classic describe() does.
            proposalId: Id.clone().register(z.globalRegistry, {
              description: "your idempotency key: the same id again answers the first decision",
            }),
            reasoning,
            confidence,
            signals,
            arguments: argumentsSchema(t.inputSchema).describe(
              `${t.mapping.server}'s ${t.mapping.name} arguments`,
            ),
          })
          .strict(),
      },
      (args) =>
        guarded(async () => {
          const derived = deriveToolProposal(t.mapping, args.arguments as Record<string, unknown>);
          if (!derived.ok)
            return {
              content: [
                { type: "text", text: derived.issues.map((i) => `${i.path}: ${i.message}`).join("; ") },
              ],
              isError: true,
            };
          const d = await api.propose({
            body: {
              proposalId: args.proposalId,
              agentId,
              action: { type: t.actionType },
              target: derived.value.target,
              payload: derived.value.payload,
              reasoning: args.reasoning,
              confidence: args.confidence,
              ...(args.signals ? { signals: args.signals } : {}),
            },
          });
          return jsonResult({ ...decisionView(d), replay: d.replay });
        }),
    );
  }
}
