import * as z from "zod";
import { ExperimentSchema } from "./arms.ts";
import { patternProblem } from "./patterns.ts";
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
import { ActionType, Channel, CommitteeRole, Lifecycle, OutcomeType, Weekday } from "./vocabulary.ts";

const TimeZone = z.string().refine(isValidTimeZone, "expected an IANA time zone such as America/New_York");
const HhMm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time of day "HH:MM"');
const Scope = z.enum(["account", "person"]);

/**
 * A title pattern: must compile on RE2, the linear-time engine the persona check matches with
 * (domain/patterns.ts), so no pattern can stall the gate; backreferences and lookahead are refused here.
 */
const Pattern = z.string().superRefine((source, ctx) => {
  const problem = patternProblem(source);
  if (problem) ctx.addIssue({ code: "custom", message: `not a linear-time (RE2) pattern: ${problem}` });
});
/** Bounds on persona rules: matching costs patterns × title length per decision. */
const MAX_PERSONA_RULES = 50;
const MAX_PATTERNS_PER_RULE = 20;

const IcpExclusion = z
  .object({
    name: z.string().min(1),
    field: z.enum(["industry", "country", "fundingStage", "techStack", "domain"]),
    in: z.array(z.string()).min(1),
    /** Time-based rule: only applies on these weekdays in the workspace time zone. */
    onDays: z.array(Weekday).optional(),
    mode: Mode,
  })
  .strict();

const Icp = z
  .object({
    industries: z.array(z.string()).min(1).optional(),
    employees: z
      .object({ min: z.number().int().nonnegative(), max: z.number().int().positive() })
      .strict()
      .refine((r) => r.min <= r.max, "min must not exceed max")
      .optional(),
    countries: z.array(z.string().length(2)).optional(),
    techStackAnyOf: z.array(z.string()).optional(),
    fundingStages: z.array(z.string()).optional(),
    exclusions: z.array(IcpExclusion).default([]),
    modes: modesFor("icp"),
  })
  .strict();

const Persona = z
  .object({
    name: z.string().min(1),
    titlePatterns: z.array(Pattern).min(1).max(MAX_PATTERNS_PER_RULE),
    role: CommitteeRole,
    /** A persona rule in shadow classifies nobody; the gate records whom it would have classified. */
    mode: Mode,
  })
  .strict();

const Personas = z
  .object({
    /** First matching persona wins, so order specific patterns before general ones. */
    rules: z.array(Persona).min(1).max(MAX_PERSONA_RULES),
    /** Which committee roles each action type may target. Action types not listed may target any role. */
    allowedRoles: z.record(ActionType, z.array(CommitteeRole)).default({}),
    modes: modesFor("personas"),
  })
  .strict();

/** Points per occurrence; negative for a signal that lowers intent (a refit may find one: spec-signals.ts). */
const SignalWeight = z
  .object({ weight: z.number().min(-100).max(100), windowDays: z.number().positive() })
  .strict();

const Quality = z
  .object({
    minIntent: z.number().min(0).max(100),
    minContentQuality: z.number().min(0).max(100),
    reviewBelowConfidence: z.number().min(0).max(1),
    signals: z.record(z.string(), SignalWeight),
    content: z
      .object({
        minLength: z.number().int().nonnegative().default(40),
        maxLength: z.number().int().positive().default(1500),
        bannedPhrases: z.array(z.string()).default([]),
        linkAllowlist: z.array(z.string()).default([]),
      })
      .strict(),
    modes: modesFor("quality"),
  })
  .strict();

const Volume = z
  .object({
    perAgentPerDay: z
      .object({
        default: z.number().int().nonnegative(),
        agents: z.record(z.string(), z.number().int().nonnegative()).default({}),
      })
      .strict(),
    perChannelPerDay: z.partialRecord(Channel, z.number().int().nonnegative()).default({}),
    perActionTypePerDay: z.record(ActionType, z.number().int().nonnegative()).default({}),
    accountsPerOwnerPerDay: z.number().int().positive().optional(),
    modes: modesFor("volume"),
  })
  .strict();

const Window = z.union([
  z.object({ calendarDays: z.number().int().positive() }).strict(),
  z.object({ rollingHours: z.number().positive() }).strict(),
]);

const FrequencyCap = z
  .object({
    name: z.string().min(1),
    max: z.number().int().positive(),
    window: Window,
    scope: Scope,
    channels: z.array(Channel).optional(),
    mode: Mode,
  })
  .strict();

const Cooldown = z
  .object({
    name: z.string().min(1),
    /** A touch on this channel ... */
    after: Channel,
    /** ... blocks touches on this channel (same channel when omitted) for `hours`. */
    before: z.optional(Channel),
    hours: z.number().positive(),
    scope: Scope,
    mode: Mode,
  })
  .strict();

const ChannelDiversity = z
  .object({ name: z.string().min(1), windowDays: z.number().positive(), scope: Scope, mode: Mode })
  .strict();

const QuietHours = z
  .object({
    name: z.string().min(1),
    start: HhMm,
    end: HhMm,
    /** Local days on which the whole day is quiet (e.g. weekends). */
    allDay: z.array(Weekday).default([]),
    channels: z.array(Channel).optional(),
    mode: Mode,
  })
  .strict();

