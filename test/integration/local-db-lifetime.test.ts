import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

/**
 * H1: after the harness process crashed, DynamoDB Local stayed up, still listening on every interface.
 * The database process must never outlive the harness, however the harness ends.
 */

const HOLDER = fileURLToPath(new URL("./helpers/hold-dynamodb-local.ts", import.meta.url));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

const listening = (endpoint: string) =>
  new Promise<boolean>((resolve) => {
    const url = new URL(endpoint);
    const socket = connect(Number(url.port), url.hostname);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });

/** Poll until `check` holds; gives up after `polls` × 100 ms and reports whether it held. */
async function within(polls: number, check: () => boolean | Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < polls; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

const leftovers: number[] = [];
const dirs: string[] = [];
afterEach(() => {
  // Whatever the outcome, nothing this test started keeps running.
  for (const pid of leftovers.splice(0)) if (alive(pid)) process.kill(pid, "SIGKILL");
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function startHolder(args: string[]): Promise<{ holder: number; java: number; endpoint: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", HOLDER, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  leftovers.push(child.pid as number);
  const [line] = (await once(createInterface({ input: child.stdout }), "line")) as [string];
  const { pid, endpoint } = JSON.parse(line) as { pid: number; endpoint: string };
  leftovers.push(pid);
  return { holder: child.pid as number, java: pid, endpoint };
}

describe("DynamoDB Local's lifetime", () => {
  for (const [what, args] of [
    ["in memory", () => []],
    [
      "on a data directory",
      () => {
        const d = mkdtempSync(join(tmpdir(), "harness-lifetime-"));
        dirs.push(d);
        return [join(d, "dynamodb")];
      },
    ],
  ] as const) {
    it(`ends when the harness process is killed with SIGKILL (${what})`, async () => {
      const { holder, java, endpoint } = await startHolder(args());
      expect(alive(java)).toBe(true);
      expect(await listening(endpoint)).toBe(true);
      process.kill(holder, "SIGKILL");
      // Java shuts down on SIGTERM in a second or two; 30 s only bounds a failing run.
      expect(await within(300, async () => !(await listening(endpoint)))).toBe(true);
      expect(await within(300, () => !alive(java))).toBe(true);
    });
  }
});
