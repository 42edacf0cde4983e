/**
 * statusOf (shared/adapters/connectors/retry.ts): the status a connector failure carries, read as a
 * refusal or not. A success status on a failure (an answer lost on the way in) is no status at all,
 * so a send is an unknown outcome rather than a refusal that gives its reservation back.
 */
import { describe, expect, it } from "vitest";
import { HttpStatusError, statusOf, withRetries } from "../../shared/adapters/connectors/retry.ts";

const noWait = { attempts: 3, baseDelayMs: 1, maxDelayMs: 10, sleep: async () => {} };

describe("statusOf", () => {
  it("reads ours, the HubSpot SDK's code and the AWS SDK's metadata", () => {
    expect(statusOf(new HttpStatusError(429, "slow down"))).toBe(429);
    expect(statusOf({ code: 400 })).toBe(400);
    expect(statusOf({ $metadata: { httpStatusCode: 503 } })).toBe(503);
    expect(statusOf(new Error("socket hang up"))).toBeUndefined();
  });

  it("a 2xx on a failure is no status: the vendor said yes and the answer was lost", () => {
    expect(statusOf(new HttpStatusError(204, "empty"))).toBeUndefined();
    expect(statusOf({ code: 201 })).toBeUndefined();
    expect(
      statusOf({ $metadata: { httpStatusCode: 200 }, name: "Error", message: "aborted" }),
    ).toBeUndefined();
  });

  it("a send whose 200 could not be read is an unknown outcome, sent once; a replay-safe call is retried", async () => {
    const lost = Object.assign(new Error("Deserialization error: aborted"), {
      $metadata: { httpStatusCode: 200 },
    });
    let sends = 0;
    const send = withRetries(
      "send",
      async () => {
        sends++;
        throw lost;
      },
      noWait,
      { replaySafe: false },
    );
    await expect(send).rejects.toMatchObject({ name: "ConnectorError", outcomeUnknown: true });
    expect(sends).toBe(1);
    let upserts = 0;
    const upsert = await withRetries(
      "upsert",
      async () => {
        if (++upserts === 1) throw lost;
        return "ok";
      },
      noWait,
      { replaySafe: true },
    );
    expect([upsert, upserts]).toEqual(["ok", 2]);
  });
});
