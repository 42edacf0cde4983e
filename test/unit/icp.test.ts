import { describe, expect, it } from "vitest";
import { checkIcp } from "../../shared/domain/checks/icp.ts";
import { account, defaultSpec, NOW, specWith, t } from "./helpers/fixtures.ts";

const spec = defaultSpec();
/** The ICP field entries (one per field the spec sets) read as one answer: fails when any fails. */
const fitOf = (acc = account(), s = spec, now = NOW) => {
  const fields = checkIcp(s, acc, now).filter((c) => c.rule === undefined || c.rule.startsWith("icp."));
  const misses = fields.filter((c) => c.result === "fail");
  return {
    result: misses.length > 0 ? "fail" : "pass",
    detail: (misses.length > 0 ? misses : fields).map((c) => c.detail).join("; "),
  };
};
/** The entry of one named rule. */
const entry = (s: typeof spec, acc: ReturnType<typeof account>, now: number, rule: string) =>
  checkIcp(s, acc, now).find((c) => c.rule === rule);

describe("check: ICP fit (default spec: B2B software, 50-5,000 employees)", () => {
  it("passes an in-ICP account: one entry per field the spec sets, under its fixed rule name", () => {
    expect(checkIcp(spec, account(), NOW)).toEqual([
      { check: "icp", rule: "icp.industries", result: "pass", detail: "industry Software" },
      { check: "icp", rule: "icp.employees", result: "pass", detail: "250 employees" },
    ]);
  });

  it("employee range is inclusive at both ends", () => {
    expect(fitOf(account({ employees: 49 })).result).toBe("fail");
    expect(fitOf(account({ employees: 50 })).result).toBe("pass");
    expect(fitOf(account({ employees: 5000 })).result).toBe("pass");
    expect(fitOf(account({ employees: 5001 })).result).toBe("fail");
  });

  it("a 10-person company is blocked, naming the range", () => {
    const r = entry(spec, account({ employees: 10 }), NOW, "icp.employees");
    expect(r).toMatchObject({ check: "icp", rule: "icp.employees", result: "fail", effect: "block" });
    expect(r?.detail).toBe("10 employees is outside 50-5000");
  });

  it("industry matching ignores case and whitespace; other industries fail", () => {
    expect(fitOf(account({ industry: " saas " })).result).toBe("pass");
    const r = fitOf(account({ industry: "Healthcare" }));
    expect(r.result).toBe("fail");
    expect(r.detail).toContain("industry Healthcare is not one of Software, SaaS");
  });

  it("reports every miss", () => {
    const r = fitOf(account({ industry: "Retail", employees: 20_000 }));
    expect(r.detail).toContain("industry Retail");
    expect(r.detail).toContain("20000 employees is outside 50-5000");
  });

  it("with no criteria every account fits", () => {
    const open = specWith((raw) => {
      raw.icp = {};
    });
    expect(checkIcp(open, account({ industry: "Mining", employees: 1 }), NOW)).toEqual([
      { check: "icp", result: "pass", detail: "Acme Analytics: no ICP criteria set" },
    ]);
  });

  it("checks countries, tech stack and funding stage when the spec sets them", () => {
    const s = specWith((raw) => {
      raw.icp.countries = ["US", "CA"];
      raw.icp.techStackAnyOf = ["Salesforce", "HubSpot"];
      raw.icp.fundingStages = ["Series A", "Series B"];
    });
    const good = account({ country: "CA", techStack: ["hubspot", "Slack"], fundingStage: "series b" });
    expect(fitOf(good, s)).toMatchObject({ result: "pass" });
    expect(fitOf(good, s).detail).toContain("uses hubspot");
    const bad = fitOf(account({ country: "DE", techStack: ["Pipedrive"] }), s);
    expect(bad.result).toBe("fail");
    expect(bad.detail).toContain("country DE is not one of US, CA");
    expect(bad.detail).toContain("tech stack has none of Salesforce, HubSpot");
    expect(bad.detail).toContain("funding stage unknown is not one of Series A, Series B");
    // An account with no tech stack on file does not match a tech-stack rule.
    expect(fitOf(account({ country: "US", fundingStage: "Series A" }), s).result).toBe("fail");
  });
});

