/**
 * What the checks derive from a spec before they can look at a proposal (signal weights by type,
 * lower-cased phrase and domain lists, ICP and competitor sets, persona patterns compiled), done once
 * per spec version instead of once per decision. The gate reads a fresh spec object from DynamoDB for
 * every proposal, so an object-keyed cache would miss every time: preparation is keyed by the spec
 * version's hash, the SHA-256 of its canonical JSON (spec-loader specHash), which is what makes two
 * spec objects the same spec. Pure: nothing here reads a clock or the outside world.
 */
import { type PreparedCoordination, prepareCoordination } from "./checks/coordination.ts";
import { compileUnion, matches, withoutLookbehinds } from "./patterns.ts";
import type { LinearPattern } from "./regex/index.ts";
import type { ActionConfig, Spec, SpecVersion } from "./spec-schema.ts";
import { DAY } from "./time.ts";
import type { CommitteeRole } from "./vocabulary.ts";

/** Intent weights as parallel arrays in the spec's order (the order `counted` is reported in). */
export interface PreparedIntent {
  types: string[];
  weights: number[];
  windowDays: number[];
  windowMs: number[];
  /** Occurrences counted at most per type (Infinity: every one). */
  maxCounts: number[];
  /** Signal type -> its index in the arrays above. */
  index: Map<string, number>;
  /**
   * Type length -> the indices of the types that long. A signal's type is a new string in every record
   * read: comparing it with the one or two types of its length costs less than hashing it for `index`.
   */
  byLength: number[][];
  /**
   * The trace's words for "type ×count" by type index and count (checks/quality.ts describeIntent),
   * made the first time a count is seen: a decision's description is then a few concatenations instead
   * of a label lookup and three numbers written per type.
   */
  phrases: (string | undefined)[][];
}

export interface PreparedContent {
  /** Banned phrases as written (for the trace) and lower-cased (for matching). */
  banned: { phrase: string; lower: string }[];
  linkAllowlist: string[];
}

export interface PreparedPersona {
  name: string;
  role: CommitteeRole;
  /** In shadow: classifies nobody unless the rule is the one being tried as enforced. */
  shadow: boolean;
  /**
   * The rule's patterns as one RE2 alternation: "some pattern matches" in one linear pass instead of
   * one per pattern. Undefined when it cannot be compiled (then each pattern is tried on its own).
   */
  any: LinearPattern | undefined;
  /**
   * The union with lookbehinds taken out, when some pattern has one: it matches whenever `any` does and
   * runs much faster, so `any` is only asked when it matches (patterns.ts withoutLookbehinds).
   */
  maybe: LinearPattern | undefined;
  patterns: string[];
  /**
   * Answers by title already given for this rule (a pure function of the title: the same text always
   * gets the same answer). Matching takes microseconds per title and rule; titles repeat
   * (the same person proposed again, the same "VP Sales" at many accounts), a Map lookup by a title
   * costs nanoseconds. Bounded: emptied when full.
   */
  seen: Map<string, boolean>;
}

/**
 * Titles remembered per persona rule before its memo is emptied. Small enough that the 64 specs the
 * cache below may hold, five rules each, stay within a few tens of MB at worst (a live gate has one to
 * three versions in use and far fewer distinct titles).
 */
export const PERSONA_MEMO_TITLES = 1024;

/** ICP lists trimmed and lower-cased, as the ICP check compares them; exclusions in the spec's order. */
export interface PreparedIcp {
  industries?: Set<string> | undefined;
  countries?: Set<string> | undefined;
  techStackAnyOf?: Set<string> | undefined;
  fundingStages?: Set<string> | undefined;
  exclusions: Set<string>[];
}

export interface PreparedSpec {
  /** The spec version hash this was prepared for (empty for a spec prepared without one). */
  hash: string;
  intent: PreparedIntent;
  content: PreparedContent;
  icp: PreparedIcp;
  /** Competitor domains, lower-cased. */
  competitors: Set<string>;
  /** In the spec's order, one per persona rule. */
  personas: PreparedPersona[];
  coordination: PreparedCoordination;
  /**
   * `autonomy.actions` by type. A proposal's type is a new string in every decision: a Map hashes it,
   * where a property lookup on the spec's object must first find its internalized copy.
   */
  actions: Map<string, ActionConfig>;
}

const norm = (s: string) => s.trim().toLowerCase();
const normSet = (list: string[] | undefined) => (list ? new Set(list.map(norm)) : undefined);

export function prepareIntent(spec: Spec): PreparedIntent {
  const intent: PreparedIntent = {
    types: [],
    weights: [],
    windowDays: [],
    windowMs: [],
    maxCounts: [],
    index: new Map(),
    byLength: [],
    phrases: [],
  };
  for (const [type, { weight, windowDays, maxCount }] of Object.entries(spec.quality.signals)) {
    intent.index.set(type, intent.types.length);
    for (let n = intent.byLength.length; n <= type.length; n++) intent.byLength.push([]);
    intent.byLength[type.length]?.push(intent.types.length);
    intent.types.push(type);
    intent.weights.push(weight);
    intent.windowDays.push(windowDays);
    intent.windowMs.push(windowDays * DAY);
    intent.maxCounts.push(maxCount ?? Number.POSITIVE_INFINITY);
    intent.phrases.push([]);
  }
  return intent;
}

export function prepareContent(spec: Spec): PreparedContent {
  const rules = spec.quality.content;
  return {
    banned: rules.bannedPhrases.map((phrase) => ({ phrase, lower: phrase.toLowerCase() })),
    linkAllowlist: rules.linkAllowlist.map((d) => d.toLowerCase()),
  };
}

