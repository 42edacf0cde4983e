/**
 * A downstream MCP server's tool mapped to an action type (spec `autonomy.actions.<type>.tool`): the
 * tool is then offered to agents through the harness's MCP server, each call is a proposal of that
 * action type (so the type's kind, channel, caps and trust apply without new code), and execution
 * calls the tool. Where the gate's target and the quality checks' text come from in the tool's
 * arguments is given by JSON pointers (RFC 6901), read the same way when the proposal is made and
 * again before the tool is called: what runs is what the gate decided on.
 */

import { pointerGet } from "./json-pointer.ts";
import { Id } from "./vocabulary.ts";
import * as z from "./zod-mini.ts";

/** RFC 6901: "" (the whole document) or "/a/b~1c" (~1 is "/", ~0 is "~"). A target is never the whole. */
const JsonPointer = z
  .string()
  .check(
    z.regex(/^(\/([^~/]|~[01])*)+$/, 'expected a JSON pointer into the tool\'s arguments, e.g. "/accountId"'),
  );

/** Names a connectors file's `mcp[].name`; "__" separates it from the tool name agents see. */
export const McpServerName = z
  .string()
  .check(
    z.regex(
      /^[a-z][a-z0-9-]{0,31}$/,
      "expected lowercase letters, digits and - (at most 32), starting with a letter",
    ),
  );

export const ToolMapping = z.strictObject({
  /** The connectors file's `mcp[].name`. */
  server: McpServerName,
  /** The tool's name on that server. */
  name: z.string().check(z.minLength(1), z.maxLength(128)),
  /** Where the account (and the person, for a touch) is in the arguments. */
  target: z.strictObject({ accountId: JsonPointer, personId: z.optional(JsonPointer) }),
  /** Where a touch's text is: the quality checks read subject and body as for an email. */
  content: z.optional(z.strictObject({ subject: z.optional(JsonPointer), body: JsonPointer })),
  /**
   * Where the person's address is, for a tool that sends to an address rather than to the person's id:
   * the gate blocks a call whose address is not the one on file for the person it checked
   * (domain/recipients.ts), as for the built-in connectors.
   */
  recipient: z.optional(
    z.strictObject({ email: z.optional(JsonPointer), linkedinUrl: z.optional(JsonPointer) }).check(
      z.refine((r) => r.email !== undefined || r.linkedinUrl !== undefined, {
        message: "name where the address is: email, linkedinUrl or both",
      }),
    ),
  ),
  /**
   * An argument the harness fills with the decision's idempotency key (hidden from agents). The key
   * is always also sent in the request's `_meta.idempotencyKey`.
   */
  idempotencyKeyArgument: z.optional(
    z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected a top-level argument name")),
  ),
  /**
   * The tool answers with an error (`isError`, or JSON-RPC's internal error) only for what it did not
   * do. Without it a touch's tool error leaves the decision in doubt: the official SDK's server turns
   * any exception of a tool into such an answer, also one thrown after the message went out.
   */
  errorsMeanNotDone: z.optional(z.boolean()),
});
export type ToolMapping = z.infer<typeof ToolMapping>;

/** The name agents see: `ads__push_audience`. */
export const exposedName = (m: Pick<ToolMapping, "server" | "name">) => `${m.server}__${m.name}`;

export { pointerGet } from "./json-pointer.ts";

/** What a tool call proposes: the gate's target and the payload (the arguments, plus the text to check). */
export interface ToolProposal {
  target: { accountId: string; personId?: string };
  payload: { arguments: Record<string, unknown>; subject?: string; body?: string };
}

export type Derived =
  | { ok: true; value: ToolProposal }
  | { ok: false; issues: { path: string; message: string }[] };

/** Reads the target and the text out of a tool's arguments; issues name the argument (`arguments/...`). */
export function deriveToolProposal(m: ToolMapping, args: Record<string, unknown>): Derived {
  const issues: { path: string; message: string }[] = [];
  const id = (pointer: string): string | undefined => {
    const v = pointerGet(args, pointer);
    const parsed = Id.safeParse(v);
    if (!parsed.success) issues.push({ path: `arguments${pointer}`, message: "expected an id (the target)" });
    return parsed.success ? parsed.data : undefined;
  };
  const text = (pointer: string): string | undefined => {
    const v = pointerGet(args, pointer);
    if (typeof v !== "string") issues.push({ path: `arguments${pointer}`, message: "expected text" });
    return typeof v === "string" ? v : undefined;
  };
  const accountId = id(m.target.accountId);
  const personId = m.target.personId ? id(m.target.personId) : undefined;
  const subject = m.content?.subject ? text(m.content.subject) : undefined;
  const body = m.content ? text(m.content.body) : undefined;
  if (issues.length || !accountId) return { ok: false, issues };
  return {
    ok: true,
    value: {
      target: { accountId, ...(personId ? { personId } : {}) },
      payload: {
        arguments: args,
        ...(subject !== undefined ? { subject } : {}),
        ...(body !== undefined ? { body } : {}),
      },
    },
  };
}

