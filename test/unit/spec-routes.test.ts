import { describe, expect, it } from "vitest";
import { matchRoute } from "../../shared/http/routes.ts";

const pathOf = (method: string, path: string) => {
  const m = matchRoute(method, path);
  return m && "route" in m ? { path: m.route.path, params: m.params } : undefined;
};

describe("steering routes match before /v1/specs/{version}", () => {
  it("drafts, flips and versions each reach their own route", () => {
    expect(pathOf("GET", "/v1/specs/drafts")).toEqual({ path: "/v1/specs/drafts", params: {} });
    expect(pathOf("GET", "/v1/specs/drafts/dr_1")).toEqual({
      path: "/v1/specs/drafts/{id}",
      params: { id: "dr_1" },
    });
    expect(pathOf("POST", "/v1/specs/drafts/dr_1/confirm")?.path).toBe("/v1/specs/drafts/{id}/confirm");
    expect(pathOf("POST", "/v1/specs/drafts/dr_1/discard")?.path).toBe("/v1/specs/drafts/{id}/discard");
    expect(pathOf("GET", "/v1/specs/3/flips")).toEqual({
      path: "/v1/specs/{version}/flips",
      params: { version: "3" },
    });
    expect(pathOf("GET", "/v1/specs/3")).toEqual({ path: "/v1/specs/{version}", params: { version: "3" } });
    expect(pathOf("GET", "/v1/specs/current")?.path).toBe("/v1/specs/current");
    expect(pathOf("POST", "/v1/decisions/d_1/corrections")?.path).toBe("/v1/decisions/{id}/corrections");
  });

  it("a method a steering path does not serve is a 405 naming the ones it does", () => {
    const allowed = (method: string, path: string) => {
      const m = matchRoute(method, path);
      return m && "allowed" in m ? [...new Set(m.allowed)] : m;
    };
    expect(allowed("DELETE", "/v1/specs/drafts")).toEqual(["GET"]);
    expect(allowed("GET", "/v1/specs/drafts/dr_1/confirm")).toEqual(["POST"]);
  });
});
