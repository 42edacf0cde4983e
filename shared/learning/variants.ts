/**
 * Variants loop ("emails teach emails"): which message variant to send a person, learned from the
 * replies and meetings earlier sends earned. Pure: the evidence (send and outcome counts per variant ×
 * persona × industry, counted once per event by the learned store) and the random source come in.
 *
 * The maths. Reward of a send: a reply, plus `meetingWeight` extra successes when it became a meeting
 * (pseudo-counts: successes s = replied + w·meetings, failures f = sent·φ − replied, where φ weighs a
 * week's sends by how answerable that week was, see `periodFactors`). A variant v's rate
 * in one persona × industry cell is modelled on three nested levels, each a Beta whose prior mean is its
 * parent's rate; every send counts once, at the level nearest the cell it belongs to:
 *
 *   overall     r₀ = (S + 1) / (N + 1/ρ)            every send of every variant; one pseudo-reply at a
 *                                                   cold B2B reply rate ρ = 3% (Laplace's 50% would make
 *                                                   the first sends look like a hit rate of 50%)
 *   variant     g_v ~ Beta(m₀·r₀ + s_v',  m₀·(1 − r₀) + f_v')       v's sends to the OTHER personas
 *   persona     p_v ~ Beta(m_p·g_v + s_vp', m_p·(1 − g_v) + f_vp')  this persona, OTHER industries
 *   cell        c_v = (m_c·p_v + s_vpi) / (m_c + s_vpi + f_vpi)     the cell's own sends
 *
 * Prior strengths are pseudo-sends (m₀ = 10, m_p = personaPriorStrength, m_c = cellPriorStrength), each
 * at least PRIOR_REPLIES / r₀: worth two replies at the overall rate. Counted in sends alone, a prior
 * of 10 sends at a 2% reply rate is 0.2 of a reply, and the first lucky reply multiplied a variant's
 * rate five-fold and took the writers' choice for weeks (seen in a 4-week demo with 5 replies). And
 * counted once: when a level's prior was fitted on data that included the cell's own sends, one reply
 * counted three times (variant, persona and cell level). With both, one reply in ten sends moves a
 * variant's draws only a little (test/unit/learning-variants.test.ts: picked 31% of the time among
 * four, not 82%); at an 8-week demo's 4,000 sends the lift captured is unchanged within noise (0.52 vs
 * 0.50 on seeds 61-120, not used to choose PRIOR_REPLIES).
 *
 * Thompson sampling: draw g_v, then p_v given that draw (each from its Beta sharpened by `SHARPNESS`,
 * below), take the cell's posterior mean given p_v, and send the variant with the highest c_v. A variant is chosen with the probability that it is the best
 * given the evidence, so exploration fades by itself: while evidence is thin the draws are wide and
 * every variant gets sends; as sends accumulate the Betas narrow and the best variant takes nearly all.
 * The cell level is a posterior mean, not a draw: cells are many and thin (personas × industries), and
 * a draw there would add noise that fades only after hundreds of sends per cell, while the mean already
 * moves with the cell's evidence weighed against the pooled one. A thin cell therefore cannot chase
 * luck: 5 replies in 8 sends move a cell with m_c = 200 by about 5/208 ≈ 2.4 points of reply rate, not
 * to 60%; a persona or industry that really differs earns its own answer once its sends outweigh m.
 *
 * With learning off (spec `learning.enabled: false`) the evidence is ignored and variants are drawn
 * uniformly: the same code path, comparable runs.
 */
import type { TemplateStat } from "../kb/types.ts";

export type VariantEvidence = Pick<
  TemplateStat,
  "variant" | "persona" | "industry" | "sent" | "replied" | "meetings" | "week"
>;

export interface VariantSettings {
  meetingWeight: number;
  personaPriorStrength: number;
  cellPriorStrength: number;
}

/** A uniform random source in [0, 1): seeded by the caller, so a choice is reproducible. */
export interface Random {
  next(): number;
}

export interface VariantChoice {
  variant: string;
  /** Plain-words reason, for the proposal's reasoning. */
  why: string;
}

