/**
 * The OpenAPI 3.1 description of the API, generated from the route table: each route's doc
 * (route-docs.ts) names the zod schemas the route parses with (path, query, body) and the schema of
 * what it answers (api-schemas.ts). Nothing here is written by hand but summaries, so the document cannot drift from
 * the validation the routes run. OpenAPI 3.1 schemas are JSON Schema 2020-12, which zod emits directly.
 */
import * as z from "zod";
import pkg from "../../package.json" with { type: "json" };
import {
  CheckResult,
  ErrorBody,
  LedgerEventOut,
  PauseOut,
  PublicDecision,
  SpecVersionOut,
  TrustView,
} from "./api-schemas.ts";
import { docOf } from "./route-docs.ts";
import type { Route } from "./routes.ts";

/** What a route documents about itself: its purpose and the schemas of its inputs and its answer. */
export interface RouteDoc {
  summary: string;
  description?: string;
  /** Schemas of path parameters; a parameter not named here is an id (schemas.ts PathId). */
  params?: Record<string, z.core.$ZodType>;
  /** The query string, as one object schema (its properties become query parameters). */
  query?: z.core.$ZodType;
  /** Request headers the route reads, each optional (e.g. Idempotency-Key). */
  headers?: Record<string, z.core.$ZodType>;
  body?: z.core.$ZodType;
  /** The body may be left out (a review note, an empty run input). @default false */
  bodyOptional?: boolean;
  response: z.core.$ZodType;
  /** Success status(es). @default 200 */
  status?: number | readonly number[];
}

type Json = Record<string, unknown>;

/** Named response schemas: emitted once under components.schemas and referenced. */
const NAMED: [string, z.core.$ZodType][] = [
  ["Error", ErrorBody],
  ["Decision", PublicDecision],
  ["Check", CheckResult],
  ["LedgerEvent", LedgerEventOut],
  ["Trust", TrustView],
  ["SpecVersion", SpecVersionOut],
  ["Pause", PauseOut],
];
const registry = z.registry<{ id: string }>();
for (const [id, schema] of NAMED) registry.add(schema, { id });
const NAMED_IDS = new Set(NAMED.map(([id]) => id));

/** The shared error answers (respond.ts errorResponse), by status. */
const ERRORS: Record<number, [name: string, description: string]> = {
  400: ["BadRequest", "Invalid input: `issues` names each field at its path; nothing was written"],
  401: ["Unauthorized", "No credential, or one that is unknown, expired or revoked"],
  403: ["Forbidden", "The caller's roles do not include one the route requires (x-roles)"],
  404: ["NotFound", "No such resource, or the feature is not configured in this deployment"],
  409: ["Conflict", "The resource changed meanwhile (a review on a decision already reviewed, a race)"],
  413: ["TooLarge", "The body is larger than 256 KiB or breaks the JSON limits"],
  415: ["UnsupportedMediaType", "The body's content-type is not one the route reads (`accepted`)"],
  429: ["RateLimited", "Too many requests for this credential: retry after `retryAfter` seconds"],
  503: ["Unavailable", "A dependency is briefly unavailable: retry"],
};

function errorStatuses(route: Route): number[] {
  const statuses = [400, 404];
  if (route.roles !== "public") statuses.push(401, 403, 429, 503);
  if (route.method !== "GET") statuses.push(409);
  if (docOf(route)?.body) statuses.push(413, 415);
  return statuses.sort((a, b) => a - b);
}

interface Converted {
  schema: Json;
  defs: Record<string, Json>;
}

/**
 * A zod schema as an OpenAPI 3.1 schema. Named schemas become `#/components/schemas/<id>` references;
 * other definitions zod extracts (cycles) are renamed per operation so two operations cannot clash.
 */
function convert(schema: z.core.$ZodType, io: "input" | "output", prefix: string): Converted {
  const raw = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    metadata: registry,
    // Refinements and transforms cannot be written in JSON Schema: their input side is documented.
    unrepresentable: "any",
  }) as Json;
  const { $schema: _s, $defs, ...rest } = raw;
  const defs: Record<string, Json> = {};
  const rename = new Map<string, string>();
  for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, Json>)) {
    const name = NAMED_IDS.has(id) ? id : `${prefix}_${id}`;
    rename.set(id, name);
    defs[name] = def;
  }
  const fix = (v: Json): Json =>
    JSON.parse(
      JSON.stringify(v).replace(
        /"#\/\$defs\/([^"]+)"/g,
        (_m, id: string) => `"#/components/schemas/${rename.get(id) ?? id}"`,
      ),
    );
  for (const [name, def] of Object.entries(defs)) defs[name] = fix(def);
  return { schema: fix(rest), defs };
}

