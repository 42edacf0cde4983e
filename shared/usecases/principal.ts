import { ForbiddenError, ValidationError } from "../domain/errors.ts";

/** Who is calling: from the local token store or, in AWS, from the JWT/IAM authorizer context. */
export interface Principal {
  subject: string;
  roles: string[];
}

export const ROLES = ["approver", "admin", "viewer"] as const;

export const agentRole = (agentId: string) => `agent:${agentId}`;
const isAgentRole = (role: string) => role.startsWith("agent:");
export const agentIdsOf = (p: Principal) => p.roles.filter(isAgentRole).map((r) => r.slice(6));
export const hasRole = (p: Principal, ...roles: string[]) => roles.some((r) => p.roles.includes(r));

/** `agent:outreach-writer`, `Agent:x`, ` agent:x`: the way agents are named, whatever the case. */
const AGENT_SUBJECT = /^\s*agent:/i;
const subjectAgentId = (subject: string) =>
  AGENT_SUBJECT.test(subject) ? subject.trim().slice("agent:".length).toLowerCase() : undefined;

export function requireRole(p: Principal, ...roles: string[]): void {
  if (!hasRole(p, ...roles)) throw new ForbiddenError(`requires role ${roles.join(" or ")}`);
}

/**
 * May this caller review (approve, edit, reject, veto) an action proposed by `agentId`? Only a
 * person may: roles alone are not enough, since a token's subject is free text and one credential
 * could carry both kinds of role. Refused: any agent credential (an agent role, or a subject named
 * like an agent), and above all anyone whose subject or roles are the proposing agent itself.
 */
export function assertMayReview(p: Principal, agentId: string): void {
  requireRole(p, "approver", "admin");
  const own = agentId.toLowerCase();
  if (hasRole(p, agentRole(agentId)))
    throw new ForbiddenError(
      "nobody approves their own agent's action: this credential holds the proposing agent's role",
    );
  const subjectAgent = subjectAgentId(p.subject);
  if (subjectAgent === own || p.subject.trim().toLowerCase() === own)
    throw new ForbiddenError(
      "nobody approves their own agent's action: this credential's subject is the proposing agent",
    );
  if (subjectAgent !== undefined || p.roles.some(isAgentRole))
    throw new ForbiddenError("an agent credential can only propose: reviews need a person's credential");
}

/**
 * What a new credential may say about its holder: a person's roles (approver, admin, viewer) under a
 * person's name, or agent roles; never both, and never a person's role under an agent's name.
 * Every path that creates credentials calls this (the CLI and the local token store).
 */
export function assertGrantable(subject: string, roles: readonly string[]): void {
  const human = roles.filter((r) => !isAgentRole(r));
  const agent = roles.filter(isAgentRole);
  if (roles.length === 0) throw new ValidationError([{ path: "role", message: "give at least one role" }]);
  const unknown = human.filter((r) => !(ROLES as readonly string[]).includes(r));
  if (unknown.length > 0)
    throw new ValidationError([
      {
        path: "role",
        message: `unknown role ${unknown.join(", ")}: expected ${ROLES.join(", ")} or agent:<agentId>`,
      },
    ]);
  if (human.length > 0 && agent.length > 0)
    throw new ValidationError([
      {
        path: "role",
        message: "a credential is a person's or an agent's: do not mix agent roles with human roles",
      },
    ]);
  if (human.length > 0 && subjectAgentId(subject) !== undefined)
    throw new ValidationError([
      {
        path: "subject",
        message: `"${subject}" names an agent: human roles need a person's name as subject`,
      },
    ]);
}

export const actorOf = (p: Principal) => p.subject;