const Coordination = z
  .object({
    frequencyCaps: z.array(FrequencyCap).default([]),
    cooldowns: z.array(Cooldown).default([]),
    channelDiversity: z.array(ChannelDiversity).default([]),
    quietHours: z.array(QuietHours).default([]),
  })
  .strict();

/**
 * The longest an approval may wait: a deployed harness waits in one Step Functions Standard
 * execution, which lives at most a year; a day of that is left for the override and stream lag.
 */
export const MAX_APPROVAL_TIMEOUT_HOURS = 24 * 364;

const ActionConfig = z
  .object({
    /** touch: contacts a human; audience: adds them to an audience; record: internal bookkeeping. */
    kind: z.enum(["touch", "audience", "record"]),
    channel: z.optional(Channel),
    maxLevel: z.union([z.literal(1), z.literal(2), z.literal(3)]),
    startLevel: z.union([z.literal(1), z.literal(2), z.literal(3)]).default(1),
    overrideWindowMinutes: z.number().positive().default(30),
    approvalTimeoutHours: z
      .number()
      .positive()
      .max(MAX_APPROVAL_TIMEOUT_HOURS, "at most 364 days: an approval waits in a workflow that lives a year")
      .default(24),
    /** A downstream MCP server's tool that carries out this action type (spec-tools.ts). */
    tool: z.optional(ToolMapping),
  })
  .strict()
  .superRefine((a, ctx) => {
    for (const issue of toolForKindIssues(a)) ctx.addIssue({ code: "custom", ...issue });
  })
  .refine((a) => a.kind === "record" || a.channel !== undefined, {
    message: "touch and audience actions need a channel",
    path: ["channel"],
  })
  .refine((a) => a.startLevel <= a.maxLevel, {
    message: "startLevel must not exceed maxLevel",
    path: ["startLevel"],
  });

const Promotion = z
  .object({ minSample: z.number().nonnegative(), minLowerBound: z.number().min(0).max(1) })
  .strict();

/**
 * Level 3 also needs market evidence (learning/trust.ts): a market sample and the market stream's own
 * lower bound, so approvals alone never make an agent autonomous. Defaults keep older specs valid.
 */
const Level3Promotion = Promotion.extend({
  minMarket: z.number().nonnegative().default(20),
  minMarketLowerBound: z.number().min(0).max(1).default(0.55),
}).strict();

/** How much each evidence stream counts in the trust score (learning/trust.ts explains the maths). */
const EvidenceWeights = z
  .object({ reviews: z.number().nonnegative().default(0.5), market: z.number().nonnegative().default(1) })
  .strict();

const OutcomeWeight = z
  .object({
    success: z.number().nonnegative().default(0),
    failure: z.number().nonnegative().default(0),
    severe: z.boolean().default(false),
  })
  .strict();

const Trust = z
  .object({
    halfLifeDays: z.number().positive(),
    /** z of the normal approximation used for the lower confidence bound. */
    confidenceZ: z.number().positive(),
    level2: Promotion,
    level3: Level3Promotion,
    /** Demote only when the bound drops this far below the promotion threshold (hysteresis). */
    demotionMargin: z.number().min(0).max(1),
    outcomes: z.partialRecord(OutcomeType, OutcomeWeight),
    /** An executed touch with no answer within this many days is a weak failure (`silence`) of its agent. */
    silenceDays: z.number().positive().default(7),
    evidence: EvidenceWeights.default({ reviews: 0.5, market: 1 }),
  })
  .strict();

const Suppression = z
  .object({
    blockLifecycles: z.array(Lifecycle).default(["customer", "open_opportunity"]),
    competitorDomains: z.array(z.string()).default([]),
    modes: modesFor("suppression"),
  })
  .strict();

const StopOnReply = z
  .object({ outcomes: z.array(OutcomeType).min(1), pauseDays: z.number().positive() })
  .strict();

export const SpecSchema = z
  .object({
    name: z.string().min(1).default("default"),
    workspace: z.object({ timezone: TimeZone }).strict(),
    icp: Icp,
    personas: Personas,
    quality: Quality,
    volume: Volume,
    coordination: Coordination,
    autonomy: z.object({ actions: z.record(ActionType, ActionConfig) }).strict(),
    trust: Trust,
    suppression: Suppression.default({
      blockLifecycles: ["customer", "open_opportunity"],
      competitorDomains: [],
    }),
    stopOnReply: StopOnReply,
    /** A/B by spec version: accounts hashed to arms, each deciding under a published version (arms.ts). */
    experiments: z.optional(ExperimentSchema),
    outcomes: z
      .object({ attributionWindowDays: z.number().positive().default(14) })
      .strict()
      .default({ attributionWindowDays: 14 }),
    /** Conditional rules (corrections become these): when the conditions hold, block, defer or review. */
    rules: z.array(SpecRuleSchema).max(MAX_SPEC_RULES).default([]),
    /** The learning loops' switch and settings (spec-learning.ts; shared/learning/). */
    learning: z.prefault(LearningSchema, {}),
  })
  .strict()
  .superRefine((spec, ctx) => {
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
  });

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