/** Strength of the overall rate as the variants' prior (weak: variants start level, not at 50%). */
const OVERALL_STRENGTH = 10;
const COLD_RATE = 0.03;
const PRIOR_REPLIES = 2;

/**
 * How sharply the Thompson draws follow the evidence: each level is drawn from Beta(k·a, k·b) rather
 * than Beta(a, b), the same mean with 1/k of the spread (a "tempered" posterior). Plain Thompson
 * sampling (k = 1) balances exploring and exploiting for a horizon without end; a team runs a campaign
 * for weeks and wants the replies now, and the reward counts a meeting as extra successes, so the
 * pseudo-counts already overstate how unsure the evidence is. k = 2 was measured on the market model of
 * test/unit/learning-variants.test.ts at an 8-week demo's 4,000 sends, on seeds not used to choose it:
 * the share of the best variant's lift captured in the second half rose from 0.41 to 0.47 (seeds
 * 61-120; 0.50 to 0.59 on seeds 11-50) and the exact-best share in the last quarter from 0.47 to 0.49
 * (0.49 to 0.56); k = 4 and 8 explored too little and locked onto early leaders more often.
 */
const SHARPNESS = 2;

interface Tally {
  s: number;
  f: number;
  sends: number;
}
const empty = (): Tally => ({ s: 0, f: 0, sends: 0 });
/** `exposure`: the sends as sends at the run's average reply rate (`periodFactors`). */
const add = (t: Tally, e: VariantEvidence, w: number, exposure: number) => {
  t.s += e.replied + w * e.meetings;
  t.f += Math.max(0, exposure - e.replied);
  t.sends += e.sent;
};

/** The Monday (UTC) of the week a send went out: the period its evidence is counted in. */
export function weekOf(at: string | number): string {
  const t = new Date(at);
  const back = (t.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() - back))
    .toISOString()
    .slice(0, 10);
}

/** Proportional fitting stops when no factor moves by more than this share, or after MAX_FIT_ROUNDS. */
const FIT_TOLERANCE = 1e-6;
const MAX_FIT_ROUNDS = 500;

/**
 * How answerable each week's sends were, whatever variant they carried: φ_w in the log-linear model
 * E[reward of cell c in week w] = n_cw · r_c · φ_w, where c is a variant × persona (industries pooled)
 * and r_c its rate. Fitted by iterative proportional fitting (alternately r_c = S_c / Σ_w n_cw·φ_w and
 * φ_w = S_w / Σ_c n_cw·r_c, each shrunk by PRIOR_REPLIES toward the average), then scaled so that
 * Σ n_w·φ_w = N: the total of sends is kept, only where it sits moves.
 *
 * Why: a workspace's sends get more answerable over the weeks (the signals loop sharpens who is
 * contacted; a season turns), and the variant a writer favours late collects its sends in the better
 * weeks. Counted as plain sends, it then looks better than the variant it replaced, whose sends went
 * out when every message was answered less. Seen in the simulated market (seed 104): VPs' best variant,
 * 0.27 log-odds ahead in the market's truth, looked 0.09 ahead in its sends' own odds, as most of its
 * sends went out in weeks 1–3 and the runner-up's in weeks 4–8; the writers settled on the runner-up.
 * Weighing each send by its week's φ compares variants as if sent in the same weeks. It also handles
 * sends still waiting for their answer: the current week's replies are partly still to come, so its φ
 * is low and its sends count as less exposure, not as failures. With one week of evidence (or none
 * dated) every factor is 1 and nothing changes.
 */
export function periodFactors(stats: readonly VariantEvidence[], w: number): Map<string, number> {
  // A writer's run chooses for every account on its list from one read of the evidence: fit it once
  // (callers pass a fresh array per read and do not change it; the map returned is not to be changed).
  const known = fitted.get(stats);
  if (known?.w === w) return known.phi;
  const phi = fitPeriods(stats, w);
  fitted.set(stats, { w, phi });
  return phi;
}
const fitted = new WeakMap<readonly VariantEvidence[], { w: number; phi: Map<string, number> }>();

