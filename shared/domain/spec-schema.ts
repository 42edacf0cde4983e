import { ExperimentSchema } from "./arms.ts";
import { patternProblem, patternSize } from "./patterns.ts";
import { LearningSchema } from "./spec-learning.ts";
import {
  duplicateNameIssues,
  MAX_SPEC_RULES,
  Mode,
  modesFor,
  SpecRuleSchema,
  shadowCountIssue,
} from "./spec-modes.ts";
import { duplicateToolIssues, ToolMapping, toolForKindIssues } from "./spec-tools.ts";
import { isValidTimeZone } from "./time.ts";
import { ActionType, Channel, CommitteeRole, Id, Lifecycle, OutcomeType, Weekday } from "./vocabulary.ts";
import * as z from "./zod-mini.ts";

const TimeZone = z
  .string()
  .check(z.refine(isValidTimeZone, "expected an IANA time zone such as America/New_York"));
const HhMm = z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day "HH:MM"'));
const Scope = z.enum(["account", "person"]);
const Name = z.string().check(z.minLength(1));
const Count = z.number().check(z.int(), z.nonnegative());
const PositiveInt = z.number().check(z.int(), z.positive());
const Positive = z.number().check(z.positive());
const NonNegative = z.number().check(z.nonnegative());
const Share = z.number().check(z.gte(0), z.lte(1));
const Level = z.union([z.literal(1), z.literal(2), z.literal(3)]);

/**
 * A title pattern: must compile on RE2, the linear-time engine the persona check matches with
 * (domain/patterns.ts), so no pattern can stall the gate; backreferences and lookahead are refused here.
 */
const Pattern = z.string().check(
  z.superRefine((source, ctx) => {
    const problem = patternProblem(source);
    if (problem) ctx.addIssue({ code: "custom", message: `not a linear-time (RE2) pattern: ${problem}` });
  }),
);
/** Bounds on persona rules: matching costs patterns × title length per decision. */
const MAX_PERSONA_RULES = 50;
const MAX_PATTERNS_PER_RULE = 20;
/**
 * Bound on the instructions of all a spec's title patterns together (regex/index.ts): the work per
 * character of a title the persona check can cost. Within it, a new 200-character title takes at most
 * ~15 ms against every rule; the shipped spec's patterns are 142.
 */
export const MAX_PERSONA_PATTERN_SIZE = 20_000;

const IcpExclusion = z.strictObject({
  name: Name,
  field: z.enum(["industry", "country", "fundingStage", "techStack", "domain"]),
  in: z.array(z.string()).check(z.minLength(1)),
  /** Time-based rule: only applies on these weekdays in the workspace time zone. */
  onDays: z.optional(z.array(Weekday)),
  mode: Mode,
});

const Icp = z.strictObject({
  industries: z.optional(z.array(z.string()).check(z.minLength(1))),
  employees: z.optional(
    z
      .strictObject({ min: Count, max: PositiveInt })
      .check(z.refine((r) => r.min <= r.max, "min must not exceed max")),
  ),
  countries: z.optional(z.array(z.string().check(z.length(2)))),
  techStackAnyOf: z.optional(z.array(z.string())),
  fundingStages: z.optional(z.array(z.string())),
  exclusions: z._default(z.array(IcpExclusion), []),
  modes: modesFor("icp"),
});

const Persona = z.strictObject({
  name: Name,
  titlePatterns: z.array(Pattern).check(z.minLength(1), z.maxLength(MAX_PATTERNS_PER_RULE)),
  role: CommitteeRole,
  /** A persona rule in shadow classifies nobody; the gate records whom it would have classified. */
  mode: Mode,
});

const Personas = z.strictObject({
  /** First matching persona wins, so order specific patterns before general ones. */
  rules: z.array(Persona).check(
    z.minLength(1),
    z.maxLength(MAX_PERSONA_RULES),
    z.superRefine((rules, ctx) => {
      const size = rules.reduce((n, r) => n + r.titlePatterns.reduce((m, p) => m + patternSize(p), 0), 0);
      if (size > MAX_PERSONA_PATTERN_SIZE)
        ctx.addIssue({
          code: "custom",
          message: `the title patterns together compile to ${size} instructions, more than ${MAX_PERSONA_PATTERN_SIZE}: each new title would cost the gate too much`,
        });
    }),
  ),
  /** Which committee roles each action type may target. Action types not listed may target any role. */
  allowedRoles: z._default(z.record(ActionType, z.array(CommitteeRole)), {}),
  modes: modesFor("personas"),
});

/**
 * Points per occurrence within the window; negative for a signal that lowers intent (a refit may find
 * one: spec-signals.ts). `maxCount`: occurrences counted at most (a refit writes its own cap with its
 * weights, since it fitted them per occurrence up to that cap); absent, every occurrence counts.
 */
const SignalWeight = z.strictObject({
  weight: z.number().check(z.gte(-100), z.lte(100)),
  windowDays: Positive,
  maxCount: z.optional(z.number().check(z.int(), z.positive(), z.lte(100))),
});

