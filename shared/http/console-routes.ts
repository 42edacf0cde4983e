import * as z from "zod";
import pkg from "../../package.json" with { type: "json" };
import { NotFoundError, ValidationError } from "../domain/errors.ts";
import { parseSpec, parseSpecText, specHash } from "../domain/spec-loader.ts";
import { SpecSchema } from "../domain/spec-schema.ts";
import { parseWith } from "../domain/validation.ts";
import { parseUntrustedYaml } from "../domain/yaml.ts";
import type { ScheduledReader } from "../usecases/console.ts";
import {
  listSpecVersions,
  ScheduledQuery,
  SpecListQuery,
  scheduledDecisions,
  trustHistory,
} from "../usecases/console.ts";
import { DailyQuery, DailyReport, type DailyRowReader, dailyReport } from "../usecases/daily-report.ts";
import { validateExperiment } from "../usecases/experiments.ts";
import { PathActionType, PathId } from "../usecases/schemas.ts";
import { LedgerEventOut, PublicDecision, page, TrustView } from "./api-schemas.ts";
import type { AppDeps, Role, Route } from "./routes.ts";

/** What the console's index reads need from the store (adapters/dynamo/console-reader.ts). */
export type ConsoleReader = ScheduledReader & DailyRowReader;

const READERS: Role[] = ["viewer", "approver", "admin"];
const ok = (body: unknown, status = 200) => ({ status, body });

function reader(deps: AppDeps): ConsoleReader {
  if (!deps.consoleReads) throw new NotFoundError("console reads are not configured in this deployment");
  return deps.consoleReads;
}

const Index = z.object({
  name: z.string(),
  version: z.string(),
  links: z.record(z.string(), z.string()).describe("openapi, health and (where served) console"),
});
export const Me = z.object({ subject: z.string(), roles: z.array(z.string()) });
const TrustHistory = z
  .object({
    agentId: z.string(),
    actionType: z.string(),
    current: TrustView.nullable(),
    changes: z.array(
      LedgerEventOut.pick({ at: true, type: true, actor: true }).extend({
        from: z.number().nullable(),
        to: z.number().nullable(),
        reason: z.string(),
        evidence: z
          .record(z.string(), z.unknown())
          .optional()
          .describe("score, lowerBound, sample, per stream counts"),
      }),
    ),
    points: z.array(
      z.object({ at: z.string(), score: z.unknown(), level: z.number().nullable(), sample: z.unknown() }),
    ),
  })
  .loose();
const SpecVersionList = z.object({
  items: z.array(
    z.object({
      version: z.number().int(),
      hash: z.string(),
      publishedAt: z.string(),
      publishedBy: z.string(),
      current: z.boolean(),
    }),
  ),
  before: z.number().int().nullable().describe("pass as `before` for the next page; null on the last"),
});
const SpecValidation = z.object({ valid: z.literal(true), hash: z.string(), matchesCurrent: z.boolean() });

/**
 * The API's description and the reads the web console needs (issue 10). Spread into ROUTES before
 * `/v1/decisions/{id}`: routes match in order, and `/v1/decisions/scheduled` would be taken for an id.
 */
export const CONSOLE_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1",
    group: "health",
    roles: "public",
    doc: { summary: "The API's index: name, version, links", response: Index },
    run: async (_req, deps) =>
      ok({
        name: "agent-harness",
        version: pkg.version,
        links: {
          openapi: "/v1/openapi.json",
          health: "/v1/health",
          ...(deps.consoleUrl ? { console: deps.consoleUrl } : {}),
        },
      }),
  },
  {
    method: "GET",
    path: "/v1/openapi.json",
    group: "health",
    roles: "public",
    doc: {
      summary: "This API's OpenAPI 3.1 description",
      response: z.object({ openapi: z.string() }).loose(),
    },
    run: async () => {
      // Imported when asked: routes.ts spreads this file's routes, so a static import would be a cycle.
      const [{ ROUTES }, { apiDocument }] = await Promise.all([
        import("./routes.ts"),
        import("./openapi.ts"),
      ]);
      return ok(apiDocument(ROUTES));
    },
  },
  {
    method: "GET",
    path: "/v1/me",
    group: "health",
    // An agent's MCP server asks who it is too (which tools its credential allows).
    roles: ["agent", ...READERS],
    doc: {
      summary: "Who the credential is: subject and roles (the console shows what they allow)",
      response: Me,
    },
    run: async (req) => ok({ subject: req.principal.subject, roles: req.principal.roles }),
  },
  {
    method: "GET",
    path: "/v1/decisions/scheduled",
    group: "decisions",
    roles: READERS,
    doc: {
      summary: "Level-2 actions inside their override window, soonest to run first (veto before executeAt)",
      query: ScheduledQuery,
      response: page(PublicDecision),
    },
    run: async (req, deps) =>
      ok(await scheduledDecisions({ decisions: deps.decisions, reader: reader(deps) }, req.query)),
  },
  {
    method: "GET",
    path: "/v1/reports/daily",
    group: "decisions",
    roles: READERS,
    doc: {
      summary: "Per UTC day: proposals by verdict, collisions prevented, touches sent, replies, meetings",
      description: "Counted on the day each decision was made (at most 92 days).",
      query: DailyQuery,
      response: DailyReport,
    },
    run: async (req, deps) => ok(await dailyReport({ clock: deps.clock, reader: reader(deps) }, req.query)),
  },
  {
    method: "GET",
    path: "/v1/trust/{agentId}/{actionType}/history",
    group: "admin",
    roles: READERS,
    doc: {
      summary: "A trust cell's level changes and score points over time, with their evidence",
      params: { actionType: PathActionType },
      response: TrustHistory,
    },
    run: async (req, deps) =>
      ok(
        await trustHistory(
          deps,
          parseWith(PathId, req.params.agentId, "agentId"),
          parseWith(PathActionType, req.params.actionType, "actionType"),
        ),
      ),
  },
  {
    method: "GET",
    path: "/v1/specs",
    group: "admin",
    roles: READERS,
    doc: {
      summary: "Published spec versions, newest first",
      query: SpecListQuery,
      response: SpecVersionList,
    },
    run: async (req, deps) => ok(await listSpecVersions(deps, req.query)),
  },
  {
    method: "POST",
    path: "/v1/specs/validate",
    group: "admin",
    roles: READERS,
    accepts: ["json", "yaml"],
    readYaml: parseUntrustedYaml,
    doc: {
      summary: "Validate a spec without publishing it: 400 names each error at its path",
      body: SpecSchema,
      response: SpecValidation,
    },
    run: async (req, deps) => {
      if (req.body === undefined || req.body === null)
        throw new ValidationError([{ path: "body", message: "a spec as YAML or JSON is required" }]);
      const spec = typeof req.body === "string" ? parseSpecText(req.body) : parseSpec(req.body);
      await validateExperiment(deps.specs, spec);
      const hash = specHash(spec);
      return ok({ valid: true, hash, matchesCurrent: (await deps.specs.current())?.hash === hash });
    },
  },
];
