import { describe, expect, it } from "vitest";
import {
  checkConfidence,
  checkContent,
  checkIntent,
  computeIntent,
  describeIntent,
  scoreContent,
} from "../../shared/domain/checks/quality.ts";
import type { Signal } from "../../shared/domain/kb.ts";
import { account, DAY, defaultSpec, GOOD_BODY, HOUR, NOW, person, specWith } from "./helpers/fixtures.ts";

const spec = defaultSpec();
const sig = (type: string, ago: number): Signal => ({ type, occurredAt: new Date(NOW - ago).toISOString() });
const intentOf = (signals: Signal[], s = spec) => computeIntent(s, account({ signals }), NOW);

describe("check: intent (computed from KB signals and the spec's weights)", () => {
  it("three pricing-page visits in a week score 75 and pass", () => {
    const reading = intentOf([
      sig("pricing_page_visit", HOUR),
      sig("pricing_page_visit", 2 * DAY),
      sig("pricing_page_visit", 6 * DAY),
    ]);
    expect(reading).toEqual({
      score: 75,
      counted: [{ type: "pricing_page_visit", count: 3, weight: 25, windowDays: 7 }],
    });
    expect(checkIntent(spec, reading)).toEqual({
      check: "intent",
      rule: "quality.minIntent",
      result: "pass",
      detail: "intent 75 ≥ 60: pricing page visit ×3 in 7 days (+75)",
    });
  });

  it("two pricing-page visits score 50 and block", () => {
    const r = checkIntent(spec, intentOf([sig("pricing_page_visit", HOUR), sig("pricing_page_visit", DAY)]));
    expect(r).toMatchObject({ check: "intent", result: "fail", effect: "block" });
    expect(r.detail).toMatch(/^intent 50 < 60/);
  });

  it("only counts signals inside each type's window (exactly windowDays ago is out) and not in the future", () => {
    const reading = intentOf([
      sig("pricing_page_visit", 7 * DAY),
      sig("pricing_page_visit", 7 * DAY - 1000),
      sig("pricing_page_visit", 8 * DAY),
      sig("pricing_page_visit", -HOUR),
      sig("demo_request", 13 * DAY),
    ]);
    expect(reading.score).toBe(25 + 60);
    expect(reading.counted).toEqual([
      { type: "pricing_page_visit", count: 1, weight: 25, windowDays: 7 },
      { type: "demo_request", count: 1, weight: 60, windowDays: 14 },
    ]);
  });

  it("caps at 100 and ignores unknown signal types", () => {
    const reading = intentOf([
      sig("demo_request", HOUR),
      sig("demo_request", DAY),
      sig("tweeted_at_us", HOUR),
    ]);
    expect(reading.score).toBe(100);
    expect(reading.counted.map((c) => c.type)).toEqual(["demo_request"]);
  });

  it("no signals: score 0 and says so", () => {
    const reading = intentOf([]);
    expect(reading).toEqual({ score: 0, counted: [] });
    expect(describeIntent(reading)).toBe("no intent signals in any window");
  });

  it("a negative weight (a refit's) lowers intent and is described with its sign", () => {
    const spec = specWith((raw) => {
      raw.quality.signals.blog_visit.weight = -10;
    });
    const reading = intentOf(
      [sig("pricing_page_visit", HOUR), sig("blog_visit", HOUR), sig("blog_visit", DAY)],
      spec,
    );
    expect(reading.score).toBe(5);
    expect(describeIntent(reading)).toBe(
      "pricing page visit ×1 in 7 days (+25), blog visit ×2 in 7 days (-20)",
    );
  });

  it("a type's maxCount (a refit's cap) counts that many occurrences at most, and says how many were seen", () => {
    const capped = specWith((raw) => {
      raw.quality.signals.blog_visit = { weight: 4, windowDays: 7, maxCount: 3 };
    });
    const visits = Array.from({ length: 9 }, (_, i) => sig("blog_visit", (i + 1) * HOUR));
    const reading = intentOf(visits, capped);
    expect(reading).toEqual({
      score: 12,
      counted: [{ type: "blog_visit", count: 3, weight: 4, windowDays: 7, seen: 9 }],
    });
    expect(describeIntent(reading)).toBe("blog visit ×3 (of 9) in 7 days (+12)");
    // Without the cap, every one counts; at or under it, nothing changes.
    expect(intentOf(visits).counted[0]).toMatchObject({ count: 9 });
    expect(intentOf(visits.slice(0, 2), capped).counted).toEqual([
      { type: "blog_visit", count: 2, weight: 4, windowDays: 7 },
    ]);
  });

  it("re-weighting the spec changes the score", () => {
    const heavier = specWith((raw) => {
      raw.quality.signals.pricing_page_visit.weight = 40;
    });
    expect(intentOf([sig("pricing_page_visit", HOUR), sig("pricing_page_visit", DAY)], heavier).score).toBe(
      80,
    );
  });
});

