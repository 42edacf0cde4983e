/**
 * How often does the variants loop reach issue 9's best-variant share (≥ 0.6 in weeks 7–8) at an
 * 8-week demo's volume, in a market without the demo's other noise? Each campaign sends 140 touches
 * a weekday for 8 weeks to recipients drawn evenly from the three personas the writers target, in five
 * industries; each send's variant is chosen by the product's `chooseVariant` (default settings) on the
 * evidence so far, and answered from the seed's hidden variant effects (sim/truth.ts) at a base reply
 * rate, 40% of replies becoming meetings, the answer counted three days later. Persona labels are
 * right and nobody is retargeted, unlike the demo, so this is an upper bound for the demo's loop.
 *
 *   npx tsx bench/variants-campaign.ts [--seed 103] [--rate 0.04] [--campaigns 60] [--mix 31,55,14]
 *     [--persona-effects] [--drift 2] [--undated]
 *
 * Prints the mean, quartiles and the share of campaigns at or above 0.6, and each persona's share of
 * sends on its best variant. `--mix` sets the recipients' shares of C-level, VP and director (percent;
 * even by default): the demo sends about 31/55/14 (seed 101's last two weeks), and an uneven mix is
 * where the pooled prior shows: the persona with most sends sets the prior of the others, and where
 * their tastes differ (seed 101: signal-led is C-level's best and VP's worst) the rare persona can
 * stay on the wrong variant. `--persona-effects` adds the seed's persona effects to the base rate (as
 * the market does: on 101 C-level buyers answer at about 0.4 times VPs' odds), so the rarer persona
 * also has fewer answers per send. `--drift X` makes every message X times as likely to be answered
 * (in odds) by week 8 as in week 1, rising evenly, as when the signals loop sharpens who is contacted;
 * `--undated` drops the week from the evidence, as it was kept before the variants loop compared sends
 * week for week, so the two can be run side by side. As in the product, the evidence is read once a
 * day (a writer's run reads it once) and the day's choices are drawn from that read.
 */
import { parseArgs } from "node:util";
import { chooseVariant, seededRandom, type VariantEvidence } from "../shared/learning/variants.ts";
import { bestVariant, drawTruth } from "../sim/truth.ts";
import { SIM_VARIANTS } from "../sim/world.ts";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "103" },
    rate: { type: "string", default: "0.04" },
    campaigns: { type: "string", default: "60" },
    mix: { type: "string", default: "1,1,1" },
    "persona-effects": { type: "boolean", default: false },
    drift: { type: "string", default: "1" },
    undated: { type: "boolean", default: false },
  },
});
const drift = Number(values.drift);
if (!(drift > 0)) throw new Error("--drift: a positive multiple of the odds of an answer by week 8");
const seed = Number(values.seed);
const rate = Number(values.rate);
const campaigns = Number(values.campaigns);
if (!Number.isInteger(seed) || !(rate > 0 && rate < 1) || !Number.isInteger(campaigns) || campaigns < 1)
  throw new Error("--seed: an integer; --rate: a share in (0, 1); --campaigns: a positive integer");
const mix = (values.mix ?? "").split(",").map(Number);
if (mix.length !== 3 || !mix.every((x) => Number.isFinite(x) && x >= 0) || !mix.some((x) => x > 0))
  throw new Error("--mix: three non-negative numbers (C-level, VP, director), not all zero");
const mixTotal = mix.reduce((a, b) => a + b, 0);

const truth = drawTruth(seed);
const PERSONAS = ["c-level", "vp", "director"] as const;
const INDUSTRIES = ["Software", "Fintech", "Healthcare", "Retail", "Logistics"];
const SETTINGS = { meetingWeight: 1, personaPriorStrength: 50, cellPriorStrength: 200 };
const base = Math.log(rate / (1 - rate));

/** A persona drawn by the mix. */
const personaAt = (u: number): (typeof PERSONAS)[number] => {
  let acc = 0;
  for (let i = 0; i < PERSONAS.length; i++) {
    acc += (mix[i] as number) / mixTotal;
    if (u < acc) return PERSONAS[i] as (typeof PERSONAS)[number];
  }
  return PERSONAS[PERSONAS.length - 1] as (typeof PERSONAS)[number];
};

const shares: number[] = [];
const byPersona = new Map(PERSONAS.map((p) => [p, { best: 0, sends: 0 }]));
for (let c = 0; c < campaigns; c++) {
  const rng = seededRandom(`variants-campaign-${seed}-${c}`);
  const stats = new Map<string, VariantEvidence>();
  const due: { day: number; key: string; replied: boolean; meeting: boolean }[] = [];
  let best = 0;
  let late = 0;
  for (let day = 0; day < 56; day++) {
    for (const d of due.filter((x) => x.day === day)) {
      const s = stats.get(d.key) as VariantEvidence;
      if (d.replied) s.replied++;
      if (d.meeting) s.meetings++;
    }
    if (day % 7 >= 5) continue;
    const week = Math.floor(day / 7);
    const snapshot = [...stats.values()].map((e) => ({ ...e }));
    const lift = (Math.log(drift) * day) / 49;
    for (let k = 0; k < 140; k++) {
      const persona = personaAt(rng.next());
      const industry = INDUSTRIES[Math.floor(rng.next() * INDUSTRIES.length)] as string;
      const { variant } = chooseVariant({
        variants: SIM_VARIANTS,
        stats: snapshot,
        persona,
        industry,
        settings: SETTINGS,
        rng,
        enabled: true,
      });
      const dated = values.undated ? {} : { week: `week-${week}` };
      const key = `${variant}|${persona}|${industry}|${values.undated ? "" : week}`;
      const s = stats.get(key) ?? { variant, persona, industry, ...dated, sent: 0, replied: 0, meetings: 0 };
      s.sent++;
      stats.set(key, s);
      const shift = values["persona-effects"] ? truth.persona[persona] : 0;
      const replied =
        rng.next() < 1 / (1 + Math.exp(-(base + lift + shift + (truth.variant[persona][variant] ?? 0))));
      due.push({ day: day + 3, key, replied, meeting: replied && rng.next() < 0.4 });
      if (day >= 42) {
        late++;
        const onBest = variant === bestVariant(truth, persona);
        if (onBest) best++;
        const p = byPersona.get(persona) as { best: number; sends: number };
        p.sends++;
        if (onBest) p.best++;
      }
    }
  }
  shares.push(best / late);
}
shares.sort((a, b) => a - b);
const q = (p: number) => (shares[Math.floor(p * (shares.length - 1))] as number).toFixed(2);
const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
console.log(
  `seed ${seed}, reply rate ${rate}${values["persona-effects"] ? " shifted by persona" : ""}${drift !== 1 ? `, ×${drift} odds by week 8` : ""}${values.undated ? ", evidence undated" : ""}, mix ${mix.join("/")}, ${campaigns} campaigns of ${40 * 140} sends: best-variant share in weeks 7–8 mean ${mean.toFixed(2)}, quartiles ${q(0.25)} / ${q(0.5)} / ${q(0.75)}; at or above 0.6 in ${((100 * shares.filter((s) => s >= 0.6).length) / shares.length).toFixed(0)}% of campaigns`,
);
console.log(
  `  on the best variant in weeks 7–8, by persona: ${PERSONAS.map((p) => {
    const b = byPersona.get(p) as { best: number; sends: number };
    return `${p} ${b.sends ? (b.best / b.sends).toFixed(2) : "-"} of ${b.sends}`;
  }).join(", ")}`,
);
