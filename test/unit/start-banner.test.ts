/**
 * `npm start` for a person (issue 10, deliverable 4): the server answers from the first second (503
 * "starting" with what it is doing, which `harness wait` prints; a self-reloading page where the
 * console will be), then hands requests to the real server; and every command the banner prints is a
 * command the CLI has, its curl a route that answers 200 to the admin token (no 400 for a missing filter).
 */
import { execFile } from "node:child_process";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { matchRoute } from "../../shared/http/routes.ts";
import { pageQuery } from "../../shared/usecases/schemas.ts";
import { banner } from "../../sim/start.ts";
import { startingServer } from "../../sim/start-server.ts";

const HARNESS = fileURLToPath(new URL("../../bin/harness.js", import.meta.url));
const text = banner({
  url: "http://127.0.0.1:8787",
  dataDir: ".harness",
  accounts: 300,
  seed: 1,
  approver: "human",
  speed: 30,
  days: 30,
});

let close: (() => void) | undefined;
afterEach(() => close?.());

describe("npm start's banner and its first seconds", () => {
  it("names the console URL and how to sign in", () => {
    expect(text).toMatch(/Console\s+http:\/\/127\.0\.0\.1:8787\/\n/);
    expect(text).toMatch(/Sign in\s+paste the admin token: print it with\s+cat \.harness\/admin\.token/);
    expect(text).toMatch(/a 30-minute|a day every 48 min/);
  });

  it("prints only commands the CLI has, and a curl the API answers without a filter error", async () => {
    const commands = [...text.matchAll(/npm run harness -- (\S+)/g)].map((m) => m[1] as string);
    expect(commands).toEqual(
      expect.arrayContaining(["wait", "approvals", "scheduled", "trust", "outbox", "explain"]),
    );
    const help = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [HARNESS, "--help"], (err, out) => (err ? reject(err) : resolve(out))),
    );
    const known = [...help.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]);
    for (const c of commands) expect(known, c).toContain(c);
    const curl = /curl .*"http:\/\/127\.0\.0\.1:8787(\/v1\/[^"?]+)\?([^"]*)"/.exec(text);
    expect(curl).not.toBeNull();
    const [, path, query] = curl as RegExpExecArray;
    const match = matchRoute("GET", path as string);
    const route = match && "route" in match ? match.route : undefined;
    expect(route?.path).toBe("/v1/approvals");
    expect(route?.roles).toContain("admin");
    expect(pageQuery(50).safeParse(Object.fromEntries(new URLSearchParams(query))).success).toBe(true);
  });

  it("answers 503 'starting' with what it is doing, then hands requests to the real server", async () => {
    const s = startingServer();
    await new Promise<void>((r) => s.server.listen(0, "127.0.0.1", r));
    close = () => s.server.close();
    const url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    s.step("starting DynamoDB Local (40 s)");
    const health = await fetch(`${url}/v1/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({
      status: "starting",
      message: "starting DynamoDB Local (40 s)",
    });
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(503);
    const html = await page.text();
    expect(html).toContain('<meta http-equiv="refresh" content="3">');
    expect(html).toContain("starting DynamoDB Local (40 s)");
    s.ready((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}'));
    const ready = await fetch(`${url}/v1/health`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ok" });
  });
});
