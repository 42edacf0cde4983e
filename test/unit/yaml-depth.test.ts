import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../shared/domain/errors.ts";
import { parseSpecText } from "../../shared/domain/spec-text.ts";
import { MAX_YAML_DEPTH, yamlDepth } from "../../shared/domain/yaml.ts";
import { createApi } from "../../shared/http/api.ts";
import { type AppDeps, ROUTES } from "../../shared/http/routes.ts";
import { defaultSpecText } from "../../shared/runtime/local.ts";

/** 2 KB each: what the fuzz of every route sent to the spec route and, as YAML, to /v1/health. */
const DEEP = {
  "flow sequences": `${"[".repeat(1000)}${"]".repeat(1000)}`,
  "flow maps": `${"{a: ".repeat(1000)}1${"}".repeat(1000)}`,
  "block sequences": `${"- ".repeat(1000)}x`,
};

describe("YAML nesting is bounded before the YAML library composes it", () => {
  it("measures nesting without recursion, however deep", () => {
    expect(yamlDepth(defaultSpecText())).toBeLessThanOrEqual(6);
    expect(yamlDepth("a: [1, {b: [2, {c: [3]}]}]")).toBe(6);
    expect(yamlDepth(`${"[".repeat(100_000)}${"]".repeat(100_000)}`)).toBe(100_000);
  });

  it.each(Object.entries(DEEP))(
    "refuses a spec of %s nested 1,000 deep with a 400 that says so",
    (_kind, text) => {
      const err = (() => {
        try {
          parseSpecText(text);
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).issues[0]?.message).toMatch(
        new RegExp(`nested deeper than ${MAX_YAML_DEPTH} levels`),
      );
    },
  );

  it("keeps the process alive: the second deep document used to abort Node (fatal OOM in V8's RegExp compiler)", () => {
    // In a fresh process, as after a restart of `harness serve`: the first deep document overflows the
    // stack inside the composer, the second one aborted the process.
    const loader = fileURLToPath(new URL("../../shared/domain/spec-loader.ts", import.meta.url));
    const script = `
      const { parseSpecText } = await import(${JSON.stringify(loader)});
      for (let i = 0; i < 3; i++) {
        try { parseSpecText("[".repeat(1000) + "]".repeat(1000)); } catch {}
        try { parseSpecText("- ".repeat(1000) + "x"); } catch {}
      }
      console.log("alive");`;
    const child = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], {
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(child.stdout.trim(), child.stderr.slice(0, 500)).toBe("alive");
    expect(child.status).toBe(0);
  });

  it("answers 400 to a deeply nested YAML body on the route that reads YAML, before it runs; elsewhere YAML is not read at all", async () => {
    const api = createApi({ clock: { now: () => 0 } } as unknown as AppDeps, {
      routes: ROUTES,
      log: () => {},
    });
    const event = (method: string, path: string, authorizer?: unknown) =>
      ({
        version: "2.0",
        routeKey: "$default",
        rawPath: path,
        rawQueryString: "",
        headers: { "content-type": "text/yaml" },
        requestContext: { http: { method, path }, requestId: "t", ...(authorizer ? { authorizer } : {}) },
        body: DEEP["flow sequences"],
        isBase64Encoded: false,
      }) as unknown as APIGatewayProxyEventV2;
    const admin = { lambda: { subject: "root", roles: ["admin"] } };
    const res = await api(event("POST", "/v1/specs", admin));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(res.body).message).toMatch(new RegExp(`nested deeper than ${MAX_YAML_DEPTH} levels`));
    // Only the spec route documents YAML: on /v1/health (where the fuzz sent it) it is a 415 unread.
    expect((await api(event("GET", "/v1/health"))).statusCode).toBe(415);
  });
});
