/** The knowledge group: accounts, people, signals, suppressions, agents' context and KB reads. */
import { AccountPut, PersonInput, SignalsBody, SuppressionInput } from "../../domain/kb.ts";
import { addSignals, addSuppression, putAccount, putPerson } from "../../usecases/admin.ts";
import { AGENT_KNOWLEDGE_ROUTES } from "../agent-routes.ts";
import { Accepted, AccountOut, PersonOut, SuppressionResult } from "../api-schemas.ts";
import { KB_READ_ROUTES } from "../kb-read-routes.ts";
import { MEMORY_ROUTES } from "../memory-routes.ts";
import { ok, param } from "../route-helpers.ts";
import type { Route, RouteDocs } from "../routes.ts";
import { TOOL_ROUTES } from "../tool-routes.ts";

export const KNOWLEDGE_ROUTES: Route[] = [
  {
    method: "PUT",
    path: "/v1/accounts/{id}",
    group: "knowledge",
    roles: ["admin"],
    run: async (req, deps) => ok(await putAccount(deps, param(req, "id"), req.body)),
  },
  {
    method: "PUT",
    path: "/v1/people/{id}",
    group: "knowledge",
    roles: ["admin"],
    run: async (req, deps) => ok(await putPerson(deps, param(req, "id"), req.body)),
  },
  {
    method: "POST",
    path: "/v1/signals",
    group: "knowledge",
    roles: ["admin"],
    run: async (req, deps) => ok(await addSignals(deps, req.body), 201),
  },
  {
    method: "POST",
    path: "/v1/suppressions",
    group: "knowledge",
    roles: ["admin"],
    run: async (req, deps) => ok(await addSuppression(deps, req.body), 201),
  },
];

/** The knowledge group's function serves these, in the order of ROUTES (first match wins). */
export const KNOWLEDGE_TABLE: Route[] = [
  ...KNOWLEDGE_ROUTES,
  ...AGENT_KNOWLEDGE_ROUTES,
  ...TOOL_ROUTES,
  ...MEMORY_ROUTES,
  ...KB_READ_ROUTES,
];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const knowledgeGroupDocs = (): RouteDocs => ({
  "PUT /v1/accounts/{id}": {
    summary: "Create or replace an account",
    body: AccountPut,
    response: AccountOut,
  },
  "PUT /v1/people/{id}": { summary: "Create or replace a person", body: PersonInput, response: PersonOut },
  "POST /v1/signals": { summary: "Add intent signals", body: SignalsBody, response: Accepted, status: 201 },
  "POST /v1/suppressions": {
    summary: "Suppress a person, email, domain or account",
    body: SuppressionInput,
    response: SuppressionResult,
    status: 201,
  },
});
