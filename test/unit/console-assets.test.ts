/**
 * The web console's weight and its static serving: all JavaScript it loads (its own modules and the
 * vendored libraries) stays under 300 KB gzipped, and the server hands out console files only.
 */
import { readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { transformSync } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CONSOLE_DIR, serveConsole } from "../../shared/runtime/static.ts";

const jsFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith(".js") ? [join(dir, e.name)] : [],
  );

describe("console weight", () => {
  it("loads at most 300 KB of JavaScript, gzipped, its libraries included", () => {
    const files = jsFiles(CONSOLE_DIR);
    // The libraries are copied by npm's prepare script: without them the console has no charts.
    expect(files.map((f) => f.slice(CONSOLE_DIR.length))).toEqual(
      expect.arrayContaining(["vendor/uPlot.iife.min.js", "vendor/diff.min.js", "js/app.js"]),
    );
    const gzipped = files.reduce((n, f) => n + gzipSync(readFileSync(f), { level: 9 }).length, 0);
    expect(gzipped).toBeLessThanOrEqual(300 * 1024);
  });

  it("its own modules parse (no build step catches a syntax error before a browser would)", () => {
    const own = jsFiles(join(CONSOLE_DIR, "js"));
    expect(own.length).toBeGreaterThan(5);
    // esbuild parses each as an ES module (and builds nothing): a syntax error throws, naming the line.
    for (const file of own)
      expect(() =>
        transformSync(readFileSync(file, "utf8"), { format: "esm", sourcefile: file }),
      ).not.toThrow();
  });

  it("every script index.html names exists", () => {
    const html = readFileSync(join(CONSOLE_DIR, "index.html"), "utf8");
    const srcs = [...html.matchAll(/(?:src|href)="([^"#]+)"/g)].map((m) => m[1] as string);
    expect(srcs.length).toBeGreaterThan(3);
    for (const src of srcs) expect(() => readFileSync(join(CONSOLE_DIR, src)), src).not.toThrow();
  });
});

describe("console serving", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      if (!(await serveConsole(req, res))) res.writeHead(418).end("api");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const get = async (path: string, method = "GET") => {
    const res = await fetch(`${url}${path}`, { method });
    return {
      status: res.status,
      type: res.headers.get("content-type"),
      csp: res.headers.get("content-security-policy"),
      body: await res.text(),
    };
  };

  it("serves index.html at / with a self-only content security policy", async () => {
    const r = await get("/");
    expect(r.status).toBe(200);
    expect(r.type).toContain("text/html");
    expect(r.body).toContain('<script type="module" src="js/app.js">');
    expect(r.csp).toContain("script-src 'self'");
    expect((await get("/js/app.js")).type).toContain("text/javascript");
  });

  it("leaves /v1, other methods, unknown files and anything outside the folder to the API", async () => {
    for (const path of [
      "/v1",
      "/v1/health",
      "/nope.js",
      "/../package.json",
      "/%2e%2e/package.json",
      "/.hidden.js",
      "/index.ts",
    ])
      expect((await get(path)).status, path).toBe(418);
    expect((await get("/", "POST")).status).toBe(418);
  });
});
