/**
 * Per-spec preparation (issue 8, deliverable 5): keyed by the spec version's hash, never shared by two
 * specs that differ, bounded, and giving the same answers as the unprepared checks.
 */
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkPersona, classifyTitle } from "../../shared/domain/checks/persona.ts";
import { computeIntent, scoreContent } from "../../shared/domain/checks/quality.ts";
import { compileUnion, withoutLookbehinds } from "../../shared/domain/patterns.ts";
import {
  classifyPrepared,
  keptSpec,
  PreparedSpecCache,
  personaMatches,
  preparedSpec,
  prepareSpec,
} from "../../shared/domain/prepared-spec.ts";
import { LinearPattern } from "../../shared/domain/regex/index.ts";
import { specHash } from "../../shared/domain/spec-loader.ts";
import type { Spec } from "../../shared/domain/spec-schema.ts";
import { account, DAY, defaultSpec, HOUR, NOW, person, specWith, version } from "./helpers/fixtures.ts";

afterEach(() => vi.restoreAllMocks());

const versionOf = (spec: Spec) => ({ hash: specHash(spec), spec });
/** The spec as DynamoDB would hand it over for another decision: equal content, a new object. */
const reread = (spec: Spec) => structuredClone(spec);

describe("prepared spec cache: keyed by spec hash", () => {
  it("prepares a spec once for every fresh object with its hash (the gate reads one per decision)", () => {
    const cache = new PreparedSpecCache(4);
    const spec = defaultSpec();
    const first = cache.get(versionOf(spec));
    for (let i = 0; i < 5; i++) expect(cache.get(versionOf(reread(spec)))).toBe(first);
    expect(cache.size).toBe(1);
  });

  it("never shares a preparation between specs with different weights or patterns", () => {
    const cache = new PreparedSpecCache(4);
    const base = defaultSpec();
    const heavier = specWith((raw) => {
      raw.quality.signals.pricing_page_visit.weight = 40;
    });
    const otherPattern = specWith((raw) => {
      raw.personas.rules[1].titlePatterns = ["\\bhead of\\b"];
    });
    const [a, b, c] = [base, heavier, otherPattern].map((s) => cache.get(versionOf(s)));
    expect(new Set([a, b, c]).size).toBe(3);
    expect(a?.intent.weights[0]).toBe(25);
    expect(b?.intent.weights[0]).toBe(40);
    expect(classifyPrepared(a!, "VP Sales")?.name).toBe("vp");
    expect(classifyPrepared(c!, "VP Sales")).toBeUndefined();
    // Each still answers as its own spec does after the others were prepared.
    const signals = [{ type: "pricing_page_visit", occurredAt: new Date(NOW - HOUR).toISOString() }];
    expect(computeIntent(base, account({ signals }), NOW, cache.get(versionOf(base)).intent).score).toBe(25);
    expect(
      computeIntent(heavier, account({ signals }), NOW, cache.get(versionOf(heavier)).intent).score,
    ).toBe(40);
  });

  it("gives a changed hash a fresh preparation, even for the same spec object", () => {
    const cache = new PreparedSpecCache(4);
    const spec = defaultSpec();
    const before = cache.get({ hash: "v1", spec });
    spec.quality.signals.pricing_page_visit!.weight = 30;
    const after = cache.get({ hash: "v2", spec });
    expect(after).not.toBe(before);
    expect(after.hash).toBe("v2");
    expect(after.intent.weights[0]).toBe(30);
    expect(before.intent.weights[0]).toBe(25);
    // Back to the first hash: its own (older) preparation, not the last one.
    expect(cache.get({ hash: "v1", spec: defaultSpec() })).toBe(before);
  });

  it("is bounded and evicts the least recently used", () => {
    const cache = new PreparedSpecCache(2);
    const spec = defaultSpec();
    const a = cache.get({ hash: "a", spec });
    const b = cache.get({ hash: "b", spec: reread(spec) });
    expect(cache.get({ hash: "a", spec: reread(spec) })).toBe(a); // a is now the most recently used
    cache.get({ hash: "c", spec: reread(spec) }); // evicts b
    expect(cache.size).toBe(2);
    expect(cache.get({ hash: "a", spec: reread(spec) })).toBe(a);
    expect(cache.get({ hash: "b", spec: reread(spec) })).not.toBe(b); // prepared again
    expect(cache.size).toBe(2);
  });

  it("the shared cache compiles a spec's patterns once, not once per decision", () => {
    const source = "\\bchief of staff\\b";
    const spec = specWith((raw) => {
      raw.personas.rules[0].titlePatterns = [source, "\\bowner\\b"];
    });
    const compile = vi.spyOn(LinearPattern, "compile");
    const version = versionOf(spec);
    for (let i = 0; i < 20; i++)
      expect(classifyPrepared(preparedSpec({ ...version, spec: reread(spec) }), "Chief of Staff")?.name).toBe(
        "c-level",
      );
    expect(compile.mock.calls.filter(([p]) => p.includes(source))).toHaveLength(1);
  });
});