const Percent = z.number().check(z.gte(0), z.lte(100));

const Quality = z.strictObject({
  minIntent: Percent,
  minContentQuality: Percent,
  reviewBelowConfidence: Share,
  signals: z.record(z.string(), SignalWeight),
  content: z.strictObject({
    minLength: z._default(Count, 40),
    maxLength: z._default(PositiveInt, 1500),
    bannedPhrases: z._default(z.array(z.string()), []),
    linkAllowlist: z._default(z.array(z.string()), []),
  }),
  modes: modesFor("quality"),
});

const Volume = z.strictObject({
  perAgentPerDay: z.strictObject({
    default: Count,
    agents: z._default(z.record(z.string(), Count), {}),
  }),
  perChannelPerDay: z._default(z.partialRecord(Channel, Count), {}),
  perActionTypePerDay: z._default(z.record(ActionType, Count), {}),
  accountsPerOwnerPerDay: z.optional(PositiveInt),
  modes: modesFor("volume"),
});

const Window = z.union([
  z.strictObject({ calendarDays: PositiveInt }),
  z.strictObject({ rollingHours: Positive }),
]);

const FrequencyCap = z.strictObject({
  name: Name,
  max: PositiveInt,
  window: Window,
  scope: Scope,
  channels: z.optional(z.array(Channel)),
  mode: Mode,
});

const Cooldown = z.strictObject({
  name: Name,
  /** A touch on this channel ... */
  after: Channel,
  /** ... blocks touches on this channel (same channel when omitted) for `hours`. */
  before: z.optional(Channel),
  hours: Positive,
  scope: Scope,
  mode: Mode,
});

const ChannelDiversity = z.strictObject({ name: Name, windowDays: Positive, scope: Scope, mode: Mode });

const QuietHours = z.strictObject({
  name: Name,
  start: HhMm,
  end: HhMm,
  /** Local days on which the whole day is quiet (e.g. weekends). */
  allDay: z._default(z.array(Weekday), []),
  channels: z.optional(z.array(Channel)),
  mode: Mode,
});

const Coordination = z.strictObject({
  frequencyCaps: z._default(z.array(FrequencyCap), []),
  cooldowns: z._default(z.array(Cooldown), []),
  channelDiversity: z._default(z.array(ChannelDiversity), []),
  quietHours: z._default(z.array(QuietHours), []),
});

/**
 * The longest an approval may wait: a deployed harness waits in one Step Functions Standard
 * execution, which lives at most a year; a day of that is left for the override and stream lag.
 */
export const MAX_APPROVAL_TIMEOUT_HOURS = 24 * 364;

const ActionConfig = z
  .strictObject({
    /** touch: contacts a human; audience: adds them to an audience; record: internal bookkeeping. */
    kind: z.enum(["touch", "audience", "record"]),
    channel: z.optional(Channel),
    maxLevel: Level,
    startLevel: z._default(Level, 1),
    overrideWindowMinutes: z._default(
      z
        .number()
        .check(
          z.positive(),
          z.lte(
            MAX_APPROVAL_TIMEOUT_HOURS * 60,
            "at most 364 days: a scheduled action waits in a workflow that lives a year",
          ),
        ),
      30,
    ),
    approvalTimeoutHours: z._default(
      z
        .number()
        .check(
          z.positive(),
          z.lte(
            MAX_APPROVAL_TIMEOUT_HOURS,
            "at most 364 days: an approval waits in a workflow that lives a year",
          ),
        ),
      24,
    ),
    /** A downstream MCP server's tool that carries out this action type (spec-tools.ts). */
    tool: z.optional(ToolMapping),
  })
  .check(
    z.superRefine((a, ctx) => {
      for (const issue of toolForKindIssues(a)) ctx.addIssue({ code: "custom", ...issue });
    }),
    z.refine((a) => a.kind === "record" || a.channel !== undefined, {
      message: "touch and audience actions need a channel",
      path: ["channel"],
    }),
    z.refine((a) => a.startLevel <= a.maxLevel, {
      message: "startLevel must not exceed maxLevel",
      path: ["startLevel"],
    }),
  );

const Promotion = z.strictObject({ minSample: NonNegative, minLowerBound: Share });

/**
 * Level 3 also needs market evidence (learning/trust.ts): a market sample and the market stream's own
 * lower bound, so approvals alone never make an agent autonomous; and, where other agents do the same
 * action, odds of a good outcome (market and reviews) shown to be at least `minPeerOdds` times theirs
 * (learning/trust-peers.ts; 0 turns that comparison off). Defaults keep older specs valid.
 */
const Level3Promotion = z.extend(Promotion, {
  minMarket: z._default(NonNegative, 20),
  minMarketLowerBound: z._default(Share, 0.55),
  minPeerOdds: z._default(Share, 0.8),
});

/** How much each evidence stream counts in the trust score (learning/trust.ts explains the maths). */
const EvidenceWeights = z.strictObject({
  reviews: z._default(NonNegative, 0.5),
  market: z._default(NonNegative, 1),
});

