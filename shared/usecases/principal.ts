import { ForbiddenError } from "../domain/errors.ts";

/** Who is calling: from the local token store or, in AWS, from the JWT/IAM authorizer context. */
export interface Principal {
  subject: string;
  roles: string[];
}

export const ROLES = ["approver", "admin", "viewer"] as const;

export const agentRole = (agentId: string) => `agent:${agentId}`;
export const agentIdsOf = (p: Principal) =>
  p.roles.filter((r) => r.startsWith("agent:")).map((r) => r.slice(6));
export const hasRole = (p: Principal, ...roles: string[]) => roles.some((r) => p.roles.includes(r));

export function requireRole(p: Principal, ...roles: string[]): void {
  if (!hasRole(p, ...roles)) throw new ForbiddenError(`requires role ${roles.join(" or ")}`);
}

export const actorOf = (p: Principal) => p.subject;