function fitPeriods(stats: readonly VariantEvidence[], w: number): Map<string, number> {
  // Each item's week, cell (variant × persona, industries pooled) and reward, named once for all rounds.
  const rows = stats.map((e) => ({
    week: e.week ?? "",
    cell: `${e.variant}\u0000${e.persona}`,
    sent: e.sent,
    reward: e.replied + w * e.meetings,
  }));
  const weeks = new Map<string, { n: number; s: number }>();
  const cells = new Map<string, { s: number; r: number }>();
  for (const row of rows) {
    const wk = weeks.get(row.week) ?? { n: 0, s: 0 };
    wk.n += row.sent;
    wk.s += row.reward;
    weeks.set(row.week, wk);
    const c = cells.get(row.cell) ?? { s: 0, r: 0 };
    c.s += row.reward;
    cells.set(row.cell, c);
  }
  const phi = new Map([...weeks.keys()].map((k) => [k, 1]));
  if (weeks.size < 2) return phi;
  let total = 0;
  let rewards = 0;
  for (const wk of weeks.values()) {
    total += wk.n;
    rewards += wk.s;
  }
  if (total === 0) return phi;
  const mean = (rewards + 1) / (total + 1 / COLD_RATE);
  for (
    let round = 0, moved = Number.POSITIVE_INFINITY;
    round < MAX_FIT_ROUNDS && moved > FIT_TOLERANCE;
    round++
  ) {
    const exposure = new Map<string, number>();
    for (const row of rows)
      exposure.set(row.cell, (exposure.get(row.cell) ?? 0) + row.sent * (phi.get(row.week) ?? 1));
    for (const [k, c] of cells) c.r = (c.s + PRIOR_REPLIES) / ((exposure.get(k) ?? 0) + PRIOR_REPLIES / mean);
    const expected = new Map<string, number>();
    for (const row of rows)
      expected.set(row.week, (expected.get(row.week) ?? 0) + row.sent * (cells.get(row.cell)?.r ?? mean));
    const next = new Map<string, number>();
    let scaled = 0;
    for (const [k, wk] of weeks) {
      const v = (wk.s + PRIOR_REPLIES) / ((expected.get(k) ?? 0) + PRIOR_REPLIES);
      next.set(k, v);
      scaled += wk.n * v;
    }
    const norm = scaled > 0 ? total / scaled : 1;
    moved = 0;
    for (const [k, v] of next) {
      moved = Math.max(moved, Math.abs(v * norm - (phi.get(k) ?? 1)) / (v * norm));
      phi.set(k, v * norm);
    }
  }
  return phi;
}

/**
 * The evidence for each variant at the three levels seen from one persona × industry cell, each send
 * counted once: `others` holds the other personas' sends, `persona` this persona's sends in other
 * industries, `cell` the cell's own.
 */
function tallies(
  variants: readonly string[],
  stats: readonly VariantEvidence[],
  persona: string,
  industry: string,
  w: number,
) {
  const cellIndustry = industry.toLowerCase();
  const overall = empty();
  const by = new Map(variants.map((v) => [v, { others: empty(), persona: empty(), cell: empty() }]));
  const phi = periodFactors(stats, w);
  for (const e of stats) {
    const exposure = e.sent * (phi.get(e.week ?? "") ?? 1);
    add(overall, e, w, exposure);
    const t = by.get(e.variant);
    if (!t) continue;
    if (e.persona !== persona) add(t.others, e, w, exposure);
    else if (e.industry.toLowerCase() !== cellIndustry) add(t.persona, e, w, exposure);
    else add(t.cell, e, w, exposure);
  }
  return { overall, by };
}

/** Per variant: the cell's posterior mean given the pooled rates' posterior means (no sampling). */
export function variantPosteriors(
  variants: readonly string[],
  stats: readonly VariantEvidence[],
  persona: string,
  industry: string,
  settings: VariantSettings,
): { variant: string; mean: number; personaSends: number; cellSends: number }[] {
  return evaluate(variants, stats, persona, industry, settings, undefined);
}

