/** The knowledge group: accounts, people, signals, suppressions, agents' context and KB reads. */
import { AccountInput, PersonInput, SignalsBody, SuppressionInput } from "../../domain/kb.ts";
import { addSignals, addSuppression, putAccount, putPerson } from "../../usecases/admin.ts";
import { AGENT_KNOWLEDGE_ROUTES } from "../agent-routes.ts";
import { Accepted, AccountOut, PersonOut, SuppressionResult } from "../api-schemas.ts";
import { KB_READ_ROUTES } from "../kb-read-routes.ts";
import { MEMORY_ROUTES } from "../memory-routes.ts";
import { ok, param } from "../route-helpers.ts";
import type { Route } from "../routes.ts";
import { TOOL_ROUTES } from "../tool-routes.ts";

export const KNOWLEDGE_ROUTES: Route[] = [
  {
    method: "PUT",
    path: "/v1/accounts/{id}",
    group: "knowledge",
    roles: ["admin"],
    doc: { summary: "Create or replace an account", body: AccountInput, response: AccountOut },
    run: async (req, deps) => ok(await putAccount(deps, param(req, "id"), req.body)),
  },
  {
    method: "PUT",
    path: "/v1/people/{id}",
    group: "knowledge",
    roles: ["admin"],
    doc: { summary: "Create or replace a person", body: PersonInput, response: PersonOut },
    run: async (req, deps) => ok(await putPerson(deps, param(req, "id"), req.body)),
  },
  {
    method: "POST",
    path: "/v1/signals",
    group: "knowledge",
    roles: ["admin"],
    doc: { summary: "Add intent signals", body: SignalsBody, response: Accepted, status: 201 },
    run: async (req, deps) => ok(await addSignals(deps, req.body), 201),
  },
  {
    method: "POST",
    path: "/v1/suppressions",
    group: "knowledge",
    roles: ["admin"],
    doc: {
      summary: "Suppress a person, email, domain or account",
      body: SuppressionInput,
      response: SuppressionResult,
      status: 201,
    },
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
