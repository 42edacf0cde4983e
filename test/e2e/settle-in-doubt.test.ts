/**
 * A person settles an action left in doubt (usecases/settle-in-doubt.ts): the executor could not tell
 * whether it went out, so the harness left it for a human, who looks in the vendor's records and says
 * which it was, through `POST /v1/decisions/{id}/settle` or `harness settle`. On a started server with
 * the sandbox connector told to lose its next answer.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withClient } from "../../bin/commands/client.ts";
import { registerDecisions } from "../../bin/commands/decisions.ts";
import {
  advance,
  emailProposal,
  expectStatus,
  getDecision,
  type Harness,
  pin,
  proposeOk,
  seedAccount,
  startHarness,
  waitForStatus,
} from "./helpers/harness.ts";

const DAY = 24 * 3_600_000;
let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness();
  dir = mkdtempSync(join(tmpdir(), "harness-settle-"));
  await pin(h, "outreach-writer", "email.send", 3);
});
afterAll(async () => {
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A level-3 email to the account whose send's answer is lost: the decision is in doubt. */
async function inDoubt(accountId: string) {
  await seedAccount(h, accountId);
  h.rt.sandbox.failNext.push({ outcomeUnknown: true, message: "no answer from the mail server" });
  const d = await proposeOk(h, emailProposal("outreach-writer", accountId));
  return waitForStatus(h, d.decisionId, "in_doubt");
}

const settle = (id: string, token: string, body: unknown) =>
  h.call("POST", `/v1/decisions/${id}/settle`, token, body);

describe("settling an action left in doubt", () => {
  it("it went out: executed with the vendor's id and who said so; only an approver or admin, once", async () => {
    const d = await inDoubt("sd-sent");
    const found = { wentOut: true, externalId: "ses:0100018e-found", note: "in the SES sending log" };
    // A viewer may not, nor the proposing agent's own credential; nothing changes.
    expectStatus(await settle(d.decisionId, h.viewer, found), 403);
    expectStatus(await settle(d.decisionId, await h.agent("outreach-writer"), found), 403);
    // A body that contradicts itself names the field.
    const bad = expectStatus(
      await settle(d.decisionId, h.approver, { wentOut: false, externalId: "x", note: "n" }),
      400,
    );
    expect(JSON.stringify(bad)).toMatch(/externalId/);
    expect((await getDecision(h, d.decisionId)).status).toBe("in_doubt");

    const settled = expectStatus(await settle(d.decisionId, h.approver, found), 200);
    expect(settled.status).toBe("executed");
    const after = await getDecision(h, d.decisionId);
    expect(after.execution).toMatchObject({ externalId: "ses:0100018e-found" });
    expect(after.execution.error).toBeUndefined();
    expect(after.events.at(-1)).toMatchObject({
      type: "executed",
      actor: "alice",
      detail: expect.stringMatching(/settled by alice: it went out .*in the SES sending log/),
    });
    // Its trust window opened with it: unanswered past trust.silenceDays, the touch is a silence.
    await advance(h, 8 * DAY);
    expect((await getDecision(h, d.decisionId)).outcomes.map((o: { type: string }) => o.type)).toEqual([
      "silence",
    ]);
    // Settled once: a second answer is a conflict, not a second move.
    expectStatus(await settle(d.decisionId, h.admin, { wentOut: false, note: "changed my mind" }), 409);
    // A decision that is not in doubt is no one's to settle.
    const sent = await proposeOk(h, emailProposal("outreach-writer", "sd-sent"));
    expectStatus(await settle(sent.decisionId, h.approver, found), 409);
  });

  it("it did not go out (harness settle --not-sent): failed, its touch given back for a later one", async () => {
    const d = await inDoubt("sd-unsent");
    // Held: the account's one touch a day is taken by the send in doubt.
    const held = await proposeOk(h, emailProposal("outreach-writer", "sd-unsent"));
    expect(held.verdict).toBe("defer");

    const program = new Command("harness").exitOverride();
    registerDecisions(program, withClient);
    const printed: string[] = [];
    const log = console.log;
    console.log = (...a: unknown[]) => void printed.push(a.join(" "));
    try {
      await program.parseAsync(
        [
          "settle",
          d.decisionId,
          "--not-sent",
          "--note",
          "not in the sending log",
          ...["--data-dir", dir, "--url", h.server.url, "--token", h.approver],
        ],
        { from: "user" },
      );
      // Neither or both of --went-out and --not-sent: refused before any call.
      for (const flags of [[], ["--went-out", "--not-sent"]]) {
        const again = new Command("harness").exitOverride();
        registerDecisions(again, withClient);
        await expect(
          again.parseAsync(["settle", d.decisionId, ...flags, "--note", "x", "--url", h.server.url], {
            from: "user",
          }),
        ).rejects.toThrow(/--went-out or --not-sent/);
      }
    } finally {
      console.log = log;
    }
    expect(printed).toEqual([`${d.decisionId}: failed`]);
    const after = await getDecision(h, d.decisionId);
    expect(after.execution.error).toMatch(/not sent, settled by alice: not in the sending log/);
    expect(after.events.at(-1)).toMatchObject({ type: "failed", actor: "alice" });
    // The touch it held is given back: the account may be emailed today after all.
    const next = await proposeOk(h, emailProposal("outreach-writer", "sd-unsent"));
    expect(next.verdict).toBe("allow");
  });
});
