/**
 * `harness agents run` (bin/commands/agents.ts): the binary once end to end against a local server,
 * as the agent of HARNESS_TOKEN; its decision is in the ledger under that agent. A deferred proposal
 * kept in --retries is re-proposed once when due. Bad input (an unknown
 * agent, no token, another agent's token, an unreachable URL, a missing event or model server) is an
 * error naming the argument, flag or variable, and nothing is written. test/e2e/remote-agent.test.ts
 * covers what the run does.
 */
import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentsRun } from "../../bin/commands/agents.ts";
import { FileRetryQueue } from "../../shared/runtime/remote-agent-retries.ts";
import { startRuntime } from "../helpers/runtime.ts";
import { jane } from "../helpers/world.ts";
import { expectStatus, type Harness, seedAccount, startHarness } from "./helpers/harness.ts";

const HARNESS = fileURLToPath(new URL("../../bin/harness.js", import.meta.url));

let h: Harness;

beforeAll(async () => {
  h = await startHarness(await startRuntime({ store: "in-process" }));
  await seedAccount(h, "globex");
  // A title no spec rule matches.
  expectStatus(
    await h.call("PUT", "/v1/people/globex-kim", h.admin, {
      ...jane,
      accountId: "globex",
      email: "kim@globex.io",
      firstName: "Kim",
      title: "Growth Alchemist",
    }),
    200,
  );
});
afterAll(async () => {
  await h?.close();
});

describe("harness agents run", () => {
  it("runs one tick out of process and prints the decisions (the binary, once)", async () => {
    const token = await h.agent("persona-classifier");
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [
          HARNESS,
          "agents",
          "run",
          "persona-classifier",
          "--url",
          h.server.url,
          "--event",
          JSON.stringify({ personId: "globex-bob", accountId: "globex" }),
          "--json",
        ],
        { env: { ...process.env, HARNESS_TOKEN: token }, timeout: 60_000 },
        (error, stdout, stderr) =>
          resolve({
            code: error ? Number(error.code ?? 1) : 0,
            stdout: String(stdout),
            stderr: String(stderr),
          }),
      ),
    );
    expect(out.code, out.stderr).toBe(0);
    const report = JSON.parse(out.stdout);
    expect(report).toMatchObject({ agentId: "persona-classifier", trigger: "event" });
    const [p] = report.proposals;
    const d = expectStatus(await h.call("GET", `/v1/decisions/${p.decisionId}`, h.viewer), 200);
    expect(d).toMatchObject({ agentId: "persona-classifier", personId: "globex-bob", verdict: p.verdict });
  });

  it("a deferred proposal kept in --retries is re-proposed once when its time has come", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "agents-run-")), "retries.json");
    // What a run left when the gate deferred Jane's classification until a moment ago.
    const proposal = {
      proposalId: "persona-classifier:classify:globex-jane",
      agentId: "persona-classifier",
      action: { type: "crm.update" },
      target: { accountId: "globex", personId: "globex-jane" },
      payload: {
        operation: "classify_contact",
        personId: "globex-jane",
        email: "jane@globex.io",
        persona: "vp",
        role: "champion",
        method: "rules",
        confidence: 0.95,
      },
      reasoning: "Jane Doe: vp → champion; title matches the spec's vp rule.",
      confidence: 0.95,
    };
    await new FileRetryQueue(file).add({ agentId: "persona-classifier", at: h.rt.clock.now() - 1, proposal });
    const token = await h.agent("persona-classifier");
    const run = () =>
      agentsRun(
        "persona-classifier",
        {
          dataDir: ".x",
          url: h.server.url,
          event: JSON.stringify({ personId: "globex-bob", accountId: "globex" }),
          retries: file,
        },
        { HARNESS_TOKEN: token },
      );
    const first = await run();
    expect(first.retried.map((p) => p.proposalId)).toEqual([
      "persona-classifier:classify:globex-jane:retry1",
    ]);
    const d = expectStatus(
      await h.call("GET", `/v1/decisions/${first.retried[0]?.decisionId}`, h.viewer),
      200,
    );
    expect(d).toMatchObject({ agentId: "persona-classifier", personId: "globex-jane" });
    // Once: the next run has nothing left to re-propose.
    expect((await run()).retried).toEqual([]);
  });

  it("bad input is an error naming the argument, flag or variable, and writes nothing", async () => {
    const url = h.server.url;
    const token = await h.agent("persona-classifier");
    const event = JSON.stringify({ personId: "globex-kim", accountId: "globex" });
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      [
        "unknown agent",
        () => agentsRun("no-such-agent", { dataDir: ".x", url }, { HARNESS_TOKEN: token }),
        /^agentId:/,
      ],
      [
        "no token",
        () => agentsRun("persona-classifier", { dataDir: ".x", url, event }, {}),
        /^HARNESS_TOKEN:/,
      ],
      [
        "another agent's token",
        async () =>
          agentsRun(
            "persona-classifier",
            { dataDir: ".x", url, event },
            { HARNESS_TOKEN: await h.agent("list-sync") },
          ),
        /^HARNESS_TOKEN: .*not agent persona-classifier's/,
      ],
      [
        "a model without its server",
        () =>
          agentsRun(
            "persona-classifier",
            { dataDir: ".x", url, event, model: "openai-compatible", modelName: "m" },
            { HARNESS_TOKEN: token },
          ),
        /^modelUrl: --model-url is required/,
      ],
      [
        "unreachable URL",
        () =>
          agentsRun(
            "persona-classifier",
            { dataDir: ".x", url: "http://127.0.0.1:1", event },
            { HARNESS_TOKEN: token },
          ),
        /^--url: cannot reach/,
      ],
      [
        "event agent without its event",
        () => agentsRun("persona-classifier", { dataDir: ".x", url }, { HARNESS_TOKEN: token }),
        /^--event: .*person\.created/,
      ],
      [
        "an input for an agent that takes none",
        () =>
          agentsRun(
            "persona-classifier",
            { dataDir: ".x", url, event, input: "{}" },
            { HARNESS_TOKEN: token },
          ),
        /^--input: persona-classifier takes no input: it runs on person\.created/,
      ],
      [
        "event not JSON",
        () => agentsRun("persona-classifier", { dataDir: ".x", url, event: "{" }, { HARNESS_TOKEN: token }),
        /^--event:/,
      ],
    ];
    for (const [what, run, message] of cases) await expect(run(), what).rejects.toThrow(message);
    const page = expectStatus(await h.call("GET", "/v1/decisions?personId=globex-kim", h.viewer), 200);
    expect(page.items).toHaveLength(0);
  });
});