describe("prepared spec: the same answers as the spec itself", () => {
  const spec = defaultSpec();
  const prepared = prepareSpec(spec);
  const words = ["VP", "Vice President", "vice-president", "President", "Chief", "Head of", "CTO", "CMO"];
  const more = [
    "Director",
    "Manager",
    "Sales",
    "Lead",
    "Founder",
    "SVP",
    "EVP",
    "Intern",
    "of",
    "x",
    " ",
    ",",
  ];

  it("classifies titles as classifyTitle does (persona rules as one alternation each)", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...words, ...more), { maxLength: 6 }), (parts) => {
        const title = parts.join(" ");
        expect(classifyPrepared(prepared, title)).toEqual(classifyTitle(spec, title));
      }),
      { numRuns: 500 },
    );
  });

  it("checks personas with shadow rules as the spec does, whichever rule is tried as enforced", () => {
    const withShadow = specWith((raw) => {
      raw.personas.rules.unshift({
        name: "ae",
        titlePatterns: ["\\baccount executive\\b", "\\bVP\\b"],
        role: "too_junior",
        mode: "shadow",
      });
    });
    const compiled = prepareSpec(withShadow).personas;
    const titles = fc.array(fc.constantFrom(...words, ...more, "Account Executive"), { maxLength: 6 });
    fc.assert(
      fc.property(titles, fc.constantFrom(undefined, "ae", "vp"), (parts, enforce) => {
        const p = person({ title: parts.join(" ") || "x" });
        expect(checkPersona(withShadow, "email.send", p, enforce, compiled)).toEqual(
          checkPersona(withShadow, "email.send", p, enforce),
        );
        expect(classifyPrepared(prepareSpec(withShadow), p.title, enforce)).toEqual(
          classifyTitle(withShadow, p.title, enforce),
        );
      }),
      { numRuns: 300 },
    );
  });

  it("keeps each pattern's alternatives and inline flags inside it", () => {
    const union = compileUnion(["^a|b$", "(?-i)Q"]);
    expect(union?.test("ab")).toBe(true);
    expect(union?.test("xa")).toBe(false); // ^a is anchored to the start
    expect(union?.test("q")).toBe(false); // the second pattern alone is case-sensitive
    expect(union?.test("xQ")).toBe(true);
    expect(compileUnion(["ok", "(a)\\1"])).toBeUndefined(); // one part does not compile alone
  });

  it("takes lookbehinds out of a pattern for the first test, and nothing else", () => {
    expect(withoutLookbehinds("(?<!vice[\\s-])\\bpresident\\b")).toBe("\\bpresident\\b");
    expect(withoutLookbehinds("a(?<=b(c|d)[)(])e|(?<!\\))f")).toBe("ae|f");
    expect(withoutLookbehinds("\\((?<!x)y)")).toBe("\\(y)"); // an escaped paren opens nothing
    expect(withoutLookbehinds("[(?<!]x")).toBeUndefined(); // inside a class it is no group
    expect(withoutLookbehinds("[]x(?<!y)]z")).toBeUndefined(); // `]` first in a class is a literal
    expect(withoutLookbehinds("\\bchief\\b")).toBeUndefined();
  });

  it("the first test never says no where the pattern says yes (lookbehinds only narrow)", () => {
    const patterns = [
      "(?<!vice[\\s-])\\bpresident\\b",
      "(?<=senior )vp",
      "(?<!assistant )(?<!deputy )director",
    ];
    const exact = compileUnion(patterns)!;
    const first = compileUnion(patterns.map((p) => withoutLookbehinds(p) ?? p))!;
    const pieces = ["vice", "president", "-", " ", "senior", "vp", "assistant", "deputy", "director", "x"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 6 }), (parts) => {
        const title = parts.join("");
        if (exact.test(title)) expect(first.test(title)).toBe(true);
        const rule = {
          name: "r",
          role: "champion" as const,
          shadow: false,
          any: exact,
          maybe: first,
          patterns,
          seen: new Map<string, boolean>(),
        };
        expect(personaMatches(rule, title)).toBe(exact.test(title));
      }),
      { numRuns: 1_000 },
    );
  });

  it("falls back to pattern by pattern when a rule has no union", () => {
    const p = prepareSpec(spec);
    p.personas[1]!.any = undefined;
    expect(classifyPrepared(p, "Head of Growth")).toEqual({ name: "vp", role: "champion" });
  });

  it("scores content with prepared phrase and domain lists as the spec does", () => {
    const s = specWith((raw) => {
      raw.quality.content.bannedPhrases = ["Act NOW", "quick call?"];
      raw.quality.content.linkAllowlist = ["Example.COM"];
    });
    const p = prepareSpec(s);
    for (const body of [
      "Hi Jane, see https://docs.example.com/x and act now for a quick call? Plenty of words here.",
      "Hi Jane, https://evil.com@example.org/ is where the numbers are; long enough body text.",
      "Hi Jane, nothing to flag in this message at all, it is long enough to pass the length rule.",
    ]) {
      const payload = { subject: "Hello", body };
      expect(scoreContent(s, payload, account(), person(), p.content)).toEqual(
        scoreContent(s, payload, account(), person()),
      );
    }
  });

  it("prepares ICP and competitor lists as the checks compare them (trimmed, lower-cased)", () => {
    const s = specWith((raw) => {
      raw.icp.countries = ["US", "de"];
      raw.suppression.competitorDomains = ["Rival.IO"];
      raw.icp.exclusions = [{ name: "no-gov", field: "industry", in: [" Government "] }];
    });
    const p = prepareSpec(s);
    expect([...(p.icp.countries ?? [])]).toEqual(["us", "de"]);
    expect([...(p.icp.industries ?? [])]).toContain("software");
    expect(p.icp.exclusions[0]?.has("government")).toBe(true);
    expect(p.competitors.has("rival.io")).toBe(true);
    expect(p.intent.windowMs[p.intent.index.get("demo_request")!]).toBe(14 * DAY);
  });
});

describe("keptSpec: the gate decides with the spec object it kept while the version is the same", () => {
  it("keeps the object for the same version and hash, and takes the new read otherwise", () => {
    const kept = version(defaultSpec(), 3);
    const again = { ...structuredClone(kept) };
    expect(keptSpec(undefined, again)).toBe(again);
    expect(keptSpec(kept, again)).toBe(kept);
    const republished = { ...again, hash: "another" };
    expect(keptSpec(kept, republished)).toBe(republished);
    const next = { ...again, version: 4 };
    expect(keptSpec(kept, next)).toBe(next);
  });
});
