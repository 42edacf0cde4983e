/**
 * Matching a request to a route and authorizing its caller: what the API core needs of a route table,
 * apart from the table itself (routes.ts composes all routes; groups/ one table per function).
 */
import { type FieldIssue, ForbiddenError, UnauthorizedError, ValidationError } from "../domain/errors.ts";
import { type Principal, requireRole } from "../usecases/principal.ts";
import type { Route } from "./routes.ts";

/**
 * `/v1/decisions/{id}/approve` -> a matcher returning the path parameters. Throws a ValidationError
 * naming the parameter when a segment cannot be percent-decoded: the route is known by then, and
 * the answer (400) does not depend on who asks.
 */
export function matchRoute(
  method: string,
  path: string,
  routes: Route[],
): { route: Route; params: Record<string, string> } | { allowed: string[] } | undefined {
  const allowed: string[] = [];
  for (const route of routes) {
    const names: string[] = [];
    const pattern = new RegExp(
      `^${route.path.replace(/\{(\w+)\}/g, (_m, n: string) => {
        names.push(n);
        return "([^/]+)";
      })}$`,
    );
    const m = pattern.exec(path);
    if (!m) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    const params: Record<string, string> = {};
    const issues: FieldIssue[] = [];
    names.forEach((n, i) => {
      const raw = m[i + 1] ?? "";
      try {
        params[n] = decodeURIComponent(raw);
      } catch {
        // A stray % or an escape that is not UTF-8: the client's mistake, named, whoever calls.
        issues.push({ path: n, message: "not a valid percent-encoded path segment" });
      }
    });
    if (issues.length > 0) throw new ValidationError(issues);
    return { route, params };
  }
  return allowed.length ? { allowed } : undefined;
}

/**
 * The caller for a route. `rejected` says why a credential the request carried was refused (an
 * unknown or revoked token): it matters only on routes that need a caller, never on public ones.
 */
export function authorize(route: Route, principal: Principal | undefined, rejected?: string): Principal {
  if (route.roles === "public") return principal ?? { subject: "anonymous", roles: [] };
  if (rejected) throw new UnauthorizedError(rejected);
  if (!principal) throw new UnauthorizedError("a bearer token is required");
  const roles = route.roles;
  if (roles.includes("agent") && principal.roles.some((r) => r.startsWith("agent:"))) return principal;
  const humanRoles = roles.filter((r) => r !== "agent");
  if (humanRoles.length === 0) throw new ForbiddenError("requires an agent credential");
  requireRole(principal, ...humanRoles);
  return principal;
}
