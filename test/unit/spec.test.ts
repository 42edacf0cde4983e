import { describe, expect, it } from "vitest";
import { classifyTitle } from "../../shared/domain/checks/persona.ts";
import { checkIntent, computeIntent } from "../../shared/domain/checks/quality.ts";
import { ValidationError } from "../../shared/domain/errors.ts";
import { canonicalJson, parseSpec, specHash } from "../../shared/domain/spec-loader.ts";
import { parseSpecText } from "../../shared/domain/spec-text.ts";
import { formatPath, toIssues } from "../../shared/domain/validation.ts";
import {
  account,
  defaultSpec,
  defaultSpecText,
  NOW,
  pricingVisits,
  rawDefaultSpec,
} from "./helpers/fixtures.ts";

/** The issues of the ValidationError `fn` throws (fails the test when it does not throw one). */
function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error("expected a ValidationError");
}

const invalid = (edit: (raw: Record<string, any>) => void) => {
  const raw = rawDefaultSpec();
  edit(raw);
  return issuesOf(() => parseSpec(raw));
};

/** Rebuild a value with every object's keys in reverse order. */
const reverseKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(reverseKeys);
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .reverse()
        .map(([k, v]) => [k, reverseKeys(v)]),
    );
  return value;
};

describe("spec: the shipped default spec", () => {
  const spec = defaultSpec();

  it("is valid and names its workspace time zone", () => {
    expect(spec.name).toBe("default");
    expect(spec.workspace.timezone).toBe("America/New_York");
  });

  it("encodes the ICP: B2B software companies of 50-5,000 employees", () => {
    expect(spec.icp.employees).toEqual({ min: 50, max: 5000 });
    expect(spec.icp.industries).toEqual(expect.arrayContaining(["Software", "SaaS"]));
    expect(spec.icp.exclusions).toEqual([]);
  });

  it("maps C-level to decision maker, VP to champion, Manager to too junior", () => {
    for (const title of ["CEO", "Chief Revenue Officer", "CTO", "Co-founder", "President"])
      expect(classifyTitle(spec, title)?.role, title).toBe("decision_maker");
    for (const title of ["VP Sales", "Vice President, Marketing", "Head of Growth"])
      expect(classifyTitle(spec, title)?.role, title).toBe("champion");
    expect(classifyTitle(spec, "Director of Engineering")?.role).toBe("influencer");
    for (const title of ["Sales Manager", "Marketing Associate", "Team Lead", "Intern"])
      expect(classifyTitle(spec, title)?.role, title).toBe("too_junior");
    // "Vice President" contains "president": it must still be a VP, not C-level.
    expect(classifyTitle(spec, "Senior Vice President of Sales")?.role).toBe("champion");
    // Too junior may not be targeted by outreach.
    expect(spec.personas.allowedRoles["email.send"]).not.toContain("too_junior");
    expect(spec.personas.allowedRoles["linkedin.message"]).not.toContain("too_junior");
  });

  it("senior VP abbreviations (SVP, EVP) are VPs, not unmatched titles", () => {
    expect(classifyTitle(spec, "SVP Sales")?.role).toBe("champion");
    expect(classifyTitle(spec, "EVP, Revenue")?.role).toBe("champion");
  });

  it("three pricing-page visits in a week clear minIntent (75 >= 60), two do not (50)", () => {
    expect(spec.quality.minIntent).toBe(60);
    const three = computeIntent(spec, account({ signals: pricingVisits(NOW, 3) }), NOW);
    expect(three.score).toBe(75);
    expect(checkIntent(spec, three).result).toBe("pass");
    const two = computeIntent(spec, account({ signals: pricingVisits(NOW, 2) }), NOW);
    expect(two.score).toBe(50);
    expect(checkIntent(spec, two).result).toBe("fail");
  });

  it("encodes the article's collision rules", () => {
    const co = spec.coordination;
    expect(co.frequencyCaps).toEqual([
      {
        name: "one-touch-per-account-per-day",
        max: 1,
        window: { calendarDays: 1 },
        scope: "account",
        mode: "enforce",
      },
    ]);
    expect(co.cooldowns).toEqual([
      { name: "email-72h", after: "email", hours: 72, scope: "account", mode: "enforce" },
      { name: "linkedin-48h", after: "linkedin", hours: 48, scope: "account", mode: "enforce" },
    ]);
    expect(co.channelDiversity).toEqual([
      { name: "different-channels-within-a-week", windowDays: 7, scope: "account", mode: "enforce" },
    ]);
  });

  it("declares touches with channels and levels, and defaults what it omits", () => {
    const email = spec.autonomy.actions["email.send"];
    expect(email).toMatchObject({ kind: "touch", channel: "email", maxLevel: 3, startLevel: 1 });
    expect(email?.overrideWindowMinutes).toBe(30);
    expect(email?.approvalTimeoutHours).toBe(24);
    // linkedin.audience.add omits approvalTimeoutHours: the schema default applies.
    expect(spec.autonomy.actions["linkedin.audience.add"]?.approvalTimeoutHours).toBe(24);
    expect(spec.autonomy.actions["crm.update"]).toMatchObject({ kind: "record", startLevel: 3 });
    expect(spec.suppression.blockLifecycles).toEqual(["customer", "open_opportunity"]);
    expect(spec.trust.outcomes.complaint).toEqual({ success: 0, failure: 3, severe: true });
  });

  it("applies schema defaults when optional sections are omitted", () => {
    const raw = rawDefaultSpec();
    delete raw.suppression;
    delete raw.outcomes;
    delete raw.name;
    delete raw.coordination.quietHours;
    const spec2 = parseSpec(raw);
    expect(spec2.name).toBe("default");
    expect(spec2.suppression).toEqual({
      blockLifecycles: ["customer", "open_opportunity"],
      competitorDomains: [],
    });
    expect(spec2.outcomes.attributionWindowDays).toBe(14);
    expect(spec2.coordination.quietHours).toEqual([]);
  });

  it("parses JSON as well as YAML", () => {
    const fromJson = parseSpecText(JSON.stringify(rawDefaultSpec()));
    expect(specHash(fromJson)).toBe(specHash(spec));
  });
});