const OutcomeWeight = z.strictObject({
  success: z._default(NonNegative, 0),
  failure: z._default(NonNegative, 0),
  severe: z._default(z.boolean(), false),
});

const Trust = z.strictObject({
  halfLifeDays: Positive,
  /** z of the normal approximation used for the lower confidence bound. */
  confidenceZ: Positive,
  level2: Promotion,
  level3: Level3Promotion,
  /** Demote only when the bound drops this far below the promotion threshold (hysteresis). */
  demotionMargin: Share,
  outcomes: z.partialRecord(OutcomeType, OutcomeWeight),
  /** An executed touch with no answer within this many days is a weak failure (`silence`) of its agent. */
  silenceDays: z._default(Positive, 7),
  evidence: z._default(EvidenceWeights, { reviews: 0.5, market: 1 }),
});

const Suppression = z.strictObject({
  blockLifecycles: z._default(z.array(Lifecycle), ["customer", "open_opportunity"]),
  competitorDomains: z._default(z.array(z.string()), []),
  modes: modesFor("suppression"),
});

/**
 * The CRM's lifecycle stages in the harness's words, beyond HubSpot's defaults (subscriber … evangelist):
 * a portal's own stages by their internal value (usecases/crm-records.ts lifecycleOf). An unmapped one
 * is taken for a customer, which suppression keeps from outreach.
 */
const Crm = z.strictObject({
  lifecycleStages: z._default(
    z
      .record(z.string().check(z.minLength(1), z.maxLength(100)), Lifecycle)
      .check(z.refine((r) => Object.keys(r).length <= 200, "at most 200 stages")),
    {},
  ),
  /**
   * The CRM's owner ids (HubSpot's `hubspot_owner_id`) → the owner an imported account gets: the id
   * lead lists, audiences and `accountsPerOwnerPerDay` name an SDR by. An owner not listed is
   * `hubspot-owner-<id>` (crm-records.ts accountInputOf).
   */
  owners: z._default(
    z
      .record(z.string().check(z.minLength(1), z.maxLength(64)), Id)
      .check(z.refine((r) => Object.keys(r).length <= 1000, "at most 1,000 owners")),
    {},
  ),
});

const StopOnReply = z.strictObject({
  outcomes: z.array(OutcomeType).check(z.minLength(1)),
  pauseDays: Positive,
});

export const SpecSchema = z
  .strictObject({
    name: z._default(Name, "default"),
    workspace: z.strictObject({ timezone: TimeZone }),
    icp: Icp,
    personas: Personas,
    quality: Quality,
    volume: Volume,
    coordination: Coordination,
    autonomy: z.strictObject({ actions: z.record(ActionType, ActionConfig) }),
    trust: Trust,
    suppression: z._default(Suppression, {
      blockLifecycles: ["customer", "open_opportunity"],
      competitorDomains: [],
    }),
    stopOnReply: StopOnReply,
    crm: z.optional(Crm),
    /** A/B by spec version: accounts hashed to arms, each deciding under a published version (arms.ts). */
    experiments: z.optional(ExperimentSchema),
    outcomes: z._default(z.strictObject({ attributionWindowDays: z._default(Positive, 14) }), {
      attributionWindowDays: 14,
    }),
    /** Conditional rules (corrections become these): when the conditions hold, block, defer or review. */
    rules: z._default(z.array(SpecRuleSchema).check(z.maxLength(MAX_SPEC_RULES)), []),
    /** The learning loops' switch and settings (spec-learning.ts; shared/learning/). */
    learning: z.prefault(LearningSchema, {}),
  })
  .check(
    z.superRefine((spec, ctx) => {
      for (const issue of duplicateNameIssues(spec)) ctx.addIssue({ code: "custom", ...issue });
      const shadowIssue = shadowCountIssue(spec);
      if (shadowIssue) ctx.addIssue({ code: "custom", ...shadowIssue });
      for (const issue of duplicateToolIssues(spec.autonomy.actions))
        ctx.addIssue({ code: "custom", ...issue });
      for (const type of Object.keys(spec.personas.allowedRoles)) {
        if (!spec.autonomy.actions[type]) {
          ctx.addIssue({
            code: "custom",
            path: ["personas", "allowedRoles", type],
            message: `action type "${type}" is not declared under autonomy.actions`,
          });
        }
      }
    }),
  );

export type Spec = z.infer<typeof SpecSchema>;
export type ActionConfig = z.infer<typeof ActionConfig>;
export type FrequencyCapRule = z.infer<typeof FrequencyCap>;
export type CooldownRule = z.infer<typeof Cooldown>;
export type ChannelDiversityRule = z.infer<typeof ChannelDiversity>;
export type QuietHoursRule = z.infer<typeof QuietHours>;
export type TrustPolicy = z.infer<typeof Trust>;
export type PersonaRule = z.infer<typeof Persona>;
export type { RuleMode, SpecRule } from "./spec-modes.ts";

/** A published, immutable spec version. */
export interface SpecVersion {
  version: number;
  hash: string;
  publishedAt: string;
  publishedBy: string;
  spec: Spec;
}
