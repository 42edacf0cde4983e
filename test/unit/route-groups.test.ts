/**
 * One route table per API group (shared/http/groups/): each Lambda serves its group's table, the
 * local server all of ROUTES. The tables must hold exactly the routes ROUTES gives the group, in
 * ROUTES' order (first match wins), or a route would be deployed to a function that cannot serve it.
 */
import { describe, expect, it } from "vitest";
import { ADMIN_TABLE } from "../../shared/http/groups/admin.ts";
import { DECISIONS_TABLE } from "../../shared/http/groups/decisions.ts";
import { ERASURE_TABLE } from "../../shared/http/groups/erasure.ts";
import { HEALTH_TABLE } from "../../shared/http/groups/health.ts";
import { KNOWLEDGE_TABLE } from "../../shared/http/groups/knowledge.ts";
import { PROPOSALS_TABLE } from "../../shared/http/groups/proposals.ts";
import { REPLAY_TABLE } from "../../shared/http/groups/replay.ts";
import { REVIEWS_TABLE } from "../../shared/http/groups/reviews.ts";
import { SPECS_TABLE } from "../../shared/http/groups/specs.ts";
import { matchRoute } from "../../shared/http/route-match.ts";
import { ROUTES, type Route } from "../../shared/http/routes.ts";

const TABLES: Record<Route["group"], Route[]> = {
  health: HEALTH_TABLE,
  proposals: PROPOSALS_TABLE,
  decisions: DECISIONS_TABLE,
  replay: REPLAY_TABLE,
  reviews: REVIEWS_TABLE,
  admin: ADMIN_TABLE,
  specs: SPECS_TABLE,
  knowledge: KNOWLEDGE_TABLE,
  erasure: ERASURE_TABLE,
};
const label = (r: Route) => `${r.method} ${r.path}`;

describe("route tables per group", () => {
  it.each(Object.entries(TABLES))("%s: exactly ROUTES' routes of the group, in order", (group, table) => {
    expect(table.map(label)).toEqual(ROUTES.filter((r) => r.group === group).map(label));
    // The same route objects, not copies that could drift.
    expect(table).toEqual(ROUTES.filter((r) => r.group === group));
    const own = ROUTES.filter((r) => r.group === group);
    for (const [i, r] of table.entries()) expect(r).toBe(own[i]);
  });

  it("a route that accepts YAML carries its reader (the API core has none of its own)", () => {
    const yamlRoutes = ROUTES.filter((r) => r.accepts?.includes("yaml"));
    expect(yamlRoutes.map(label)).toContain("POST /v1/specs");
    for (const r of yamlRoutes) expect(r.readYaml, label(r)).toBeTypeOf("function");
  });

  it("every route is in exactly one group's table", () => {
    const all = Object.values(TABLES).flat();
    expect(all).toHaveLength(ROUTES.length);
    expect(new Set(all)).toEqual(new Set(ROUTES));
  });

  it("a group's table matches what ROUTES matches for the group's paths, and nothing of other groups", () => {
    for (const [group, table] of Object.entries(TABLES))
      for (const route of ROUTES) {
        const path = route.path.replace(/\{(\w+)\}/g, "x1");
        const inTable = matchRoute(route.method, path, table);
        const inAll = matchRoute(route.method, path, ROUTES);
        if (inAll && "route" in inAll && inAll.route.group === group)
          expect(inTable && "route" in inTable ? inTable.route : undefined, label(route)).toBe(inAll.route);
        else if (inTable && "route" in inTable) expect(inTable.route.group).toBe(group);
      }
  });
});