describe("check: content quality", () => {
  const score = (payload: Record<string, unknown>, s = spec) => scoreContent(s, payload, account(), person());
  const check = (payload: Record<string, unknown>, s = spec) => checkContent(s, score(payload, s));

  it("a clean, grounded message scores 100 and passes", () => {
    expect(score({ subject: "Your pricing research", body: GOOD_BODY })).toEqual({
      score: 100,
      problems: [],
    });
    expect(check({ body: GOOD_BODY })).toEqual({
      check: "content_quality",
      rule: "quality.minContentQuality",
      result: "pass",
      detail: "content quality 100 ≥ 70",
    });
  });

  it("a payload without a body scores 0", () => {
    expect(score({ subject: "hi" })).toEqual({ score: 0, problems: ["the payload has no message body"] });
    expect(score({ body: 42 })).toEqual({ score: 0, problems: ["the payload has no message body"] });
    expect(check({})).toMatchObject({ result: "fail", effect: "block" });
  });

  it("unresolved placeholders in the body or the subject block", () => {
    for (const body of [
      `Hi {{first_name}}, ${GOOD_BODY}`,
      `${GOOD_BODY} Best wishes to everyone at [Company].`,
      `${GOOD_BODY} Cheers from <FIRST_NAME>.`,
      `${GOOD_BODY} [first name]`,
    ]) {
      const r = check({ body });
      expect(r.result, body).toBe("fail");
      expect(r.effect).toBe("block");
      expect(r.detail).toContain("unresolved placeholder");
    }
    expect(check({ subject: "Quick idea for {{company}}", body: GOOD_BODY }).result).toBe("fail");
  });

  it("a banned phrase is reported, whatever its case", () => {
    const r = score({ body: `${GOOD_BODY} Act NOW for guaranteed results.` });
    expect(r.problems).toEqual(['banned phrase "guaranteed results"', 'banned phrase "act now"']);
    expect(r.score).toBeLessThan(spec.quality.minContentQuality);
  });

  it("a single banned phrase fails the content check under the default spec", () => {
    const r = check({ body: `${GOOD_BODY} We offer guaranteed results.` });
    expect(r.detail).toContain('banned phrase "guaranteed results"');
    expect(r).toMatchObject({ result: "fail", effect: "block" });
  });

  it("body length outside the spec's bounds is a problem", () => {
    const short = score({ body: "Hi Jane, quick note." });
    expect(short.problems).toEqual(["body length 20 outside 40-1500"]);
    expect(short.score).toBe(70);
    expect(score({ body: `Hi Jane, ${"x".repeat(1600)}` }).problems[0]).toMatch(
      /^body length 1609 outside 40-1500/,
    );
  });

  it("greeting the recipient by a different first name blocks", () => {
    const r = check({ body: GOOD_BODY.replace("Jane", "John") });
    expect(r).toMatchObject({ result: "fail", effect: "block" });
    expect(r.detail).toContain(`greets "John" but the recipient's first name on file differs`);
    // Case does not matter; generic greetings are fine.
    expect(check({ body: GOOD_BODY.replace("Hi Jane", "hello JANE") }).result).toBe("pass");
    expect(check({ body: GOOD_BODY.replace("Jane", "there") }).result).toBe("pass");
    expect(check({ body: GOOD_BODY.replace("Hi Jane", "Hey team") }).result).toBe("pass");
  });

  it("naming another company than the account on file blocks", () => {
    const r = check({ body: GOOD_BODY, companyName: "Globex" });
    expect(r.result).toBe("fail");
    expect(r.detail).toContain("names a company other than the account on file");
    expect(check({ body: GOOD_BODY, companyName: "acme analytics" }).result).toBe("pass");
  });

  describe("link allowlist", () => {
    const allowlisted = specWith((raw) => {
      raw.quality.content.linkAllowlist = ["acme-vendor.com"];
    });

    it("an empty allowlist allows any link", () => {
      expect(check({ body: `${GOOD_BODY} https://anything.example.org/x` }).result).toBe("pass");
    });

    it("allows the listed domain and its subdomains", () => {
      expect(check({ body: `${GOOD_BODY} https://acme-vendor.com/case` }, allowlisted).result).toBe("pass");
      expect(check({ body: `${GOOD_BODY} https://Docs.Acme-Vendor.com/x` }, allowlisted).result).toBe("pass");
    });

    it("blocks other domains, including look-alikes", () => {
      for (const link of [
        "https://evil.com/x",
        "http://acme-vendor.com.evil.com/x",
        "https://evilacme-vendor.com",
      ]) {
        const r = check({ body: `${GOOD_BODY} ${link}` }, allowlisted);
        expect(r.result, link).toBe("fail");
        expect(r.detail).toContain("is not on the allowlist");
      }
    });

    it("blocks a link whose real host hides behind allowlisted userinfo (https://allowed@evil)", () => {
      // Browsers open evil.com here: "acme-vendor.com" is only the userinfo part of the URL.
      const r = check({ body: `${GOOD_BODY} https://acme-vendor.com@evil.com/login` }, allowlisted);
      expect(r.result).toBe("fail");
    });

    it("checks links in the subject too, each one", () => {
      const r = score({ subject: "see https://a.com", body: `${GOOD_BODY} https://b.com` }, allowlisted);
      expect(r.problems).toEqual([
        "link to a.com is not on the allowlist",
        "link to b.com is not on the allowlist",
      ]);
      expect(r.score).toBe(20);
    });
  });

  it("the score never goes below 0", () => {
    const r = score({
      body: `Hi John {{x}} act now guaranteed results 100% free quick call?`,
      companyName: "Globex",
    });
    expect(r.score).toBe(0);
    expect(r.problems.length).toBeGreaterThan(4);
  });
});

