/**
 * What the harness writes under its data directory is owner-only: files 0600, directories 0700
 * (issue 7: the database file and the outbox were world-readable). `harness serve` runs as a user runs
 * it, on a data directory an older version left behind (0644 files, 0755 directories, an admin token
 * that has expired); the DynamoDB directory is the database adapter's own (sealed there).
 */
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../shared/adapters/local/dynamodb-local.ts";
import { SandboxConnector } from "../../shared/adapters/local/sandbox-connector.ts";
import { hashToken, newToken } from "../../shared/adapters/local/token-store.ts";
import type { ConnectorRequest } from "../../shared/ports.ts";

const HARNESS = fileURLToPath(new URL("../../bin/harness.js", import.meta.url));

/** Every entry under `dir` with its permission bits, except the DynamoDB directory. */
function modes(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const rel = relative(dir, path);
      if (rel === "dynamodb") continue;
      const stat = lstatSync(path);
      out[rel] = stat.mode & 0o777;
      if (stat.isDirectory()) walk(path);
    }
  };
  walk(dir);
  return out;
}

/** A send as the executor asks it: only what the sandbox connector records. */
const send = (idempotencyKey: string, payload: Record<string, unknown>) =>
  ({
    idempotencyKey,
    payload,
    decision: {
      decisionId: `d-${idempotencyKey}`,
      agentId: "a",
      actionType: "email.send",
      accountId: "acme",
    },
  }) as unknown as ConnectorRequest;

let dir: string;
let serve: ChildProcess | undefined;
let url: string;
let output = "";
const legacyAdmin = newToken();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "harness-modes-"));
  chmodSync(dir, 0o755);
  // What an older version left: everything readable by everyone, an admin token created in 2025
  // (before tokens expired: it gets the default lifetime from its creation, long gone).
  const legacy = {
    tokenHash: hashToken(legacyAdmin),
    subject: "admin",
    roles: ["admin"],
    createdAt: "2025-01-01T00:00:00Z",
  };
  writeFileSync(join(dir, "tokens.json"), JSON.stringify([legacy]), { mode: 0o644 });
  writeFileSync(join(dir, "admin.token"), `${legacyAdmin}\n`, { mode: 0o644 });
  writeFileSync(join(dir, "server.json"), "{}", { mode: 0o644 });
  const outbox = {
    idempotencyKey: "k1",
    decisionId: "d1",
    agentId: "a",
    actionType: "email.send",
    accountId: "acme",
    payload: { to: "jane@acme.io" },
    at: "2025-01-01T00:00:00Z",
    externalId: "outbox:k1",
  };
  writeFileSync(join(dir, "outbox.ndjson"), `${JSON.stringify(outbox)}\n`, { mode: 0o644 });
  mkdirSync(join(dir, "archive", "dt=2025-01-01"), { recursive: true, mode: 0o755 });
  writeFileSync(join(dir, "archive", "dt=2025-01-01", "events.json"), "[]", { mode: 0o644 });
  for (const d of [join(dir, "archive"), join(dir, "archive", "dt=2025-01-01")]) chmodSync(d, 0o755);

  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  serve = spawn(process.execPath, [HARNESS, "serve", "--data-dir", dir, "--port", String(port)], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes("listening on")) resolve();
    };
    serve?.stdout?.on("data", onData);
    serve?.stderr?.on("data", (d: Buffer) => {
      output += d.toString();
    });
    serve?.once("exit", (code) => reject(new Error(`harness serve exited (${code}):\n${output}`)));
  });
}, 180_000);

afterAll(async () => {
  if (serve && serve.exitCode === null) {
    const exited = new Promise((r) => serve?.once("exit", r));
    serve.kill("SIGTERM");
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("harness serve on a data directory left by an older version", () => {
  it("leaves every file 0600 and every directory 0700", () => {
    const found = modes(dir);
    for (const name of [
      "tokens.json",
      "admin.token",
      "server.json",
      "outbox.ndjson",
      "archive/dt=2025-01-01/events.json",
    ])
      expect(found[name], name).toBe(0o600);
    for (const [name, mode] of Object.entries(found)) {
      const isDir = lstatSync(join(dir, name)).isDirectory();
      expect(mode.toString(8), name).toBe(isDir ? "700" : "600");
    }
    expect(lstatSync(dir).mode & 0o777).toBe(0o700);
  });

  it("replaced the expired admin token with one the server accepts", async () => {
    const admin = readFileSync(join(dir, "admin.token"), "utf8").trim();
    expect(admin).not.toBe(legacyAdmin);
    const call = (token: string) =>
      fetch(`${url}/v1/pauses`, { headers: { authorization: `Bearer ${token}` } });
    expect((await call(admin)).status).toBe(200);
    const old = await call(legacyAdmin);
    expect(old.status).toBe(401);
    expect(await old.json()).toMatchObject({ message: "token expired" });
  });

  it("appends to the outbox without loosening it", async () => {
    // The connector `serve` uses, on the same outbox (read back, tightened, appended to).
    const sandbox = new SandboxConnector(join(dir, "outbox.ndjson"), () => Date.now());
    await sandbox.execute(send("k2", { to: "bob@acme.io" }));
    expect(readFileSync(join(dir, "outbox.ndjson"), "utf8").split("\n").filter(Boolean)).toHaveLength(2);
    expect(lstatSync(join(dir, "outbox.ndjson")).mode & 0o777).toBe(0o600);
  });
});

describe("files created fresh", () => {
  it("are 0600 even under a permissive umask, because the mode is given at creation", async () => {
    const fresh = mkdtempSync(join(tmpdir(), "harness-fresh-"));
    const before = process.umask(0);
    try {
      const outbox = join(fresh, "data", "outbox.ndjson");
      const sandbox = new SandboxConnector(outbox, () => Date.now());
      await sandbox.execute(send("k1", {}));
      expect(lstatSync(outbox).mode & 0o777).toBe(0o600);
      expect(lstatSync(join(fresh, "data")).mode & 0o777).toBe(0o700);
    } finally {
      process.umask(before);
      rmSync(fresh, { recursive: true, force: true });
    }
  });
});