const pathNames = (path: string) => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);

export const operationId = (route: Route) =>
  `${route.method.toLowerCase()}${route.path
    .replace(/^\/v1/, "")
    .split("/")
    .filter(Boolean)
    .map((s) => s.replace(/[{}]/g, ""))
    .map((s) => s.replace(/(^|[-_.])(\w)/g, (_m, _p, c: string) => c.toUpperCase()))
    .join("")}`;

/** The document for a route table. Throws when a route has no doc (route-docs.ts: every route must be described). */
export function openApiDocument(routes: readonly Route[], options: { strict?: boolean } = {}): Json {
  // The error shape is referenced by every operation's error responses.
  const components: Record<string, Json> = { ...convert(ErrorBody, "output", "Error").defs };
  const paths: Record<string, Record<string, Json>> = {};
  const idOf = (ps: string) =>
    z
      .string()
      .min(1)
      .max(128)
      .regex(/^[A-Za-z0-9._:@-]+$/)
      .describe(ps);
  for (const route of routes) {
    // Strict by default: the served file (bin/openapi-document.ts) and CI fail on a route without doc.
    const described = docOf(route);
    if (!described && (options.strict ?? true))
      throw new Error(`${route.method} ${route.path} has no doc (shared/http/route-docs.ts)`);
    const doc: RouteDoc = described ?? { summary: "(not yet described)", response: z.unknown() };
    const opId = operationId(route);
    const take = (c: Converted) => {
      Object.assign(components, c.defs);
      return c.schema;
    };
    const parameters: Json[] = pathNames(route.path).map((name) => ({
      name,
      in: "path",
      required: true,
      schema: take(convert(doc.params?.[name] ?? idOf(name), "input", opId)),
    }));
    if (doc.query) {
      const q = take(convert(doc.query, "input", opId));
      const required = new Set((q.required as string[] | undefined) ?? []);
      for (const [name, schema] of Object.entries((q.properties ?? {}) as Record<string, Json>)) {
        const { description, ...rest } = schema;
        parameters.push({
          name,
          in: "query",
          required: required.has(name) && rest.default === undefined,
          ...(typeof description === "string" ? { description } : {}),
          schema: rest,
        });
      }
    }
    for (const [name, schema] of Object.entries(doc.headers ?? {})) {
      const { description, ...rest } = take(convert(schema, "input", opId));
      parameters.push({
        name,
        in: "header",
        required: false,
        ...(typeof description === "string" ? { description } : {}),
        schema: rest,
      });
    }
    const responses: Record<string, Json> = {};
    const success = take(convert(doc.response, "output", opId));
    for (const status of [doc.status ?? 200].flat())
      responses[String(status)] = {
        description: status === 201 ? "Created" : status === 202 ? "Accepted" : "OK",
        content: { "application/json": { schema: success } },
      };
    for (const status of errorStatuses(route))
      responses[String(status)] = { $ref: `#/components/responses/${ERRORS[status]?.[0]}` };
    const op: Json = {
      operationId: opId,
      summary: doc.summary,
      ...(doc.description ? { description: doc.description } : {}),
      tags: [route.path.split("/")[2] ?? "v1"],
      "x-roles": route.roles,
      "x-group": route.group,
      security: route.roles === "public" ? [] : [{ bearer: [] }],
      ...(parameters.length ? { parameters } : {}),
      responses,
    };
    if (doc.body) {
      const schema = take(convert(doc.body, "input", opId));
      const types = route.accepts ?? ["json"];
      op.requestBody = {
        required: !doc.bodyOptional,
        content: Object.fromEntries(
          types.map((t) => [t === "yaml" ? "application/yaml" : "application/json", { schema }]),
        ),
      };
    }
    const byMethod = paths[route.path] ?? {};
    byMethod[route.method.toLowerCase()] = op;
    paths[route.path] = byMethod;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Agent Harness API",
      version: pkg.version,
      description:
        "The gate every GTM agent action passes through. Roles per operation are in `x-roles` (`public`: no credential). Errors share one shape (Error).",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    paths,
    components: {
      schemas: components,
      responses: Object.fromEntries(
        Object.values(ERRORS).map(([name, description]) => [
          name,
          {
            description,
            content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
          },
        ]),
      ),
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description:
            "Locally a harness token (`harness token create`); in AWS a Cognito JWT whose groups are the roles, and SigV4 (IAM) for agent-only routes.",
        },
      },
    },
  };
}
