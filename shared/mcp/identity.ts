/**
 * Who the MCP server acts as: the caller of the API the token (stdio) or the request (HTTP)
 * authenticates. Tools are offered from it, but never trusted on it: every call goes through the
 * API's own authorization, so an MCP session can do nothing its token could not do over the API.
 */
export interface McpIdentity {
  subject: string;
  roles: string[];
  /** The agent the credential speaks for (its `agent:<id>` role), if it is an agent's. */
  agentId?: string;
}

export function identityOf(me: { subject: string; roles: string[] }): McpIdentity {
  const agentRole = me.roles.find((r) => r.startsWith("agent:"));
  return {
    subject: me.subject,
    roles: [...me.roles],
    ...(agentRole ? { agentId: agentRole.slice("agent:".length) } : {}),
  };
}

/** Recording outcomes is an admin's (POST /v1/outcomes): the tool is offered only to such a token. */
export const mayRecordOutcomes = (id: McpIdentity) => id.roles.includes("admin");
