/**
 * `harness start --model openai-compatible` as a user runs it (the binary, its flags, the key in
 * HARNESS_MODEL_KEY) against a local fake of chat completions: the built-in agents' drafts come from
 * that server, and the ledger's decisions name the model in their payload. The run is a small market
 * at high speed, stopped as soon as the first such decision is read through the API; most of its time
 * is DynamoDB Local's JVM starting in the child.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../shared/adapters/local/dynamodb-local.ts";
import { harnessClient } from "../../shared/client/client.ts";
import { type FakeModelServer, startFakeOpenAI } from "../helpers/fake-model-servers.ts";

const HARNESS = fileURLToPath(new URL("../../bin/harness.js", import.meta.url));
const KEY = "sk-e2e-never-print-me-42";

let fake: FakeModelServer;
let dir: string;
let child: ChildProcess | undefined;
let output = "";

beforeAll(async () => {
  fake = await startFakeOpenAI();
  dir = mkdtempSync(join(tmpdir(), "harness-start-model-"));
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((r) => child?.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  }
  await fake.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("harness start --model openai-compatible", () => {
  it("a missing --model-url is refused before anything starts, naming the flag", async () => {
    const res = await new Promise<{ code: number; err: string }>((resolve) =>
      execFile(
        process.execPath,
        [
          HARNESS,
          "start",
          "--data-dir",
          join(dir, "refused"),
          "--model",
          "openai-compatible",
          "--model-name",
          "x",
        ],
        { timeout: 60_000 },
        (error, _out, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, err: String(stderr) }),
      ),
    );
    expect(res.code).not.toBe(0);
    expect(res.err).toMatch(/--model-url is required/);
  });

  it("drafts through the configured server; the decisions' payload names the model", async () => {
    const port = await freePort();
    child = spawn(
      process.execPath,
      [
        HARNESS,
        "start",
        ...["--data-dir", join(dir, "data"), "--port", String(port)],
        ...["--accounts", "12", "--days", "3", "--approver", "simulated", "--speed", "20000"],
        ...["--model", "openai-compatible", "--model-url", fake.url, "--model-name", "fake-llm"],
      ],
      { env: { ...process.env, HARNESS_MODEL_KEY: KEY }, stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout?.on("data", (c) => {
      output += c;
    });
    child.stderr?.on("data", (c) => {
      output += c;
    });
    const deadline = Date.now() + 240_000;
    const drafted = () => fake.requests.some((r) => /You write short/.test(r.body?.messages?.[0]?.content));
    while (!drafted()) {
      if (child.exitCode !== null) throw new Error(`harness start exited:\n${output.slice(-3000)}`);
      if (Date.now() > deadline) throw new Error(`no draft request in time:\n${output.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(output).toContain("Model          openai-compatible:fake-llm");
    expect(fake.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(fake.requests[0]?.body.model).toBe("fake-llm");

    const api = harnessClient({
      baseUrl: `http://127.0.0.1:${port}`,
      token: readFileSync(join(dir, "data", "admin.token"), "utf8").trim(),
    });
    let payloads: Record<string, unknown>[] = [];
    while (payloads.length === 0) {
      if (Date.now() > deadline) throw new Error(`no writer decision in time:\n${output.slice(-3000)}`);
      const page = await api.listDecisions({ query: { agentId: "outreach-writer", limit: 100 } });
      payloads = page.items
        .filter((d) => d.actionType === "email.send" || d.actionType === "linkedin.message")
        .map((d) => d.payload as Record<string, unknown>);
      if (payloads.length === 0) await new Promise((r) => setTimeout(r, 500));
    }
    for (const p of payloads) {
      expect(p.model).toBe("openai-compatible:fake-llm");
      expect(p.body).toBe("Hi, a short note written by the fake model.");
    }
    expect(output).not.toContain(KEY);
  }, 300_000);
});
