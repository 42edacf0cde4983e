import { describe, expect, it } from "vitest";
import { contactId } from "../../shared/agents/workflows/persona-finder.ts";
import { recipientOf } from "../../sim/market.ts";
import { truePersona } from "../../sim/truth.ts";
import { generateWorld } from "../../sim/world.ts";

const world = generateWorld({ seed: 7, accounts: 20, start: Date.parse("2026-03-02T05:00:00Z"), days: 7 });
const company = world.companies.find((c) =>
  c.people.some((p) => p.linkedinUrl && truePersona(p.title) !== "other"),
);
if (!company) throw new Error("the world has no company with a titled LinkedIn member");
const person = company.people.find((p) => p.linkedinUrl && truePersona(p.title) !== "other");
if (!person) throw new Error("unreachable");
/** The id persona-finder gives the person when it finds them. */
const harnessId = contactId(company.accountId, person.email);

describe("who a touch reached, as the market answers it", () => {
  it("is the owner of the address it went to, whatever the harness calls them", () => {
    expect(harnessId).not.toBe(person.personId);
    expect(recipientOf(company, { personId: harnessId, payload: { to: person.email } })).toBe(person);
    expect(recipientOf(company, { personId: harnessId, payload: { linkedinUrl: person.linkedinUrl } })).toBe(
      person,
    );
  });

  it("falls back to the world's own id, and is nobody for an address the company does not have", () => {
    expect(recipientOf(company, { personId: person.personId, payload: {} })).toBe(person);
    expect(recipientOf(company, { personId: harnessId, payload: { to: "nobody@elsewhere.example" } })).toBe(
      undefined,
    );
  });
});
