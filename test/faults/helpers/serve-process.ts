/**
 * `harness serve` as a real child process, started the way a user starts it (node bin/harness.js),
 * so it can be killed with SIGKILL; and the DynamoDB Local it starts, found in its process tree.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const HARNESS = "bin/harness.js";
const run = promisify(execFile);

export interface ServeOptions {
  dataDir: string;
  port: number;
  connectorsFile: string;
  env: Record<string, string>;
  pollMs?: number;
}

/** Live processes: pid → [ppid, command line]. */
function processTable(): Map<number, [number, string]> {
  const out = execFileSync("ps", ["-A", "-o", "pid=,ppid=,args="], { encoding: "utf8" });
  const table = new Map<number, [number, string]>();
  for (const line of out.split("\n")) {
    const m = /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line);
    if (m) table.set(Number(m[1]), [Number(m[2]), m[3] ?? ""]);
  }
  return table;
}

export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export class ServeProcess {
  private log = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(
    readonly child: ChildProcess,
    readonly url: string,
  ) {
    const keep = (d: unknown) => {
      this.log = (this.log + String(d)).slice(-20_000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  output(): string {
    return this.log;
  }

  /** The DynamoDB Local (java) process(es) in this server's process tree. */
  databasePids(): number[] {
    const table = processTable();
    const tree = new Set([this.pid]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [pid, [ppid]] of table)
        if (tree.has(ppid) && !tree.has(pid)) {
          tree.add(pid);
          grew = true;
        }
    }
    // The java process itself, not a launcher whose command line mentions the jar.
    return [...tree].filter((pid) => /^(\S*\/)?java\s.*DynamoDBLocal/.test(table.get(pid)?.[1] ?? ""));
  }

  kill9(): void {
    if (this.alive) this.child.kill("SIGKILL");
  }

  /** Ctrl-C, as a user stops it; true when it exited within `graceMs`. */
  async interrupt(graceMs: number): Promise<boolean> {
    if (!this.alive) return true;
    this.child.kill("SIGINT");
    let timer: NodeJS.Timeout | undefined;
    const stopped = await Promise.race([
      this.exited.then(() => true),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(false), graceMs);
      }),
    ]);
    clearTimeout(timer);
    return stopped;
  }
}

export async function health(url: string, timeoutMs = 2_000): Promise<number | undefined> {
  try {
    const res = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return undefined;
  }
}

export async function startServe(o: ServeOptions): Promise<ServeProcess> {
  const child = spawn(
    process.execPath,
    [
      HARNESS,
      "serve",
      ...["--data-dir", o.dataDir, "--port", String(o.port), "--clock", "system"],
      ...["--poll-ms", String(o.pollMs ?? 100), "--connectors", o.connectorsFile],
    ],
    { cwd: ROOT, env: { ...process.env, ...o.env }, stdio: ["ignore", "pipe", "pipe"] },
  );
  const serve = new ServeProcess(child, `http://127.0.0.1:${o.port}`);
  const deadline = Date.now() + 90_000;
  while ((await health(serve.url, 1_000)) !== 200) {
    if (!serve.alive)
      throw new Error(`harness serve exited while starting:\n${serve.output().slice(-3_000)}`);
    if (Date.now() > deadline) {
      serve.kill9();
      throw new Error(
        `harness serve did not answer /v1/health within 90 s:\n${serve.output().slice(-3_000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return serve;
}

/** `harness token create`, as a user runs it; prints the token once. */
export async function createTokenCli(dataDir: string, role: string, subject?: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [
      HARNESS,
      "token",
      "create",
      "--data-dir",
      dataDir,
      "--role",
      role,
      ...(subject ? ["--subject", subject] : []),
    ],
    { cwd: ROOT, encoding: "utf8" },
  );
  return stdout.trim();
}
