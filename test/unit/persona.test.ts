import { describe, expect, it } from "vitest";
import { checkPersona, classifyTitle } from "../../shared/domain/checks/persona.ts";
import { defaultSpec, person, specWith } from "./helpers/fixtures.ts";

const spec = defaultSpec();

describe("check: persona (title -> persona -> committee role)", () => {
  it("classifies titles with the first matching rule", () => {
    expect(classifyTitle(spec, "CEO")).toEqual({ name: "c-level", role: "decision_maker" });
    expect(classifyTitle(spec, "cfo")).toEqual({ name: "c-level", role: "decision_maker" });
    expect(classifyTitle(spec, "Chief Revenue Officer")).toEqual({ name: "c-level", role: "decision_maker" });
    expect(classifyTitle(spec, "VP Sales")).toEqual({ name: "vp", role: "champion" });
    expect(classifyTitle(spec, "Head of Demand Generation")).toEqual({ name: "vp", role: "champion" });
    expect(classifyTitle(spec, "Director, RevOps")).toEqual({ name: "director", role: "influencer" });
    expect(classifyTitle(spec, "Senior Sales Manager")).toEqual({ name: "manager", role: "too_junior" });
    // A director who manages is still a director: order decides.
    expect(classifyTitle(spec, "Director, Product Manager")).toEqual({
      name: "director",
      role: "influencer",
    });
    expect(classifyTitle(spec, "Account Executive")).toBeUndefined();
  });

  it("passes a VP for email with the mapping in the detail", () => {
    const { result, match } = checkPersona(spec, "email.send", person({ title: "VP Sales" }));
    expect(match).toEqual({ name: "vp", role: "champion" });
    expect(result).toEqual({
      check: "persona",
      rule: "personas.allowedRoles",
      result: "pass",
      detail: "title → vp → champion, may be targeted by email.send",
    });
  });

  it("blocks a manager (too junior) for outreach", () => {
    const { result, match } = checkPersona(spec, "email.send", person({ title: "Sales Manager" }));
    expect(match?.role).toBe("too_junior");
    expect(result).toMatchObject({ check: "persona", result: "fail", effect: "block" });
    expect(result.detail).toBe(
      "title → manager → too junior; email.send may only target decision_maker, champion, influencer",
    );
    expect(checkPersona(spec, "linkedin.message", person({ title: "Marketing Intern" })).result.result).toBe(
      "fail",
    );
  });

  it("blocks a title that matches no rule", () => {
    const { result, match } = checkPersona(spec, "email.send", person({ title: "Account Executive" }));
    expect(match).toBeUndefined();
    expect(result).toEqual({
      check: "persona",
      rule: "personas.match",
      result: "fail",
      effect: "block",
      detail: "the title matches no persona rule",
    });
  });

  it("action types without allowedRoles may target any role", () => {
    const { result } = checkPersona(spec, "crm.update", person({ title: "Sales Manager" }));
    expect(result.result).toBe("pass");
  });

  it("allowedRoles per action type come from the spec", () => {
    const strict = specWith((raw) => {
      raw.personas.allowedRoles["email.send"] = ["decision_maker"];
    });
    expect(checkPersona(strict, "email.send", person({ title: "VP Sales" })).result.result).toBe("fail");
    expect(checkPersona(strict, "email.send", person({ title: "CEO" })).result.result).toBe("pass");
    // LinkedIn still allows champions.
    expect(checkPersona(strict, "linkedin.message", person({ title: "VP Sales" })).result.result).toBe(
      "pass",
    );
  });

  it("a changed spec re-classifies (no stale cache across specs)", () => {
    const juniorVps = specWith((raw) => {
      raw.personas.rules[1].role = "too_junior";
    });
    expect(classifyTitle(spec, "VP Sales")?.role).toBe("champion");
    expect(classifyTitle(juniorVps, "VP Sales")?.role).toBe("too_junior");
    expect(classifyTitle(spec, "VP Sales")?.role).toBe("champion");
  });
});

describe("the persona trace names no personal data", () => {
  // Trace entries are stored unsealed and archived; the title is personal and lives in the sealed context.
  it.each([
    ["VP Sales", "email.send"],
    ["Sales Manager", "email.send"],
    ["Account Executive", "email.send"],
    ["Marketing Intern", "linkedin.message"],
  ])("%s for %s", (title, actionType) => {
    const { result } = checkPersona(spec, actionType, person({ title }));
    expect(result.detail.toLowerCase()).not.toContain(title.toLowerCase());
  });
});
