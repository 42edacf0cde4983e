/**
 * A bad request as a printable recipe (FuzzCase), the categories of bad requests, and how each case is
 * built from the route's valid example (helpers/examples.ts), breaking exactly one thing.
 */
import fc from "fast-check";
import { ROUTES, type Route } from "../../../shared/http/routes.ts";
import type { Example } from "./examples.ts";
import type { Json, Repeat } from "./json.ts";
import { WRITER } from "./world.ts";

/**
 * Finer than "bodies" or "headers" on purpose: fast-check stops a property at its first failure, so
 * a finding in one family must not hide what the others would find.
 */
export const CATEGORIES = [
  "method",
  "auth",
  "path",
  "query",
  "limits",
  "schema",
  "prototype-keys",
  "garbage",
  "content-type",
  "encoding",
  "header-size",
  "stray-body",
] as const;
export type Category = (typeof CATEGORIES)[number];

export type RawText = string | Repeat;

/** A request recipe: small enough to print when fast-check reports a counterexample. */
export interface FuzzCase {
  /** What is wrong with the request. */
  what: string;
  method: string;
  /** Sent byte for byte. */
  path: string;
  /** `none`, `token:<name>`, `variant:<kind>:<name>` or `header:<raw value>` (see resolveAuth). */
  auth: string;
  contentType?: string;
  body?: { json: Json } | { yaml: Json } | { raw: RawText[] } | { bytes: number[] };
  chunked?: boolean;
  /** Size of an extra header, to exceed the server's header limit. */
  bigHeader?: number;
}

export const HUMAN_ROLES = ["admin", "approver", "viewer"] as const;
export const METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"];
export const ID_CHARS = "abcxyzABCXYZ0189._:@-".split("");
export const ID = /^[A-Za-z0-9._:@-]+$/;

const templateRe = (template: string) => new RegExp(`^${template.replace(/\{\w+\}/g, "[^/]+")}$`);

/** The methods some route serves on this concrete path. */
export const methodsServed = (path: string) =>
  new Set<string>(ROUTES.filter((r) => templateRe(r.path).test(path)).map((r) => r.method));

export const paramNames = (route: Route) => [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);

export const hasBody = (route: Route) => route.method === "POST" || route.method === "PUT";

/** The categories that make sense for a route; the schema family needs a valid example body. */
export function categoriesFor(route: Route, example: Example | undefined): Category[] {
  return CATEGORIES.filter((c) => {
    if (c === "auth") return route.roles !== "public";
    if (c === "path") return paramNames(route).length > 0;
    if (c === "query") return Object.keys(example?.query ?? {}).length > 0;
    if (c === "schema") return hasBody(route) && example?.body !== undefined;
    if (c === "prototype-keys")
      return hasBody(route) ? example?.body !== undefined : Object.keys(example?.query ?? {}).length > 0;
    if (c === "limits" || c === "garbage" || c === "content-type" || c === "encoding") return hasBody(route);
    if (c === "stray-body") return !hasBody(route);
    return true;
  });
}

export interface RouteContext {
  route: Route;
  example: Example | undefined;
  /** Ids that exist in the world: a "forged" id must not be one of them. */
  knownIds: string[];
}

export const pathOf = (route: Route, params: Record<string, string>) =>
  route.path.replace(/\{(\w+)\}/g, (_m, n: string) => params[n] ?? "fuzz-x");

export const queryOf = (q: Record<string, string>) => {
  const s = Object.entries(q)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join("&");
  return s ? `?${s}` : "";
};

/** The agent a route's example acts as, if it proposes. */
export const exampleAgent = (ex: Example | undefined) =>
  ((ex?.body as { agentId?: string } | undefined)?.agentId as string | undefined) ?? WRITER;

/** Auth labels of the credentials this route accepts. */
export function allowedAuth(route: Route, ex: Example | undefined): string[] {
  if (route.roles === "public") return ["none"];
  const out: string[] = [];
  if (route.roles.includes("agent")) out.push(`token:agent:${exampleAgent(ex)}`);
  for (const r of HUMAN_ROLES) if (route.roles.includes(r)) out.push(`token:${r}`);
  return out;
}

/** The valid request a case starts from. */
export function base(ctx: RouteContext) {
  const { route, example: ex } = ctx;
  const params = Object.fromEntries(
    paramNames(route).map((n) => [n, encodeURIComponent(ex?.params[n] ?? "fuzz-x")]),
  );
  const body: Json | undefined = hasBody(route) ? ((ex?.body as Json | undefined) ?? {}) : undefined;
  return { params, query: ex?.query ?? {}, body, allowed: fc.constantFrom(...allowedAuth(route, ex)) };
}

export const jsonBody = (body: Json | undefined) => (body === undefined ? {} : { body: { json: body } });

export function request(
  ctx: RouteContext,
  what: string,
  over: Partial<FuzzCase> & { params?: Record<string, string>; query?: string },
  auth: string,
): FuzzCase {
  const b = base(ctx);
  const { params, query, ...rest } = over;
  const c: FuzzCase = {
    what,
    method: ctx.route.method,
    path: `${pathOf(ctx.route, { ...b.params, ...params })}${query ?? queryOf(b.query)}`,
    auth,
    ...jsonBody(b.body),
    ...(b.body !== undefined ? { contentType: "application/json" } : {}),
    ...rest,
  };
  return c;
}
