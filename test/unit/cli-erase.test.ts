/** `harness erase` asks again while the API answers that the erasure is not complete (202). */
import { describe, expect, it } from "vitest";
import { eraseSummary, eraseUntilDone, MAX_ERASE_REQUESTS } from "../../bin/commands/erase.ts";

const receipt = (complete: boolean) => ({
  personId: "acme-jane",
  erasedAt: "2026-03-10T15:00:00.000Z",
  alreadyErased: false,
  complete,
  knowledgeBase: { deleted: 3, redacted: 1 },
  outboxEntries: 2,
});

describe("harness erase", () => {
  it("posts the same request again until the erasure is complete, and reports the last answer", async () => {
    const posted: unknown[] = [];
    const answers = [receipt(false), receipt(false), receipt(true)];
    const more: number[] = [];
    const res = await eraseUntilDone(
      async (method, path, body) => {
        posted.push([method, path, body]);
        return answers.shift();
      },
      { personId: "acme-jane", reason: "GDPR request 42" },
      (n) => more.push(n),
    );
    // Before, it stopped at the first answer, with the knowledge base half scrubbed.
    expect(posted).toHaveLength(3);
    expect(new Set(posted.map((p) => JSON.stringify(p)))).toEqual(
      new Set([
        JSON.stringify(["POST", "/v1/erasures", { personId: "acme-jane", reason: "GDPR request 42" }]),
      ]),
    );
    expect(more).toEqual([2, 3]);
    expect(res).toMatchObject({ complete: true, requests: 3 });
    expect(eraseSummary(res)).toBe(
      "Erased acme-jane: data key destroyed, 3 knowledge-base items deleted, 1 redacted, 2 outbox entries cleared; do-not-contact kept.",
    );
    expect(eraseSummary({ ...res, coHolders: ["hs-jane"] })).toMatch(
      /^Erased acme-jane \(and hs-jane, on file with the same address\): data key destroyed/,
    );
  });

  it("gives up after its most requests, saying how to go on", async () => {
    let calls = 0;
    await expect(
      eraseUntilDone(
        async () => {
          calls++;
          return receipt(false);
        },
        { personId: "acme-jane" },
      ),
    ).rejects.toThrow(/not complete after \d+ requests: run the same command again to go on/);
    expect(calls).toBe(MAX_ERASE_REQUESTS);
  });
});
