/**
 * The KMS key wrapper against a local server speaking KMS's JSON 1.1 protocol (TrentService.Encrypt and
 * Decrypt, base64 blobs, the encryption context bound into the ciphertext as KMS does), through the
 * real AWS SDK client.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { KMSClient } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KmsKeyWrapper } from "../../shared/adapters/aws/kms-key-wrapper.ts";
import { DependencyError } from "../../shared/domain/errors.ts";

const KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555";
const master = randomBytes(32);
const calls: string[] = [];
let server: Server;
let endpoint: string;

const context = (c: unknown) => JSON.stringify(Object.entries((c ?? {}) as object).sort());

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"]);
      calls.push(target);
      const input = JSON.parse(body);
      const reply = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1" }).end(JSON.stringify(json));
      };
      if (target === "TrentService.Encrypt") {
        const iv = randomBytes(12);
        const c = createCipheriv("aes-256-gcm", master, iv);
        c.setAAD(Buffer.from(context(input.EncryptionContext)));
        const ct = Buffer.concat([c.update(Buffer.from(input.Plaintext, "base64")), c.final()]);
        return reply(200, {
          KeyId: KEY_ARN,
          CiphertextBlob: Buffer.concat([iv, c.getAuthTag(), ct]).toString("base64"),
        });
      }
      if (target === "TrentService.Decrypt") {
        const blob = Buffer.from(input.CiphertextBlob, "base64");
        try {
          const d = createDecipheriv("aes-256-gcm", master, blob.subarray(0, 12));
          d.setAAD(Buffer.from(context(input.EncryptionContext)));
          d.setAuthTag(blob.subarray(12, 28));
          const pt = Buffer.concat([d.update(blob.subarray(28)), d.final()]);
          return reply(200, { KeyId: KEY_ARN, Plaintext: pt.toString("base64") });
        } catch {
          return reply(400, { __type: "InvalidCiphertextException", message: "" });
        }
      }
      reply(400, { __type: "UnknownOperationException" });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((r) => server.close(r)));

const client = () =>
  new KMSClient({
    region: "us-east-1",
    endpoint,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });

describe("KMS key wrapper", () => {
  it("wraps a data key under KMS bound to its owner, and opens it again", async () => {
    const w = new KmsKeyWrapper(client(), KEY_ARN);
    const key = randomBytes(32);
    const wrapped = await w.wrap(key, "person:p1");
    expect(wrapped.startsWith("kms1.")).toBe(true);
    expect(wrapped).not.toContain(key.toString("base64url"));
    expect((await new KmsKeyWrapper(client(), KEY_ARN).unwrap(wrapped, "person:p1")).equals(key)).toBe(true);
  });

  it("refuses to open a wrapped key for another owner (a typed dependency error, not a key)", async () => {
    const w = new KmsKeyWrapper(client(), KEY_ARN);
    const wrapped = await w.wrap(randomBytes(32), "person:p1");
    await expect(w.unwrap(wrapped, "person:p2")).rejects.toBeInstanceOf(DependencyError);
  });

  it("asks KMS once per container for a key it has opened recently, and again after the cache time", async () => {
    let now = 0;
    const w = new KmsKeyWrapper(client(), KEY_ARN, () => now);
    const wrapped = await w.wrap(randomBytes(32), "account:acme");
    const before = calls.filter((c) => c.endsWith("Decrypt")).length;
    await w.unwrap(wrapped, "account:acme");
    await w.unwrap(wrapped, "account:acme");
    expect(calls.filter((c) => c.endsWith("Decrypt")).length - before).toBe(1);
    now += 10 * 60_000;
    await w.unwrap(wrapped, "account:acme");
    expect(calls.filter((c) => c.endsWith("Decrypt")).length - before).toBe(2);
  });
});
