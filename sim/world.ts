/**
 * The simulated market's world: companies, their people and websites, and what nobody in the
 * harness can see — how ready each company is to buy and when, and how each persona responds to
 * each kind of message. Generated from a seed: same seed and size, same world.
 */
import type { AccountInput } from "../shared/domain/kb.ts";
import { DAY, HOUR } from "../shared/domain/time.ts";
import { type Rng, rngFor } from "./random.ts";

const PREFIXES = [
  "Acme",
  "Globex",
  "Initech",
  "Umbrella",
  "Hooli",
  "Vandelay",
  "Stark",
  "Wayne",
  "Soylent",
  "Cyberdyne",
  "Tyrell",
  "Wonka",
  "Aperture",
  "Black Mesa",
  "Nakatomi",
  "Gringotts",
  "Oscorp",
  "Monarch",
  "Dunder",
  "Pied Piper",
  "Vehement",
  "Massive",
  "Sterling",
  "Prestige",
  "Bluth",
  "Krusty",
  "Duff",
  "Ollivander",
  "Zorg",
  "Spacely",
];
const SUFFIXES = [
  "Analytics",
  "Cloud",
  "Labs",
  "Systems",
  "Data",
  "AI",
  "Software",
  "Networks",
  "Health",
  "Retail",
  "Logistics",
  "Capital",
  "Robotics",
  "Security",
  "Media",
];
const ICP_INDUSTRIES = ["Software", "SaaS", "Internet", "Information Technology", "Computer Software"];
const OTHER_INDUSTRIES = ["Healthcare", "Retail", "Manufacturing", "Financial Services", "Education"];
const COUNTRIES: [string, string][] = [
  ["US", "America/New_York"],
  ["US", "America/Chicago"],
  ["US", "America/Los_Angeles"],
  ["GB", "Europe/London"],
  ["DE", "Europe/Berlin"],
  ["CA", "America/Toronto"],
];
const FUNDING = ["Seed", "Series A", "Series B", "Series C", "Growth", "Public"];
const FIRST = [
  "Ava",
  "Ben",
  "Chloe",
  "Dev",
  "Elena",
  "Finn",
  "Grace",
  "Hiro",
  "Isla",
  "Jon",
  "Kira",
  "Liam",
  "Maya",
  "Noah",
  "Omar",
  "Priya",
  "Quinn",
  "Rosa",
  "Sam",
  "Tara",
  "Uma",
  "Victor",
  "Wen",
  "Xavier",
  "Yara",
  "Zane",
];
const LAST = [
  "Adams",
  "Baker",
  "Chen",
  "Diaz",
  "Evans",
  "Fischer",
  "Garcia",
  "Hughes",
  "Ito",
  "Jones",
  "Khan",
  "Lopez",
  "Müller",
  "Nguyen",
  "Okafor",
  "Patel",
  "Quist",
  "Rossi",
  "Singh",
  "Tanaka",
  "Ueda",
  "Vance",
  "Weber",
  "Xu",
  "Young",
  "Zimmer",
];
const TITLES: [string, number][] = [
  ["CEO", 1],
  ["Co-Founder", 0.5],
  ["Chief Revenue Officer", 1],
  ["CMO", 0.6],
  ["VP Sales", 1.2],
  ["VP Marketing", 1],
  ["Head of Revenue Operations", 0.8],
  ["Head of Growth", 0.6],
  ["Director of Sales", 1],
  ["Director of Demand Generation", 0.8],
  ["Sales Director EMEA", 0.5],
  ["RevOps Architect", 0.4],
  ["GTM Strategist", 0.4],
  ["Sales Manager", 1],
  ["Account Executive", 1.2],
  ["SDR Team Lead", 0.6],
  ["Marketing Coordinator", 0.6],
  ["Software Engineer", 1.2],
  ["Product Designer", 0.6],
];
/** Days of intent history delivered with the day-one account list. */
export const HISTORY_DAYS = 28;
export const SIM_VARIANTS = ["signal-led", "fact-led", "peer-proof", "short-question"] as const;

export interface SimPerson {
  personId: string;
  firstName: string;
  lastName: string;
  title: string;
  email: string;
  linkedinUrl?: string;
  /** Hidden: this address bounces. */
  bounces: boolean;
}

export interface SimSignal {
  at: number;
  type: string;
  personId?: string;
}

