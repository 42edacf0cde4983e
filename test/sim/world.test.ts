import { describe, expect, it } from "vitest";
import { extractFacts, parseHtml } from "../../shared/agents/research/extract.ts";
import { computeIntent } from "../../shared/domain/checks/quality.ts";
import { type Account, AccountInput, PersonInput } from "../../shared/domain/kb.ts";
import { SpecSchema } from "../../shared/domain/spec-schema.ts";
import { icpTier } from "../../shared/kb/scoring.ts";
import { DEMO_DEFAULT_ACCOUNTS } from "../../sim/defaults.ts";
import { rngFor } from "../../sim/random.ts";
import { respond } from "../../sim/response-model.ts";
import { simSpec } from "../../sim/spec.ts";
import { drawTruth } from "../../sim/truth.ts";
import { renderPage } from "../../sim/website.ts";
import { generateWorld, HISTORY_DAYS } from "../../sim/world.ts";

const START = Date.parse("2026-03-02T05:00:00Z");
const DAY = 86_400_000;

describe("the simulated market", () => {
  it("is deterministic: same seed, same world; another seed, another world", () => {
    const a = generateWorld({ seed: 1, accounts: 50, start: START, days: 14 });
    const b = generateWorld({ seed: 1, accounts: 50, start: START, days: 14 });
    const c = generateWorld({ seed: 2, accounts: 50, start: START, days: 14 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  it("generates records the API accepts, with signals inside the horizon", () => {
    const w = generateWorld({ seed: 3, accounts: 40, start: START, days: 7 });
    for (const co of w.companies) {
      expect(AccountInput.safeParse(co.account).success).toBe(true);
      for (const p of co.people)
        expect(
          PersonInput.safeParse({
            accountId: co.accountId,
            email: p.email,
            firstName: p.firstName,
            lastName: p.lastName,
            title: p.title,
          }).success,
        ).toBe(true);
      // The day-one list brings its intent history; a company surfaced later brings none.
      expect(co.visibleFrom).toBe(co.arrivesAt === START ? START - HISTORY_DAYS * DAY : co.arrivesAt);
      for (const s of co.signals) expect(s.at >= START - HISTORY_DAYS * DAY && s.at < w.end).toBe(true);
    }
    expect(w.companies.some((c) => c.hidden.inMarket.length > 0)).toBe(true);
  });

  it("answers grounded messages to senior buyers more often than generic ones to juniors", () => {
    const truth = drawTruth(4);
    const rate = (grounded: boolean, persona: "vp" | "other") => {
      let replies = 0;
      for (let i = 0; i < 4000; i++) {
        const { planned } = respond(
          rngFor(1, persona, grounded ? "g" : "u", i),
          truth,
          { signals: {}, persona, variant: "fact-led", channel: "email", grounded, bounces: false },
          START,
        );
        if (planned.some((o) => o.type === "replied")) replies++;
      }
      return replies / 4000;
    };
    // The truth's ranges: grounded adds 0.2–0.6 log-odds; "other" is 0.6–2.0 below a VP.
    expect(rate(true, "vp")).toBeGreaterThan(rate(false, "other") * 1.5);
  });

  it("at the default size, offers more accounts above the intent bar than the SDRs' lists hold", () => {
    // The learning loops need a choice to make: from week 3 on, more ICP accounts the harness knows
    // clear the simulated workspace's lead-list floor (its spec's weights, the gate's) than its SDRs
    // can list in a day, so who is contacted depends on the ranking by intent.
    const accounts = DEMO_DEFAULT_ACCOUNTS;
    const spec = SpecSchema.parse(simSpec(accounts));
    const floor = Math.round(spec.quality.minIntent * 0.75);
    for (const seed of [21]) {
      const w = generateWorld({ seed, accounts, start: START, days: 56 });
      const capacity = w.sdrs.length * (spec.volume.accountsPerOwnerPerDay ?? 40);
      for (const day of [14, 35, 55]) {
        const now = START + day * DAY + 6 * 3_600_000;
        let pool = 0;
        for (const c of w.companies) {
          if (c.arrivesAt > now) continue;
          const account = {
            ...c.account,
            accountId: c.accountId,
            signals: c.signals
              .filter((x) => x.at >= c.visibleFrom && x.at <= now)
              .map((x) => ({ type: x.type, occurredAt: new Date(x.at).toISOString() })),
          } as unknown as Account;
          const tier = icpTier(spec, account).tier;
          if ((tier === 1 || tier === 2) && computeIntent(spec, account, now).score >= floor) pool++;
        }
        expect(pool, `seed ${seed} day ${day}: ${pool} accounts for ${capacity} list places`).toBeGreaterThan(
          capacity,
        );
      }
    }
  });

  it("serves websites whose facts the research extractor finds, each with its URL", () => {
    const co = generateWorld({ seed: 5, accounts: 1, start: START, days: 1 }).companies[0]!;
    const facts = extractFacts(parseHtml(renderPage(co, "/news") ?? ""), `https://${co.account.domain}/news`);
    expect(facts.map((f) => f.text)).toContain(co.site.news[0]);
    expect(facts.every((f) => f.sourceUrl === `https://${co.account.domain}/news`)).toBe(true);
  });
});