function evaluate(
  variants: readonly string[],
  stats: readonly VariantEvidence[],
  persona: string,
  industry: string,
  settings: VariantSettings,
  rng: Random | undefined,
) {
  const { overall, by } = tallies(variants, stats, persona, industry, settings.meetingWeight);
  const r0 = (overall.s + 1) / (overall.s + overall.f + 1 / COLD_RATE);
  const k = SHARPNESS;
  const level = (a: number, b: number) => (rng ? sampleBeta(rng, k * a, k * b) : a / (a + b));
  // Every level's prior is worth at least PRIOR_REPLIES replies at the overall rate (see above).
  const floor = PRIOR_REPLIES / r0;
  const m0 = Math.max(OVERALL_STRENGTH, floor);
  const mp = Math.max(settings.personaPriorStrength, floor);
  const mc = Math.max(settings.cellPriorStrength, floor);
  return variants.map((variant) => {
    const t = by.get(variant) ?? { others: empty(), persona: empty(), cell: empty() };
    const g = level(m0 * r0 + t.others.s, m0 * (1 - r0) + t.others.f);
    const p = level(mp * g + t.persona.s, mp * (1 - g) + t.persona.f);
    const mean = (mc * p + t.cell.s) / (mc + t.cell.s + t.cell.f);
    return {
      variant,
      mean,
      personaSends: t.persona.sends + t.cell.sends,
      cellSends: t.cell.sends,
    };
  });
}

/** Thompson sampling over the pooled posterior (see the module comment). */
export function chooseVariant(input: {
  variants: readonly string[];
  stats: readonly VariantEvidence[];
  persona: string;
  industry: string;
  settings: VariantSettings;
  rng: Random;
  /** Spec `learning.enabled`: false draws uniformly and ignores the evidence. */
  enabled: boolean;
}): VariantChoice {
  const { variants, rng } = input;
  if (variants.length === 0) throw new Error("chooseVariant needs at least one variant");
  if (!input.enabled) {
    const v = variants[Math.min(variants.length - 1, Math.floor(rng.next() * variants.length))] as string;
    return { variant: v, why: `variant ${v} drawn uniformly (learning is off in the spec)` };
  }
  const draws = evaluate(variants, input.stats, input.persona, input.industry, input.settings, rng);
  let best = draws[0] as (typeof draws)[number];
  for (const d of draws) if (d.mean > best.mean) best = d;
  const means = variantPosteriors(variants, input.stats, input.persona, input.industry, input.settings);
  const m = means.find((x) => x.variant === best.variant);
  const pct = ((m?.mean ?? 0) * 100).toFixed(1);
  return {
    variant: best.variant,
    why: `variant ${best.variant} (Thompson draw; pooled reward ${pct}% per send, ${m?.cellSends ?? 0} sends to ${input.persona} in ${input.industry.toLowerCase()})`,
  };
}

/** A seeded source (mulberry32 over a 32-bit FNV-1a hash of the seed text). */
export function seededRandom(seed: string): Random {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 0x01000193) >>> 0;
  let state = h;
  return {
    next() {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Beta(a, b) as X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b). */
export function sampleBeta(rng: Random, a: number, b: number): number {
  const x = sampleGamma(rng, a);
  const y = sampleGamma(rng, b);
  return x + y === 0 ? a / (a + b) : x / (x + y);
}

/**
 * Gamma(shape, 1) by Marsaglia and Tsang (2000): for shape ≥ 1, d = shape − 1/3, c = 1/√(9d); draw a
 * normal z, v = (1 + c·z)³, accept d·v when log U < z²/2 + d − d·v + d·log v. Shapes below 1 use
 * Gamma(shape + 1)·U^(1/shape).
 */
function sampleGamma(rng: Random, shape: number): number {
  if (shape <= 0) return 0;
  if (shape < 1) return sampleGamma(rng, shape + 1) * (1 - rng.next()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let z = 0;
    let v = 0;
    do {
      z = normal(rng);
      v = 1 + c * z;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * z * z + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** A standard normal draw (Box–Muller). */
function normal(rng: Random): number {
  const u = 1 - rng.next();
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
