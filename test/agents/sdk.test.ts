import { describe, expect, it } from "vitest";
import { nextFire, parseCron } from "../../shared/agents/cron.ts";
import { defineAgent } from "../../shared/agents/definition.ts";
import { agentRegistry } from "../../shared/agents/registry.ts";
import { proposalIdFor, retryIdFor } from "../../shared/agents/runner.ts";
import { Id } from "../../shared/domain/vocabulary.ts";

describe("agent SDK and registry", () => {
  it("defineAgent turns one trigger into the registry's triggers list", () => {
    const a = defineAgent({
      id: "x",
      description: "d",
      trigger: { kind: "event", eventType: "e" },
      actions: [],
      handler: async () => {},
    });
    expect(a.triggers).toEqual([{ kind: "event", eventType: "e" }]);
  });

  it("the registry holds the nine workflows plus the Outreach Writer, each with id, description and triggers", () => {
    expect(agentRegistry.map((a) => a.id)).toEqual([
      "list-sync",
      "manual-list-sync",
      "buying-committee-builder",
      "persona-finder",
      "persona-classifier",
      "web-research",
      "lead-list-builder",
      "linkedin-audience-manager",
      "crm-sync",
      "crm-import",
      "outreach-writer",
    ]);
    for (const a of agentRegistry) {
      expect(a.description.length).toBeGreaterThan(10);
      expect(a.triggers.length).toBeGreaterThan(0);
      for (const t of a.triggers) if (t.kind === "schedule") expect(() => parseCron(t.cron)).not.toThrow();
    }
    expect(agentRegistry.find((a) => a.id === "lead-list-builder")?.triggers).toEqual([
      expect.objectContaining({ kind: "schedule", cron: "0 6 * * 1-5" }),
    ]);
  });

  it("cron fires at 6:00 in the workspace time zone, across DST", () => {
    const six = parseCron("0 6 * * *");
    // 2026-03-07 is the last day of EST in New York (UTC-5), 03-08 switches to EDT (UTC-4).
    expect(
      new Date(nextFire(six, Date.parse("2026-03-07T12:00:00Z"), "America/New_York")).toISOString(),
    ).toBe("2026-03-08T10:00:00.000Z");
    expect(
      new Date(nextFire(six, Date.parse("2026-03-06T12:00:00Z"), "America/New_York")).toISOString(),
    ).toBe("2026-03-07T11:00:00.000Z");
    const weekdays = parseCron("0 9 * * 1-5");
    // Friday 2026-03-13 after 9:00 → Monday 2026-03-16 09:00 EDT.
    expect(
      new Date(nextFire(weekdays, Date.parse("2026-03-13T15:00:00Z"), "America/New_York")).toISOString(),
    ).toBe("2026-03-16T13:00:00.000Z");
    expect(() => parseCron("61 * * * *")).toThrow(/minute/);
  });

  it("proposal ids are valid ids, stable per key, and a retry's id is new and linked", () => {
    const id = proposalIdFor("outreach-writer", "email:acme:acme.jane:2026-03-10");
    expect(Id.safeParse(id).success).toBe(true);
    expect(proposalIdFor("outreach-writer", "email:acme:acme.jane:2026-03-10")).toBe(id);
    const long = proposalIdFor("a", "k".repeat(300));
    expect(long.length).toBeLessThanOrEqual(128);
    expect(Id.safeParse(retryIdFor(long)).success).toBe(true);
    expect(retryIdFor(id)).not.toBe(id);
    // Ids of 119-120 characters that differ only at their end (the day) keep distinct retry ids.
    const monday = proposalIdFor("outreach-writer", `${"k".repeat(90)}:2026-03-09`);
    const tuesday = proposalIdFor("outreach-writer", `${"k".repeat(90)}:2026-03-10`);
    expect(monday.length).toBe(117);
    for (const pad of ["", "x", "xx", "xxx", "xxxx"]) {
      const a = retryIdFor(`${monday}${pad}`);
      const b = retryIdFor(`${tuesday}${pad}`);
      expect(a).not.toBe(b);
      expect(Id.safeParse(a).success).toBe(true);
    }
    expect(Id.safeParse(retryIdFor("p".repeat(128))).success).toBe(true);
  });
});