/**
 * Whether a decision's target and payload are what its arguments say (an agent may also send a mapped
 * type through propose_action, with a target of its own choosing): the reason when not.
 */
export function mismatch(
  m: ToolMapping,
  decided: { accountId: string; personId?: string | undefined; payload: Record<string, unknown> },
): string | undefined {
  const args = decided.payload.arguments;
  if (args === null || typeof args !== "object" || Array.isArray(args))
    return "the payload has no arguments object";
  const d = deriveToolProposal(m, args as Record<string, unknown>);
  if (!d.ok) return d.issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  const v = d.value;
  if (v.target.accountId !== decided.accountId) return `the arguments name account ${v.target.accountId}`;
  if (v.target.personId !== decided.personId)
    return `the arguments name person ${v.target.personId ?? "none"}`;
  if (v.payload.subject !== decided.payload.subject || v.payload.body !== decided.payload.body)
    return "the arguments' text is not the text the gate checked";
  return undefined;
}

/** The built-in system that executes an action type: email.send → SES, linkedin.* → LinkedIn, crm/list → HubSpot. */
export type BuiltInSystem = "ses" | "linkedin" | "hubspot";
export function builtInSystemFor(actionType: string): BuiltInSystem | undefined {
  if (actionType === "email.send") return "ses";
  if (actionType.startsWith("linkedin.")) return "linkedin";
  if (actionType === "crm.update" || actionType === "list.sync") return "hubspot";
  return undefined;
}

/**
 * Two action types cannot map the same tool (which type a call proposes would be ambiguous), and a
 * built-in type cannot map one: where its server is not configured, its decisions would reach the
 * built-in connector (SES, HubSpot, LinkedIn) with a tool's arguments as payload.
 */
export function duplicateToolIssues(
  actions: Record<string, { tool?: ToolMapping | undefined }>,
): { path: string[]; message: string }[] {
  const seen = new Map<string, string>();
  const out: { path: string[]; message: string }[] = [];
  for (const [type, a] of Object.entries(actions)) {
    if (!a.tool) continue;
    const system = builtInSystemFor(type);
    if (system)
      out.push({
        path: ["autonomy", "actions", type, "tool"],
        message: `${type} is carried out by the built-in ${system} connector; map the tool to an action type of its own (e.g. "crm.${type.replace(/\./g, "_")}")`,
      });
    const name = exposedName(a.tool);
    const first = seen.get(name);
    if (first)
      out.push({
        path: ["autonomy", "actions", type, "tool"],
        message: `${name} is already mapped by ${first}`,
      });
    else seen.set(name, type);
  }
  return out;
}

/** A touch's tool must say whom it reaches and what it says: the persona and content checks read them. */
export function toolForKindIssues(a: { kind: string; tool?: ToolMapping | undefined }) {
  const out: { path: string[]; message: string }[] = [];
  if (a.tool?.recipient && a.kind === "record")
    out.push({
      path: ["tool", "recipient"],
      message: "a record reaches nobody: a recipient is for touches and audiences (kind touch or audience)",
    });
  else if (a.tool?.recipient && !a.tool.target.personId)
    out.push({
      path: ["tool", "target", "personId"],
      message: "a tool whose recipient is mapped must name the person it reaches",
    });
  if (a.kind !== "touch" || !a.tool) return out;
  if (!a.tool.target.personId)
    out.push({
      path: ["tool", "target", "personId"],
      message: "a touch's tool must name the person it reaches",
    });
  if (!a.tool.content)
    out.push({ path: ["tool", "content"], message: "a touch's tool must name its text (content.body)" });
  return out;
}

/** A mapped downstream tool as agents are offered it (GET /v1/tools, the harness's MCP server). */
export const ExposedTool = z.strictObject({
  /** `<server>__<tool>`. */
  name: z.string(),
  actionType: z.string(),
  kind: z.enum(["touch", "audience", "record"]),
  channel: z.optional(z.string()),
  mapping: ToolMapping,
  title: z.optional(z.string()),
  description: z.optional(z.string()),
  /** The downstream tool's own JSON Schema, without the argument the harness fills with the key. */
  inputSchema: z.record(z.string(), z.unknown()),
});
export type ExposedTool = z.infer<typeof ExposedTool>;

/** The input schema agents see: the downstream one without the idempotency argument (the harness sets it). */
export function exposedInputSchema(
  schema: Record<string, unknown>,
  hidden: string | undefined,
): Record<string, unknown> {
  if (!hidden) return schema;
  const { [hidden]: _dropped, ...properties } = (schema.properties ?? {}) as Record<string, unknown>;
  const required = Array.isArray(schema.required) ? schema.required.filter((r) => r !== hidden) : undefined;
  return { ...schema, properties, ...(required ? { required } : {}) };
}