describe("check: confidence", () => {
  it("at or above the threshold passes", () => {
    expect(checkConfidence(spec, 0.6)).toEqual({
      check: "confidence",
      rule: "quality.reviewBelowConfidence",
      result: "pass",
      detail: "agent confidence 0.6 ≥ 0.6",
    });
    expect(checkConfidence(spec, 1).result).toBe("pass");
  });

  it("below the threshold forces review (effect review, not block)", () => {
    expect(checkConfidence(spec, 0.59)).toEqual({
      check: "confidence",
      rule: "quality.reviewBelowConfidence",
      result: "fail",
      effect: "review",
      detail: "agent confidence 0.59 < 0.6: a human reviews",
    });
  });
});

describe("quality thresholds in shadow (quality.modes)", () => {
  const shadowed = specWith((raw) => {
    raw.quality.modes = { minIntent: "shadow", reviewBelowConfidence: "shadow" };
  });

  it("a shadow threshold records its failure flagged shadow, with its effect", () => {
    expect(checkIntent(shadowed, { score: 10, counted: [] })).toMatchObject({
      rule: "quality.minIntent",
      result: "fail",
      effect: "block",
      shadow: true,
    });
    expect(checkConfidence(shadowed, 0.1)).toMatchObject({
      rule: "quality.reviewBelowConfidence",
      result: "fail",
      effect: "review",
      shadow: true,
    });
  });

  it("an enforced threshold is not flagged", () => {
    expect(checkContent(shadowed, { score: 0, problems: [] }).shadow).toBeUndefined();
  });
});
