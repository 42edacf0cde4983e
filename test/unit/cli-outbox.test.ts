/** `harness outbox --summary`: addresses, not ids; touches apart from audiences and record syncs. */
import { describe, expect, it } from "vitest";
import { formatOutbox, type OutboxLine } from "../../bin/commands/outbox.ts";

const entry = (actionType: string, payload: Record<string, unknown>): OutboxLine => ({
  at: "2026-03-02T15:00:00.000Z",
  system: "sandbox",
  actionType,
  accountId: "co-1",
  personId: "co-1.jane",
  idempotencyKey: `${actionType}:1`,
  payload,
});

describe("outbox summary", () => {
  it("shows where each entry went and separates touches from record syncs", () => {
    const lines = formatOutbox([
      entry("crm.update", { operation: "upsert_contact", contact: { email: "jane@co1.example" } }),
      entry("email.send", { to: "jane@co1.example", subject: "Your pricing research", body: "Hi" }),
      entry("linkedin.message", { linkedinUrl: "https://www.linkedin.com/in/jane", body: "Hi" }),
      entry("linkedin.audience.add", { audienceId: "harness-vp", email: "jane@co1.example" }),
      entry("list.sync", { listId: "q3" }),
    ]);
    const heading = (h: string) => lines.findIndex((l) => l.startsWith(h));
    const touches = heading("Touches");
    const audiences = heading("Audiences");
    const records = heading("Record syncs");
    expect(lines[touches]).toBe("Touches (messages to a person): 2");
    expect(lines[audiences]).toBe("Audiences (ads): 1");
    expect(lines[records]).toBe("Record syncs (CRM, lists: no message to anyone): 2");
    expect(lines.slice(touches + 1, audiences).join("\n")).toMatch(
      /email\.send\s+jane@co1\.example\s+Your pricing research\n.*linkedin\.message\s+https:\/\/www\.linkedin\.com\/in\/jane/,
    );
    expect(lines.slice(records + 1)).toHaveLength(2);
    expect(lines.slice(records + 1).join("\n")).toMatch(/crm\.update\s+jane@co1\.example\s+upsert_contact/);
    // Without an address (a list sync, or an erased entry) the person or account id stands in.
    expect(lines.at(-1)).toMatch(/list\.sync\s+co-1\.jane\s+q3$/);
  });
});