describe("check: ICP exclusions", () => {
  const withExclusions = (exclusions: unknown[]) =>
    specWith((raw) => {
      raw.icp.exclusions = exclusions;
      raw.icp.industries.push("Healthcare");
    });

  it("an exclusion without days always applies", () => {
    const s = withExclusions([{ name: "no-competitor-stack", field: "techStack", in: ["RivalCRM"] }]);
    const results = checkIcp(s, account({ techStack: ["Slack", "rivalcrm"] }), NOW);
    expect(results).toHaveLength(3);
    expect(results[2]).toEqual({
      check: "icp",
      rule: "no-competitor-stack",
      result: "fail",
      effect: "block",
      shadow: false,
      detail: "techStack rivalcrm is excluded",
    });
    expect(entry(s, account({ techStack: ["Slack"] }), NOW, "no-competitor-stack")).toMatchObject({
      result: "pass",
      detail: "techStack is not excluded",
    });
  });

  it("excludes by domain, country and funding stage", () => {
    const s = withExclusions([
      { name: "d", field: "domain", in: ["acme.io"] },
      { name: "c", field: "country", in: ["FR"] },
      { name: "f", field: "fundingStage", in: ["Seed"] },
    ]);
    const r = checkIcp(s, account(), NOW);
    expect(r.map((x) => x.result)).toEqual(["pass", "pass", "fail", "pass", "pass"]);
    // No funding stage on file: a funding-stage exclusion cannot match.
    expect(
      checkIcp(s, account({ domain: "x.io", country: "FR", fundingStage: "seed" }), NOW).map((x) => x.result),
    ).toEqual(["pass", "pass", "pass", "fail", "fail"]);
  });

  describe("time-based: no healthcare on Fridays (in the workspace time zone, America/New_York)", () => {
    const s = withExclusions([
      { name: "no-healthcare-fridays", field: "industry", in: ["Healthcare"], onDays: ["fri"] },
    ]);
    const healthcare = account({ industry: "Healthcare" });

    it("applies on Friday 22:00 New York time although it is already Saturday in UTC", () => {
      const fridayNight = t("2026-03-21T02:00:00Z");
      const r = entry(s, healthcare, fridayNight, "no-healthcare-fridays")!;
      expect(r).toMatchObject({ rule: "no-healthcare-fridays", result: "fail", effect: "block" });
      expect(r.detail).toBe("industry Healthcare is excluded on fri");
    });

    it("is not applicable on Thursday 23:00 New York time although it is already Friday in UTC", () => {
      const thursdayNight = t("2026-03-20T03:00:00Z");
      expect(entry(s, healthcare, thursdayNight, "no-healthcare-fridays")).toEqual({
        check: "icp",
        rule: "no-healthcare-fridays",
        result: "n/a",
        shadow: false,
        detail: "applies only on fri",
      });
    });

    it("passes a non-excluded industry on Friday", () => {
      expect(entry(s, account(), t("2026-03-20T16:00:00Z"), "no-healthcare-fridays")?.result).toBe("pass");
    });

    it("uses the workspace zone, not the account's", () => {
      // Friday 20:00 in New York is Saturday 09:00 in Tokyo: the rule still applies.
      const tokyo = account({ industry: "Healthcare", timezone: "Asia/Tokyo" });
      expect(entry(s, tokyo, t("2026-03-21T00:00:00Z"), "no-healthcare-fridays")?.result).toBe("fail");
    });
  });

  it("a shadow exclusion is recorded as shadow (it never changes a verdict)", () => {
    const s = withExclusions([{ name: "maybe-no-fr", field: "country", in: ["US"], mode: "shadow" }]);
    const r = entry(s, account(), NOW, "maybe-no-fr");
    expect(r).toMatchObject({ rule: "maybe-no-fr", result: "fail", effect: "block", shadow: true });
  });

  it("the field rules and the exclusions are independent entries", () => {
    const s = withExclusions([{ name: "x", field: "industry", in: ["Healthcare"] }]);
    const r = checkIcp(s, account({ industry: "Healthcare", employees: 10 }), NOW);
    expect(r.map((c) => [c.rule, c.result])).toEqual([
      ["icp.industries", "pass"],
      ["icp.employees", "fail"],
      ["x", "fail"],
    ]);
  });
});

describe("ICP field rules in shadow (icp.modes)", () => {
  it("a field in shadow records its miss flagged shadow; other fields stay enforced", () => {
    const s = specWith((raw) => {
      raw.icp.modes = { employees: "shadow" };
    });
    expect(checkIcp(s, account({ employees: 10, industry: "Retail" }), NOW)).toEqual([
      {
        check: "icp",
        rule: "icp.industries",
        result: "fail",
        effect: "block",
        detail:
          "industry Retail is not one of Software, SaaS, Computer Software, Internet, Information Technology",
      },
      {
        check: "icp",
        rule: "icp.employees",
        result: "fail",
        shadow: true,
        effect: "block",
        detail: "10 employees is outside 50-5000",
      },
    ]);
  });

  it("an unknown key in icp.modes is refused, naming its path", () => {
    expect(() =>
      specWith((raw) => {
        raw.icp.modes = { employes: "shadow" };
      }),
    ).toThrow(/icp\.modes\.employes: unknown rule "employes"/);
  });
});
