import type { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { S3OutboxConnector } from "../../shared/adapters/aws/s3-outbox-connector.ts";
import type { Decision } from "../../shared/domain/decision.ts";
import { newDataKey, unseal } from "../../shared/domain/personal-data.ts";
import { ConnectorError } from "../../shared/ports.ts";

/** Records the objects the connector puts, as S3 would store them. */
function recordingS3() {
  const bodies: string[] = [];
  const client = {
    send: async (cmd: PutObjectCommand) => {
      bodies.push(String(cmd.input.Body));
      return {};
    },
  } as unknown as S3Client;
  return { client, bodies };
}

const decision = {
  decisionId: "d1",
  agentId: "a",
  actionType: "email.send",
  accountId: "acme",
  personId: "p1",
};
const payload = { to: "jane@acme.io", subject: "Hi Jane", body: "Hi Jane Doe" };

describe("the S3 outbox (the deployed dry run)", () => {
  it("stores a person's payload only sealed under their key, so erasing the key erases the object", async () => {
    const key = newDataKey();
    const s3 = recordingS3();
    const c = new S3OutboxConnector(s3.client, "bucket", () => 0, { get: async () => key });
    await c.execute({ idempotencyKey: "d1:exec:1", decision: decision as Decision, payload });
    const body = s3.bodies[0] ?? "";
    expect(body).not.toMatch(/jane/i);
    const stored = JSON.parse(body);
    expect(stored.sealedFor).toBe("person:p1");
    expect(unseal(key, "person:p1", stored.sealed)).toEqual(payload);
  });

  it("records nothing for a person whose key is gone", async () => {
    const s3 = recordingS3();
    const c = new S3OutboxConnector(s3.client, "bucket", () => 0, { get: async () => undefined });
    await expect(
      c.execute({ idempotencyKey: "d1:exec:1", decision: decision as Decision, payload }),
    ).rejects.toBeInstanceOf(ConnectorError);
    expect(s3.bodies).toEqual([]);
  });

  it("a key that cannot be read (throttled, KMS down) turns the action away: nothing recorded, not in doubt", async () => {
    const s3 = recordingS3();
    const throttled = Object.assign(new Error("Rate exceeded"), { name: "ThrottlingException" });
    const c = new S3OutboxConnector(s3.client, "bucket", () => 0, {
      get: async () => {
        throw throttled;
      },
    });
    const err = await c
      .execute({ idempotencyKey: "d1:exec:1", decision: decision as Decision, payload })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    // Handed back for a later try (the executor's retryAfter path), not failed for a blip.
    expect(err).toMatchObject({
      outcomeUnknown: false,
      retryAfterMs: 5_000,
      message: expect.stringMatching(/ThrottlingException/),
    });
    expect(s3.bodies).toEqual([]);
  });
});

describe("the S3 outbox's failed writes", () => {
  const failing = (status: number | undefined, name: string) =>
    ({
      send: async () => {
        throw Object.assign(new Error(name), {
          name,
          ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
        });
      },
    }) as unknown as S3Client;
  const attempt = (client: S3Client) =>
    new S3OutboxConnector(client, "bucket", () => 0)
      .execute({ idempotencyKey: "d1:exec:1", decision: decision as Decision, payload })
      .catch((e: unknown) => e);

  it("one that may have landed (5xx, throttled, no answer) is handed back to be tried again, as one that wrote", async () => {
    for (const [status, name] of [
      [503, "SlowDown"],
      [500, "InternalError"],
      [429, "TooManyRequests"],
      // Another write of the key still in flight (the SDK's retry of one that timed out).
      [409, "ConditionalRequestConflict"],
      [undefined, "TimeoutError"],
    ] as const) {
      const err = await attempt(failing(status, name));
      expect(err, name).toBeInstanceOf(ConnectorError);
      expect(err, name).toMatchObject({ outcomeUnknown: false, retryAfterMs: 5_000, afterWrite: true });
    }
  });

  it("one S3 refused (denied, no such bucket) fails, nothing landed, not tried again", async () => {
    for (const [status, name] of [
      [403, "AccessDenied"],
      [404, "NoSuchBucket"],
    ] as const) {
      const err = await attempt(failing(status, name));
      expect(err, name).toBeInstanceOf(ConnectorError);
      expect(err, name).toMatchObject({ outcomeUnknown: false, message: `outbox write refused: ${name}` });
      expect((err as ConnectorError).retryAfterMs, name).toBeUndefined();
      expect((err as ConnectorError).afterWrite, name).toBeUndefined();
    }
  });
});