export function prepareIcp(spec: Spec): PreparedIcp {
  const icp = spec.icp;
  return {
    industries: normSet(icp.industries),
    countries: normSet(icp.countries),
    techStackAnyOf: normSet(icp.techStackAnyOf),
    fundingStages: normSet(icp.fundingStages),
    exclusions: icp.exclusions.map((ex) => new Set(ex.in.map(norm))),
  };
}

export const prepareCompetitors = (spec: Spec): Set<string> =>
  new Set(spec.suppression.competitorDomains.map((d) => d.toLowerCase()));

export const preparePersonas = (spec: Spec): PreparedPersona[] => spec.personas.rules.map(preparePersona);

function preparePersona(rule: Spec["personas"]["rules"][number]): PreparedPersona {
  return {
    name: rule.name,
    role: rule.role,
    shadow: rule.mode === "shadow",
    any: compileUnion(rule.titlePatterns),
    maybe: rule.titlePatterns.some((p) => withoutLookbehinds(p) !== undefined)
      ? compileUnion(rule.titlePatterns.map((p) => withoutLookbehinds(p) ?? p))
      : undefined,
    patterns: rule.titlePatterns,
    seen: new Map(),
  };
}

/** Whether a persona rule matches a title (remembered per title, see `seen`). */
export function personaMatches(rule: PreparedPersona, title: string): boolean {
  const known = rule.seen.get(title);
  if (known !== undefined) return known;
  const answer = matchTitle(rule, title);
  if (rule.seen.size >= PERSONA_MEMO_TITLES) rule.seen.clear();
  rule.seen.set(title, answer);
  return answer;
}

/** The rule's patterns on a title: its union when it has one, else pattern by pattern. */
function matchTitle(rule: PreparedPersona, title: string): boolean {
  if (!rule.any) return rule.patterns.some((p) => matches(p, title));
  if (rule.maybe && !rule.maybe.test(title)) return false;
  return rule.any.test(title);
}

/**
 * Title -> the first persona rule that matches it, prepared: as checks/persona classifyTitle, shadow
 * rules skipped unless `enforce` names one.
 */
export function classifyPrepared(
  prepared: PreparedSpec,
  title: string,
  enforce?: string,
): { name: string; role: CommitteeRole } | undefined {
  for (const rule of prepared.personas)
    if ((!rule.shadow || rule.name === enforce) && personaMatches(rule, title))
      return { name: rule.name, role: rule.role };
  return undefined;
}

/** Everything at once, uncached. */
export function prepareSpec(spec: Spec, hash = ""): PreparedSpec {
  return {
    hash,
    intent: prepareIntent(spec),
    content: prepareContent(spec),
    icp: prepareIcp(spec),
    competitors: prepareCompetitors(spec),
    personas: preparePersonas(spec),
    coordination: prepareCoordination(spec),
    actions: new Map(Object.entries(spec.autonomy.actions)),
  };
}

/**
 * Prepared specs by spec hash, least recently used first out. A published version's hash is computed
 * from its content when it is published (spec-store), so one hash is one spec: a spec whose weights or
 * patterns differ has another hash and its own preparation. Keep the capacity above the number of
 * versions in use at once (the current one, drafts in shadow, arms of experiments, a replayed one).
 */
export class PreparedSpecCache {
  private readonly entries = new Map<string, PreparedSpec>();
  /** Hits on the same spec object skip the string lookup (a replay or the bench reuse one object). */
  private readonly byObject = new WeakMap<Spec, PreparedSpec>();
  private last: PreparedSpec | undefined;

  constructor(private readonly capacity: number) {}

  get(version: Pick<SpecVersion, "hash" | "spec">): PreparedSpec {
    const last = this.last;
    if (last !== undefined && last.hash === version.hash) return last;
    const known = this.byObject.get(version.spec);
    if (known !== undefined && known.hash === version.hash) return this.touch(known);
    let entry = this.entries.get(version.hash);
    if (entry) {
      this.entries.delete(version.hash);
    } else {
      entry = prepareSpec(version.spec, version.hash);
      if (this.entries.size >= this.capacity) {
        const oldest = this.entries.keys().next().value;
        if (oldest !== undefined) this.entries.delete(oldest);
      }
    }
    this.entries.set(version.hash, entry);
    this.byObject.set(version.spec, entry);
    this.last = entry;
    return entry;
  }

  /** Mark as most recently used (Map order is insertion order: re-insert). */
  private touch(entry: PreparedSpec): PreparedSpec {
    if (this.entries.get(entry.hash) === entry) {
      this.entries.delete(entry.hash);
      this.entries.set(entry.hash, entry);
    }
    this.last = entry;
    return entry;
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The spec object to decide with: `kept`, the one decided with before, while the store returns the same
 * version (same number and hash; a published version never changes), else the one just read. The gate
 * reads CURRENT in its batch for every proposal, a new object each time; deciding with the kept one
 * lets every lookup keyed by its strings and every cache keyed by the object hit (1.2-1.6x in the
 * evaluation bench, bench/evaluate-throughput.ts).
 */
export function keptSpec(kept: SpecVersion | undefined, read: SpecVersion): SpecVersion {
  return kept !== undefined && kept.version === read.version && kept.hash === read.hash ? kept : read;
}

const shared = new PreparedSpecCache(64);

/** The preparation of a published spec version, shared by every decision on that version. */
export const preparedSpec = (version: Pick<SpecVersion, "hash" | "spec">): PreparedSpec =>
  shared.get(version);
