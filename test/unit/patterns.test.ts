/**
 * Spec persona patterns run in linear time (issue 7, M1). `(a+)+$` took 3.7 s per proposal on a
 * 27-character title with the backtracking engine, doubling with every character; the adversarial
 * titles below are far beyond what that engine could ever finish, so these tests only pass when the
 * engine is linear by construction. No timing is asserted.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { classifyTitle } from "../../shared/domain/checks/persona.ts";
import { ValidationError } from "../../shared/domain/errors.ts";
import { MAX_PATTERN_LENGTH, PatternCache } from "../../shared/domain/patterns.ts";
import { LinearPattern } from "../../shared/domain/regex/index.ts";
import { parseSpec } from "../../shared/domain/spec-loader.ts";
import { rawDefaultSpec, specWith } from "./helpers/fixtures.ts";

const hostile = () =>
  specWith((raw) => {
    raw.personas.rules[0].titlePatterns = ["(a+)+$"];
  });

function issuesOf(edit: (raw: Record<string, any>) => void) {
  const raw = rawDefaultSpec();
  edit(raw);
  try {
    parseSpec(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return (err as ValidationError).issues;
  }
  throw new Error("expected a ValidationError");
}

afterEach(() => vi.restoreAllMocks());

describe("persona patterns: linear-time matching", () => {
  it("(a+)+$ against a 200-character title gives the right answer", () => {
    const spec = hostile();
    // 199 a's then "!": the pattern cannot match (the a's do not reach the end), nor does any other rule.
    expect(classifyTitle(spec, `${"a".repeat(199)}!`)).toBeUndefined();
    // All a's: it matches, and the first rule wins.
    expect(classifyTitle(spec, "a".repeat(200))).toEqual({ name: "c-level", role: "decision_maker" });
  });

  it("completes for a 10,000-character adversarial title", () => {
    expect(classifyTitle(hostile(), `${"a".repeat(9_999)}!`)).toBeUndefined();
  });

  it("keeps case-insensitive matching and the shipped spec's lookbehind", () => {
    const spec = hostile();
    expect(classifyTitle(spec, "AAAA")?.name).toBe("c-level");
    expect(classifyTitle(spec, "Vice President, Sales")?.role).toBe("champion");
    expect(classifyTitle(spec, "President")).toBeUndefined(); // rule 0 was replaced by (a+)+$
  });

  it("compiles each pattern once, not once per decision (the gate reads a new spec object each time)", () => {
    const compile = vi.spyOn(LinearPattern, "compile");
    const source = "\\bchief of staff\\b";
    for (let i = 0; i < 20; i++) {
      const spec = specWith((raw) => {
        raw.personas.rules[0].titlePatterns = [source];
      });
      expect(classifyTitle(spec, "Chief of Staff")?.name).toBe("c-level");
    }
    // Validating 20 specs and matching in 20 decisions: compiled once.
    expect(compile.mock.calls.filter(([p]) => p === source)).toHaveLength(1);
  });
});

describe("pattern cache", () => {
  it("is bounded and keeps the most recently used", () => {
    const cache = new PatternCache(2);
    const a = cache.get("a");
    const b = cache.get("b");
    expect(cache.get("a")).toBe(a); // a is now the most recently used
    cache.get("c"); // evicts b
    expect(cache.size).toBe(2);
    expect(cache.get("a")).toBe(a);
    expect(cache.get("b")).not.toBe(b); // compiled again
  });

  it("keeps RE2's reason for a pattern it cannot compile, which never matches", () => {
    const entry = new PatternCache(4).get("(a)\\1");
    expect(entry.re).toBeUndefined();
    expect(entry.problem).toContain("\\1");
  });
});

describe("persona patterns: checked at publish", () => {
  it("rejects a backreference, naming the field", () => {
    const issues = issuesOf((raw) => {
      raw.personas.rules[2].titlePatterns = ["\\bdirector\\b", "(a)\\1"];
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("personas.rules[2].titlePatterns[1]");
    expect(issues[0]?.message).toMatch(/^not a linear-time \(RE2\) pattern: .*\\1/);
  });

  it("rejects lookahead", () => {
    const issues = issuesOf((raw) => {
      raw.personas.rules[0].titlePatterns = ["chief(?= officer)"];
    });
    expect(issues[0]?.path).toBe("personas.rules[0].titlePatterns[0]");
    expect(issues[0]?.message).toContain("not a linear-time (RE2) pattern");
  });

  it("bounds the length of a pattern and the number of patterns and rules", () => {
    const long = issuesOf((raw) => {
      raw.personas.rules[0].titlePatterns = ["x".repeat(MAX_PATTERN_LENGTH + 1)];
    });
    expect(long[0]?.path).toBe("personas.rules[0].titlePatterns[0]");
    const many = issuesOf((raw) => {
      raw.personas.rules[0].titlePatterns = Array.from({ length: 1_000 }, (_, i) => `title${i}`);
    });
    expect(many[0]?.path).toBe("personas.rules[0].titlePatterns");
    const rules = issuesOf((raw) => {
      raw.personas.rules = Array.from({ length: 1_000 }, (_, i) => ({
        name: `p${i}`,
        titlePatterns: [`t${i}`],
        role: "influencer",
      }));
    });
    expect(rules[0]?.path).toBe("personas.rules");
  });

  it("bounds the matching work of all title patterns together, naming the rules", () => {
    const heavy = "\\w{1000}".repeat(3); // ~3,000 instructions, valid alone
    const issues = issuesOf((raw) => {
      raw.personas.rules = Array.from({ length: 8 }, (_, i) => ({
        name: `p${i}`,
        titlePatterns: [heavy],
        role: "influencer",
      }));
    });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toBe("personas.rules");
    expect(issues[0]?.message).toMatch(/instructions, more than 20000/);
    // The shipped spec is far inside the bound.
    expect(() => parseSpec(rawDefaultSpec())).not.toThrow();
  });
});