describe("spec: invalid specs give errors naming the path", () => {
  it("a cooldown on an unknown channel names coordination.cooldowns[1].after", () => {
    const issues = invalid((raw) => {
      raw.coordination.cooldowns[1].after = "fax";
    });
    expect(issues.map((i) => i.path)).toEqual(["coordination.cooldowns[1].after"]);
    expect(issues[0]?.message).toBeTruthy();
  });

  it("the error message itself names the path", () => {
    const raw = rawDefaultSpec();
    raw.coordination.cooldowns[1].after = "fax";
    expect(() => parseSpec(raw)).toThrow(/coordination\.cooldowns\[1\]\.after/);
  });

  it("crm.lifecycleStages maps a CRM's own stages to the harness's lifecycles, and names one it does not know", () => {
    const raw = rawDefaultSpec();
    raw.crm = { lifecycleStages: { "1234567": "customer", churned: "prospect" } };
    expect(parseSpec(raw).crm?.lifecycleStages).toEqual({ "1234567": "customer", churned: "prospect" });
    expect(defaultSpec().crm).toBeUndefined();
    const issues = invalid((r) => {
      r.crm = { lifecycleStages: { "1234567": "client" } };
    });
    expect(issues.map((i) => i.path)).toEqual(["crm.lifecycleStages.1234567"]);
  });

  it("a bad time zone names workspace.timezone", () => {
    const issues = invalid((raw) => {
      raw.workspace.timezone = "Mars/Olympus_Mons";
    });
    expect(issues).toEqual([
      { path: "workspace.timezone", message: expect.stringMatching(/IANA time zone/) },
    ]);
  });

  it("startLevel above maxLevel names the action's startLevel", () => {
    const issues = invalid((raw) => {
      raw.autonomy.actions["email.send"].maxLevel = 2;
      raw.autonomy.actions["email.send"].startLevel = 3;
    });
    expect(issues).toEqual([
      { path: "autonomy.actions.email.send.startLevel", message: "startLevel must not exceed maxLevel" },
    ]);
  });

  it("a touch without a channel names its channel", () => {
    const issues = invalid((raw) => {
      delete raw.autonomy.actions["linkedin.message"].channel;
    });
    expect(issues.map((i) => i.path)).toEqual(["autonomy.actions.linkedin.message.channel"]);
  });

  it("quiet hours with a bad time of day name the field", () => {
    const issues = invalid((raw) => {
      raw.coordination.quietHours = [{ name: "nights", start: "25:00", end: "08:00" }];
    });
    expect(issues.map((i) => i.path)).toEqual(["coordination.quietHours[0].start"]);
  });

  it("an employee range with min above max names icp.employees", () => {
    const issues = invalid((raw) => {
      raw.icp.employees = { min: 6000, max: 5000 };
    });
    expect(issues).toEqual([{ path: "icp.employees", message: "min must not exceed max" }]);
  });

  it("an invalid title regex names the pattern", () => {
    const issues = invalid((raw) => {
      raw.personas.rules[2].titlePatterns = ["(unclosed"];
    });
    expect(issues.map((i) => i.path)).toEqual(["personas.rules[2].titlePatterns[0]"]);
  });

  it("allowedRoles for an undeclared action type names it", () => {
    const issues = invalid((raw) => {
      raw.personas.allowedRoles["sms.send"] = ["champion"];
    });
    expect(issues).toEqual([
      {
        path: "personas.allowedRoles.sms.send",
        message: 'action type "sms.send" is not declared under autonomy.actions',
      },
    ]);
  });

  it("an unknown key is rejected (strict objects)", () => {
    const issues = invalid((raw) => {
      raw.icp.headcount = 10;
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("icp");
    expect(issues[0]?.message).toMatch(/headcount/);
  });

  it("a frequency cap window must be calendarDays or rollingHours", () => {
    const issues = invalid((raw) => {
      raw.coordination.frequencyCaps[0].window = { weeks: 1 };
    });
    expect(issues.map((i) => i.path)).toEqual(["coordination.frequencyCaps[0].window"]);
  });

  it("reports every problem at once", () => {
    const issues = invalid((raw) => {
      raw.workspace.timezone = "Nowhere/Land";
      raw.quality.minIntent = 120;
      raw.coordination.cooldowns[0].hours = -1;
    });
    expect(issues.map((i) => i.path).sort()).toEqual([
      "coordination.cooldowns[0].hours",
      "quality.minIntent",
      "workspace.timezone",
    ]);
  });

  it("YAML that does not parse is a ValidationError on the whole document", () => {
    const issues = issuesOf(() => parseSpecText("workspace: [unclosed"));
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("");
    expect(issues[0]?.message).toMatch(/not valid YAML or JSON/);
  });

  it("an empty document is rejected", () => {
    expect(() => parseSpecText("")).toThrow(ValidationError);
  });
});

describe("spec: validation path formatting", () => {
  it("formats zod paths with dots and brackets", () => {
    expect(formatPath(["coordination", "cooldowns", 1, "after"])).toBe("coordination.cooldowns[1].after");
    expect(formatPath([0, "name"])).toBe("[0].name");
    expect(formatPath([])).toBe("");
    expect(formatPath(["a", 0, 1, "b"])).toBe("a[0][1].b");
  });
});

describe("spec: hashing", () => {
  const spec = defaultSpec();

  it("is a stable 16-hex-digit hash", () => {
    expect(specHash(spec)).toMatch(/^[0-9a-f]{16}$/);
    expect(specHash(defaultSpec())).toBe(specHash(spec));
  });

  it("does not depend on key order", () => {
    const reordered = reverseKeys(spec) as typeof spec;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(spec));
    expect(specHash(reordered)).toBe(specHash(spec));
    // Also when the document itself was written in another order.
    const fromReordered = parseSpec(reverseKeys(rawDefaultSpec()));
    expect(specHash(fromReordered)).toBe(specHash(spec));
  });

  it("changes when any rule changes", () => {
    const raw = rawDefaultSpec();
    raw.coordination.cooldowns[0].hours = 71;
    expect(specHash(parseSpec(raw))).not.toBe(specHash(spec));
  });

  it("depends on array order (rule order is meaningful: first persona match wins)", () => {
    const raw = rawDefaultSpec();
    raw.personas.rules.reverse();
    expect(specHash(parseSpec(raw))).not.toBe(specHash(spec));
  });

  it("canonicalJson sorts keys at every depth and drops undefined values", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: undefined })).toBe(canonicalJson({ a: 1 }));
    expect(canonicalJson("x")).toBe('"x"');
    expect(canonicalJson([3, 1])).toBe("[3,1]");
  });

  it("the shipped text parses to the same spec every time", () => {
    expect(parseSpecText(defaultSpecText)).toEqual(spec);
  });
});

describe("spec: toIssues", () => {
  it("prefixes paths, and uses the prefix alone for root issues", () => {
    const fakeError = {
      issues: [
        { path: ["a", 0], message: "m1" },
        { path: [], message: "m2" },
      ],
    } as unknown as Parameters<typeof toIssues>[0];
    expect(toIssues(fakeError, "body")).toEqual([
      { path: "body.a[0]", message: "m1" },
      { path: "body", message: "m2" },
    ]);
    expect(toIssues(fakeError)).toEqual([
      { path: "a[0]", message: "m1" },
      { path: "", message: "m2" },
    ]);
  });
});
