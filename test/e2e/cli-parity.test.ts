/**
 * CLI parity (issue 10, deliverable 5): the `harness` CLI against a started server: wait, --version,
 * trust pin/unpin, scheduled + veto, pause/resume, decisions list/show, spec publish/diff, explain,
 * approvals --json. The binary itself is spawned for --version, wait and approvals; the other commands
 * run in this process through the same command modules bin/cli.ts registers (a spawn costs seconds on
 * a loaded machine). Each command's effect is checked through the API, not only through what it printed.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerApprovals } from "../../bin/commands/approvals.ts";
import { withClient } from "../../bin/commands/client.ts";
import { registerDecisions } from "../../bin/commands/decisions.ts";
import { registerExplain } from "../../bin/commands/explain.ts";
import { registerPauses } from "../../bin/commands/pauses.ts";
import { registerSpecAdmin } from "../../bin/commands/spec-admin.ts";
import { registerTrust } from "../../bin/commands/trust.ts";
import { freePort } from "../../shared/adapters/local/dynamodb-local.ts";
import {
  emailProposal,
  expectStatus,
  getDecision,
  type Harness,
  proposeOk,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";

const HARNESS = fileURLToPath(new URL("../../bin/harness.js", import.meta.url));
const SPEC = fileURLToPath(new URL("../../shared/specs/default.yaml", import.meta.url));

let h: Harness;
let dir: string;

/** Runs the CLI; resolves with its exit code and output (never rejects on a non-zero exit). */
function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [HARNESS, ...args],
      { env: { ...process.env, HARNESS_TOKEN: "" }, timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, out: String(stdout), err: String(stderr) }),
    );
  });
}
/** The CLI's client commands as bin/cli.ts registers them; errors throw instead of exiting. */
function program(): Command {
  const p = new Command("harness").exitOverride();
  registerSpecAdmin(p.command("spec"), withClient);
  registerDecisions(p, withClient);
  registerPauses(p, withClient);
  registerTrust(p, withClient);
  registerExplain(p, withClient);
  registerApprovals(p, withClient);
  return p;
}

/** Runs a client command in this process; exit code and output as the binary would give them. */
async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => {
    out += `${a.join(" ")}\n`;
  };
  console.error = (...a: unknown[]) => {
    err += `${a.join(" ")}\n`;
  };
  process.exitCode = undefined;
  try {
    const p = program().configureOutput({
      writeErr: (t) => {
        err += t;
      },
      writeOut: (t) => {
        out += t;
      },
    });
    await p.parseAsync(args, { from: "user" });
    return { code: Number(process.exitCode ?? 0), out, err };
  } catch (e) {
    // bin/cli.ts prints "harness: <message>" and exits 1.
    return { code: 1, out, err: `${err}harness: ${(e as Error).message}\n` };
  } finally {
    console.log = log;
    console.error = error;
    process.exitCode = undefined;
  }
}

/** A client command against the test server, with a token. */
const as = (token: string) => ["--data-dir", dir, "--url", h.server.url, "--token", token];
const ok = async (...args: string[]) => {
  const r = await run(...args);
  expect(r.code, `${args.join(" ")}\n${r.err}`).toBe(0);
  return r.out;
};

/** The binary as a user runs it. */
const spawned = async (...args: string[]) => {
  const r = await cli(...args);
  expect(r.code, `${args.join(" ")}\n${r.err}`).toBe(0);
  return r.out;
};

beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), "harness-cli-"));
  await seedAccount(h);
  await h.agent("outreach-writer");
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the harness CLI against a running server", () => {
  it("prints its version and waits for readiness (and gives up on a server that never answers)", async () => {
    const version = (
      JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
        version: string;
      }
    ).version;
    expect((await spawned("--version")).trim()).toBe(version);
    expect(await spawned("wait", "--url", h.server.url, "--timeout", "5")).toMatch(/^ready: /);
    const nobody = await cli("wait", "--url", `http://127.0.0.1:${await freePort()}`, "--timeout", "1");
    expect(nobody.code).toBe(1);
    expect(nobody.err).toMatch(/not listening yet[\s\S]*not ready after 1 s/);
  });

  it("pins a level, lists the scheduled action with its time left, vetoes it, unpins", async () => {
    expect(
      await ok("trust", "pin", "outreach-writer", "email.send", "2", "--reason", "cli test", ...as(h.admin)),
    ).toMatch(/pinned: outreach-writer\s+email\.send\s+level 2 \(pinned\)/);
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    expect(d.status).toBe("scheduled");
    const listed = JSON.parse(await ok("scheduled", "--json", ...as(h.viewer)));
    expect(listed.items.map((i: { decisionId: string }) => i.decisionId)).toEqual([d.decisionId]);
    expect(listed.items[0].msLeft).toBe(30 * 60_000);
    expect(await ok("scheduled", ...as(h.viewer))).toMatch(
      /30m 00s left\s+\S+\s+outreach-writer\s+email\.send/,
    );
    // A viewer may not veto: the API's 403 reaches the user, and nothing changes.
    const denied = await run("veto", d.decisionId, ...as(h.viewer));
    expect(denied.code).toBe(1);
    expect(denied.err).toMatch(/403/);
    expect((await getDecision(h, d.decisionId)).status).toBe("scheduled");
    expect(await ok("veto", d.decisionId, "--note", "not this week", ...as(h.approver))).toContain(
      `${d.decisionId}: vetoed`,
    );
    expect((await getDecision(h, d.decisionId)).status).toBe("vetoed");
    expect(await ok("scheduled", ...as(h.viewer))).toMatch(/nothing scheduled/);
    await ok("trust", "unpin", "outreach-writer", "email.send", "--reason", "done", ...as(h.admin));
    // The pin and the unpin are in the cell's history, oldest first, with who and why.
    const history = await ok("trust", "history", "outreach-writer", "email.send", ...as(h.viewer));
    expect(history).toMatch(/→ 2\s+by root: [^\n]*cli test[\s\S]*by root: [^\n]*done/);
    const trust = JSON.parse(await ok("trust", "--json", ...as(h.viewer)));
    expect(
      trust.items.find((t: { actionType: string }) => t.actionType === "email.send").pinnedLevel ?? null,
    ).toBe(null);
  });

  it("pauses an agent (its next proposal is held back) and resumes it", async () => {
    const out = await ok(
      "pause",
      "agent",
      "outreach-writer",
      "--reason",
      "copy review",
      "--for",
      "2h",
      ...as(h.admin),
    );
    expect(out).toMatch(/paused: \S+\s+agent outreach-writer\s+by root: copy review \(until /);
    const paused = JSON.parse(await ok("pauses", "--json", ...as(h.viewer))).items;
    expect(paused).toHaveLength(1);
    expect(Date.parse(paused[0].until) - h.rt.clock.now()).toBe(2 * 3_600_000);
    const held = await proposeOk(h, emailProposal("outreach-writer"));
    expect(held.verdict).toBe("defer");
    expect(held.checks.find((c: { check: string }) => c.check === "kill_switch").result).toBe("fail");
    expect(await ok("resume", "agent", "outreach-writer", ...as(h.admin))).toMatch(/resumed: /);
    expect(expectStatus(await h.call("GET", "/v1/pauses", h.viewer), 200).items).toEqual([]);
    const bad = await run("pause", "planet", "--reason", "x", ...as(h.admin));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/scope: expected one of global, agent, channel, account/);
  });

  it("lists and shows decisions, and asks for a filter rather than answering 400", async () => {
    const items = JSON.parse(
      await ok("decisions", "list", "--agent", "outreach-writer", "--json", ...as(h.viewer)),
    ).items;
    expect(items.length).toBeGreaterThanOrEqual(2);
    expect(items.every((d: { agentId: string }) => d.agentId === "outreach-writer")).toBe(true);
    const text = await ok("decisions", "list", "--status", "vetoed", ...as(h.viewer));
    expect(text).toMatch(
      /outreach-writer\s+email\.send\s+vetoed\s+jane@acme\.io|outreach-writer\s+email\.send\s+vetoed\s+acme-jane/,
    );
    const shown = await ok("decisions", "show", items[0].decisionId, ...as(h.viewer));
    expect(shown).toMatch(/^Checks$/m);
    expect(shown).toMatch(/^Timeline$/m);
    expect(shown).toMatch(/pass\s+icp \(icp\.industries\)/);
    const none = await run("decisions", "list", ...as(h.viewer));
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/give at least one of --account, --person, --agent, --status/);
  });

  it("publishes a spec and diffs versions; a bad spec is refused with its path and nothing is published", async () => {
    const file = join(dir, "spec.yaml");
    writeFileSync(file, readFileSync(SPEC, "utf8").replace("minSample: 10,", "minSample: 12,"));
    const before = expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200).version;
    expect(await ok("spec", "publish", file, ...as(h.admin))).toMatch(
      new RegExp(`published v${before + 1} `),
    );
    const diff = await ok("spec", "diff", String(before), "current", ...as(h.viewer));
    expect(diff).toMatch(/^-\s+minSample: 10$/m);
    expect(diff).toMatch(/^\+\s+minSample: 12$/m);
    expect(diff.split("\n").filter((l) => /^[-+]\s/.test(l))).toHaveLength(2);
    expect(await ok("spec", "diff", file, ...as(h.viewer))).toMatch(/no difference/);
    writeFileSync(file, readFileSync(SPEC, "utf8").replace("halfLifeDays: 30", "halfLifeDays: -1"));
    const bad = await run("spec", "publish", file, ...as(h.admin));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/400[\s\S]*trust\.halfLifeDays/);
    expect(expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200).version).toBe(before + 1);
  });

  it("explains in plain words with a short answer, and lists approvals as JSON", async () => {
    const out = await ok("explain", "--email", "jane@acme.io", ...as(h.viewer));
    expect(out).toMatch(/^Jane Doe, VP Sales at Acme Analytics \(times are New York time\)\./);
    expect(out).toMatch(/A reply you could send them:\n {2}Hi Jane, thanks for asking\./);
    expect(out).not.toMatch(/outreach-writer|kill_switch/);
    const details = await ok("explain", "--email", "jane@acme.io", "--details", ...as(h.viewer));
    expect(details).toMatch(/Technical summary:/);
    const pending = await proposeOk(
      h,
      emailProposal("outreach-writer", "acme", "acme-bob", {
        payload: {
          subject: "Your pricing research",
          body: "Hi Bob, saw your team comparing plans this week. Happy to share how similar teams rolled out in two weeks.",
        },
      }),
    );
    const approvals = JSON.parse(await spawned("approvals", "list", "--json", ...as(h.viewer))).items;
    expect(pending.status, JSON.stringify(pending.reasons)).toBe("pending_approval");
    expect(approvals.map((d: { decisionId: string }) => d.decisionId)).toContain(pending.decisionId);
  });

  it("says why an approval was stopped by its checks, not only that it is rejected", async () => {
    await seedAccount(h, "sigma");
    const d = await proposeOk(h, emailProposal("outreach-writer", "sigma"));
    expect(d.status, JSON.stringify(d.reasons)).toBe("pending_approval");
    // Jane unsubscribed while it waited.
    expectStatus(
      await h.call("POST", "/v1/suppressions", h.admin, {
        kind: "person",
        value: "sigma-jane",
        reason: "unsubscribed",
      }),
      201,
    );
    const out = await ok("approvals", "approve", d.decisionId, ...as(h.approver));
    expect(out).toMatch(
      new RegExp(
        `^${d.decisionId}: rejected, its checks no longer pass \\(suppression: .*unsubscribed.*\\); nothing was sent$`,
        "m",
      ),
    );
    expect((await getDecision(h, d.decisionId)).status).toBe("rejected");
  });
});