export interface SimCompany {
  accountId: string;
  account: AccountInput;
  people: SimPerson[];
  /** When the harness first learns about the company (intent data, a form fill, a CRM import). */
  arrivesAt: number;
  /**
   * The first signal the harness gets: the account list on day one comes with the intent provider's
   * last `HISTORY_DAYS` of signals, as intent tools deliver on import; a company surfaced later brings
   * none (its earlier visits were anonymous).
   */
  visibleFrom: number;
  signals: SimSignal[];
  site: { down: boolean; about: string; product: string; customers: string; news: string[]; careers: string };
  hidden: {
    propensity: number;
    /** Buying windows: while in one, the company's people research (pricing visits, G2, demo requests). */
    inMarket: { from: number; to: number }[];
  };
}

export interface SimWorld {
  seed: number;
  start: number;
  end: number;
  sdrs: string[];
  companies: SimCompany[];
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");

function signalsFor(
  rng: Rng,
  c: Pick<SimCompany, "hidden" | "people">,
  start: number,
  end: number,
): SimSignal[] {
  const out: SimSignal[] = [];
  const champion = () => rng.pick(c.people).personId;
  for (let day = start; day < end; day += DAY) {
    const inMarket = c.hidden.inMarket.some((w) => day >= w.from && day < w.to);
    const at = () => day + rng.int(8, 19) * HOUR + rng.int(0, 59) * 60_000;
    if (inMarket) {
      // How hard a company researches varies: a few pricing-page visits a week from a casual look, one
      // a day from a team comparing vendors. Reviews, a demo request now and then, the rest of the site.
      for (let i = rng.poisson(0.1 + 0.5 * c.hidden.propensity); i > 0; i--)
        out.push({ at: at(), type: "pricing_page_visit", personId: champion() });
      if (rng.chance(0.12)) out.push({ at: at(), type: "g2_research" });
      if (rng.chance(0.03)) out.push({ at: at(), type: "demo_request", personId: champion() });
      if (rng.chance(0.4)) out.push({ at: at(), type: "website_visit" });
      if (rng.chance(0.08)) out.push({ at: at(), type: "blog_visit" });
    } else {
      if (rng.chance(0.12)) out.push({ at: at(), type: "website_visit" });
      if (rng.chance(0.08)) out.push({ at: at(), type: "blog_visit" });
      if (rng.chance(0.03 * c.hidden.propensity))
        out.push({ at: at(), type: "pricing_page_visit", personId: champion() });
    }
  }
  // Trigger events over the run and its history (about three months): a head of sales stays about
  // 18–24 months, so about one company in seven changes theirs in a quarter; a funding round reaches
  // about one in twelve of a growth-stage ICP in a quarter (a fifth to a third raise in a year).
  if (rng.chance(0.15)) out.push({ at: start + rng.next() * (end - start), type: "new_sales_leader" });
  if (rng.chance(0.08)) out.push({ at: start + rng.next() * (end - start), type: "funding_round" });
  return out.sort((a, b) => a.at - b.at);
}

/**
 * A company's buying windows over the run: a renewal process, so the share of companies in market on a
 * given day does not depend on how long the run is. Windows start at a rate of 0.5–1.5 per 8 weeks
 * (rising with propensity: B2B companies evaluate a category a few times a year) and last 2–6 weeks
 * (the research stage of a B2B purchase, when buyers read pricing pages and reviews; about a third of
 * the accounts are in one on a given day);
 * the process starts 8 weeks before the run so some companies are already in market on day one.
 */
function buyingWindows(rng: Rng, propensity: number, start: number, end: number) {
  const rate = (0.5 + propensity) / (56 * DAY);
  const out: { from: number; to: number }[] = [];
  for (let t = start - 56 * DAY; ; ) {
    t += -Math.log(1 - rng.next()) / rate;
    if (t >= end) return out;
    const to = t + rng.int(14, 42) * DAY;
    if (to > start) out.push({ from: t, to });
    t = to;
  }
}

export function generateWorld(options: {
  seed: number;
  accounts: number;
  start: number;
  days: number;
}): SimWorld {
  const { seed, accounts, start, days } = options;
  const end = start + days * DAY;
  // An SDR owns a book of about 250 accounts (a common territory size) and the spec lets each work 40
  // a day (volume.accountsPerOwnerPerDay): the day's list holds a sixth of the book, fewer than the
  // accounts showing intent, so who makes the list (ranking by intent) decides who is contacted.
  const sdrs = Array.from({ length: Math.max(2, Math.ceil(accounts / 250)) }, (_, i) => `sdr-${i + 1}`);
  const names = new Set<string>();
  const companies: SimCompany[] = [];
  for (let i = 0; i < accounts; i++) {
    const rng = rngFor(seed, "company", i);
    let name = `${rng.pick(PREFIXES)} ${rng.pick(SUFFIXES)}`;
    if (names.has(name)) name = `${name} ${i}`;
    names.add(name);
    const domain = `${slug(name)}.example`;
    // The market is an intent-sourced account list already filtered on firmographics, so mostly (90%)
    // in the ICP's industries, with head counts log-uniform from 30 to 8,000 (four in five inside the
    // default ICP's 50–5,000): the gate's ICP check still has misfits to stop.
    const icp = rng.chance(0.9);
    const industry = icp ? rng.pick(ICP_INDUSTRIES) : rng.pick(OTHER_INDUSTRIES);
    const employees = Math.round(Math.exp(rng.next() * Math.log(8_000 / 30)) * 30);
    const [country, timezone] = rng.pick(COUNTRIES);
    const lifecycle = rng.weighted([
      ["prospect", 0.92],
      ["customer", 0.05],
      ["open_opportunity", 0.03],
    ] as const);
    const accountId = `co-${String(i + 1).padStart(5, "0")}`;
    const people: SimPerson[] = [];
    const emails = new Set<string>();
    for (let j = rng.int(3, 7); j > 0; j--) {
      const firstName = rng.pick(FIRST);
      const lastName = rng.pick(LAST);
      let local = `${slug(firstName)}.${slug(lastName)}`;
      if (emails.has(local)) local = `${local}${j}`;
      emails.add(local);
      people.push({
        personId: `${accountId}.${local}`,
        firstName,
        lastName,
        title: rng.weighted(TITLES),
        email: `${local}@${domain}`,
        ...(rng.chance(0.8) ? { linkedinUrl: `https://www.linkedin.com/in/${local}-${i}` } : {}),
        bounces: rng.chance(0.04),
      });
    }
    const propensity = rng.next();
    const inMarket = buyingWindows(rng, propensity, start, end);
    const product = rng.pick([
      "forecasting",
      "billing",
      "observability",
      "onboarding",
      "analytics",
      "payments",
    ]);
    const hidden = { propensity, inMarket };
    // Most of the list is in the CRM on day one; the intent feed surfaces the rest over the run.
    const arrivesAt = rng.chance(0.6) ? start : start + rng.next() * 0.7 * (end - start);
    const funding = rng.chance(0.7) ? rng.pick(FUNDING) : undefined;
    companies.push({
      accountId,
      account: {
        name,
        domain,
        industry,
        employees,
        country,
        timezone,
        ...(funding ? { fundingStage: funding } : {}),
        ownerId: sdrs[i % sdrs.length] as string,
        lifecycle,
      },
      people,
      arrivesAt,
      visibleFrom: arrivesAt === start ? start - HISTORY_DAYS * DAY : arrivesAt,
      signals: signalsFor(rng, { hidden, people }, start - HISTORY_DAYS * DAY, end),
      site: {
        down: rng.chance(0.06),
        about: `${name} builds ${product} software for ${industry.toLowerCase()} teams.`,
        product: `Our platform helps ${rng.int(2, 40) * 10} companies run ${product} without spreadsheets.`,
        customers: `Trusted by customers such as ${rng.pick(PREFIXES)} Group and ${rng.pick(PREFIXES)} Partners.`,
        news: [
          rng.pick([
            `${name} launched ${product === "analytics" ? "Insights" : "Flow"} Studio, its new ${product} module, this quarter.`,
            `${name} announced a partnership with ${rng.pick(PREFIXES)} Cloud to expand into Europe.`,
            `${name} raised a $${rng.int(5, 80)}M ${rng.pick(["Series A", "Series B", "Series C"])} round led by ${rng.pick(PREFIXES)} Ventures.`,
          ]),
        ],
        careers: `${name} is hiring ${rng.int(2, 12)} account executives and a revenue operations lead.`,
      },
      hidden,
    });
  }
  return { seed, start, end, sdrs, companies };
}
