import { describe, expect, it } from "vitest";
import { checkIcp } from "../../shared/domain/checks/icp.ts";
import { account, defaultSpec, NOW, specWith, t } from "./helpers/fixtures.ts";

const spec = defaultSpec();
const fitOf = (acc = account(), s = spec, now = NOW) => checkIcp(s, acc, now)[0]!;

describe("check: ICP fit (default spec: B2B software, 50-5,000 employees)", () => {
  it("passes an in-ICP account with the matched criteria in the detail", () => {
    expect(checkIcp(spec, account(), NOW)).toEqual([
      {
        check: "icp",
        rule: "fit",
        result: "pass",
        detail: "Acme Analytics matches the ICP: industry Software, 250 employees",
      },
    ]);
  });

  it("employee range is inclusive at both ends", () => {
    expect(fitOf(account({ employees: 49 })).result).toBe("fail");
    expect(fitOf(account({ employees: 50 })).result).toBe("pass");
    expect(fitOf(account({ employees: 5000 })).result).toBe("pass");
    expect(fitOf(account({ employees: 5001 })).result).toBe("fail");
  });

  it("a 10-person company is blocked, naming the range", () => {
    const r = fitOf(account({ employees: 10 }));
    expect(r).toMatchObject({ check: "icp", rule: "fit", result: "fail", effect: "block" });
    expect(r.detail).toBe("Acme Analytics: 10 employees is outside 50-5000");
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
    expect(fitOf(account({ industry: "Mining", employees: 1 }), open)).toMatchObject({
      result: "pass",
      detail: "Acme Analytics matches the ICP: no criteria set",
    });
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
    expect(results).toHaveLength(2);
    expect(results[1]).toEqual({
      check: "icp",
      rule: "no-competitor-stack",
      result: "fail",
      effect: "block",
      shadow: false,
      detail: "techStack rivalcrm is excluded",
    });
    expect(checkIcp(s, account({ techStack: ["Slack"] }), NOW)[1]).toMatchObject({
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
    expect(r.map((x) => x.result)).toEqual(["pass", "fail", "pass", "pass"]);
    // No funding stage on file: a funding-stage exclusion cannot match.
    expect(
      checkIcp(s, account({ domain: "x.io", country: "FR", fundingStage: "seed" }), NOW).map((x) => x.result),
    ).toEqual(["pass", "pass", "fail", "fail"]);
  });

  describe("time-based: no healthcare on Fridays (in the workspace time zone, America/New_York)", () => {
    const s = withExclusions([
      { name: "no-healthcare-fridays", field: "industry", in: ["Healthcare"], onDays: ["fri"] },
    ]);
    const healthcare = account({ industry: "Healthcare" });

    it("applies on Friday 22:00 New York time although it is already Saturday in UTC", () => {
      const fridayNight = t("2026-03-21T02:00:00Z");
      const r = checkIcp(s, healthcare, fridayNight)[1]!;
      expect(r).toMatchObject({ rule: "no-healthcare-fridays", result: "fail", effect: "block" });
      expect(r.detail).toBe("industry Healthcare is excluded on fri");
    });

    it("is not applicable on Thursday 23:00 New York time although it is already Friday in UTC", () => {
      const thursdayNight = t("2026-03-20T03:00:00Z");
      expect(checkIcp(s, healthcare, thursdayNight)[1]).toEqual({
        check: "icp",
        rule: "no-healthcare-fridays",
        result: "n/a",
        shadow: false,
        detail: "applies only on fri",
      });
    });

    it("passes a non-excluded industry on Friday", () => {
      expect(checkIcp(s, account(), t("2026-03-20T16:00:00Z"))[1]?.result).toBe("pass");
    });

    it("uses the workspace zone, not the account's", () => {
      // Friday 20:00 in New York is Saturday 09:00 in Tokyo: the rule still applies.
      const tokyo = account({ industry: "Healthcare", timezone: "Asia/Tokyo" });
      expect(checkIcp(s, tokyo, t("2026-03-21T00:00:00Z"))[1]?.result).toBe("fail");
    });
  });

  it("a shadow exclusion is recorded as shadow (it never changes a verdict)", () => {
    const s = withExclusions([{ name: "maybe-no-fr", field: "country", in: ["US"], mode: "shadow" }]);
    const r = checkIcp(s, account(), NOW)[1];
    expect(r).toMatchObject({ rule: "maybe-no-fr", result: "fail", effect: "block", shadow: true });
  });

  it("the fit rule and the exclusions are independent entries", () => {
    const s = withExclusions([{ name: "x", field: "industry", in: ["Healthcare"] }]);
    const r = checkIcp(s, account({ industry: "Healthcare", employees: 10 }), NOW);
    expect(r.map((c) => [c.rule, c.result])).toEqual([
      ["fit", "fail"],
      ["x", "fail"],
    ]);
  });
});
