/**
 * Rules loop: rules that emerge from people's reviews, proposed as spec drafts (never obeyed before an
 * admin confirms them; usecases/drafts.ts puts each in shadow first). Two sources, both pure here:
 *
 * - a correction ("make this a rule"): `ruleFromCorrection` turns one reviewed decision into a
 *   conditional rule using only what the decision recorded;
 * - repeated rejections: reviews are tallied per cell (action type × persona × industry, counted once
 *   per review in the review's own transition); a cell calls for a draft when it has at least
 *   PATTERN_MIN_REJECTIONS rejections, at least PATTERN_MIN_SHARE of its reviews were refusals, no draft
 *   of the cell is still in shadow, and at least PATTERN_MIN_REJECTIONS of the rejections are new since
 *   the cell's last draft (`patternDraftDue`); `ruleFromPattern` then proposes a review rule for it.
 *   The thresholds are counts, not a statistical test: a draft is only a proposal, and its shadow flip
 *   set is the evidence an admin weighs before confirming it.
 *
 * From a reviewer's correction to a proposed conditional rule (spec `rules[]`), using only what the
 * decision recorded: its action type, account industry, persona, the local weekday it was decided on,
 * and its payload. Each choice is explained in the rule's `note`, and the rule always matches the
 * corrected decision (checked here, on the recorded context).
 */

import { payloadText, weekdayAt } from "../domain/checks/rules.ts";
import type { Decision } from "../domain/decision.ts";
import { ValidationError } from "../domain/errors.ts";
import { redactor } from "../domain/redact.ts";
import { RULE_VALUE_MAX_LENGTH, SpecRuleSchema } from "../domain/spec-modes.ts";
import type { SpecRule } from "../domain/spec-schema.ts";
import { WEEKDAY_NAMES, type Weekday } from "../domain/vocabulary.ts";
import * as z from "../domain/zod-mini.ts";

type When = SpecRule["when"];
type Effect = SpecRule["effect"];
type ReviewAction = "rejected" | "edited" | "vetoed";

/** What a reviewer may pin down themselves; anything left out is proposed from the decision. */
export const ExplicitRule = z.strictObject({
  name: z.optional(SpecRuleSchema.shape.name),
  when: z.optional(SpecRuleSchema.shape.when),
  effect: z.optional(SpecRuleSchema.shape.effect),
});
export type ExplicitRule = z.infer<typeof ExplicitRule>;

export const MAX_REASON_CHARS = 280;
const MAX_NOTE_CHARS = 1000;

const DAY_WORDS: [RegExp, Weekday[]][] = [
  [/\bmondays?\b/i, ["mon"]],
  [/\btuesdays?\b/i, ["tue"]],
  [/\bwednesdays?\b/i, ["wed"]],
  [/\bthursdays?\b/i, ["thu"]],
  [/\bfridays?\b/i, ["fri"]],
  [/\bsaturdays?\b/i, ["sat"]],
  [/\bsundays?\b/i, ["sun"]],
  [/\bweekends?\b/i, ["sat", "sun"]],
];

/** Days the note names, in week order. */
export function daysMentioned(note: string): Weekday[] {
  const days = new Set<Weekday>();
  for (const [re, ds] of DAY_WORDS) if (re.test(note)) for (const d of ds) days.add(d);
  return WEEKDAY_NAMES.filter((d) => days.has(d));
}

/**
 * Text the note quotes ("…", “…” or '…'), longest first. A single quote opens or closes a quotation
 * only outside a word: the apostrophe of "Don't" or "it's" is not one.
 */
export function quotesIn(note: string): string[] {
  const out: string[] = [];
  for (const m of note.matchAll(
    /"([^"\n]{3,200})"|“([^”\n]{3,200})”|(?<![\p{L}\p{N}])'([^'\n]{3,200})'(?![\p{L}\p{N}])/gu,
  )) {
    const q = (m[1] ?? m[2] ?? m[3] ?? "").trim();
    if (q.length >= 3) out.push(q);
  }
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

/** The recipient's local weekday at decision time (the person's zone, else the account's), as the gate reads it. */
export function decisionWeekday(d: Decision): Weekday {
  // The person's zone is in the decision's replay facts when it has them (domain/replay-facts.ts).
  const facts = (d as Decision & { facts?: { person?: { timezone?: string } } }).facts;
  const zone = facts?.person?.timezone ?? d.context.account?.timezone ?? "UTC";
  return weekdayAt(Date.parse(d.decidedAt), zone);
}

/** Strings that identify the decision's person, kept out of rules, drafts and the spec stream. */
function identifiers(d: Decision): { whole: string[]; words: string[] } {
  const name = d.context.person?.name ?? "";
  const to = typeof d.payload.to === "string" ? [d.payload.to] : [];
  return { whole: [name, ...to].filter(Boolean), words: name.split(/\s+/).filter((w) => w.length >= 2) };
}

/** The reviewer's note without the person's name or email, trimmed (see DraftCorrection.reason). */
export function redactedReason(d: Decision, note: string): string {
  const redact = redactor(identifiers(d));
  const text = redact ? String(redact(note)) : note;
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > MAX_REASON_CHARS ? `${flat.slice(0, MAX_REASON_CHARS - 1)}…` : flat;
}

/**
 * Whether the rule's conditions hold for the decision as recorded: AND across fields, OR within one,
 * as the gate matches them (checks/rules.ts: industries and countries ignore case, phrases are
 * case-insensitive substrings of the payload's text).
 */
export function matchesDecision(when: When, d: Decision): boolean {
  const has = (list: readonly string[] | undefined, v: string | undefined) =>
    list === undefined || (v !== undefined && list.includes(v));
  const hasIgnoringCase = (list: readonly string[] | undefined, v: string | undefined) =>
    list === undefined ||
    (v !== undefined && list.some((x) => x.trim().toLowerCase() === v.trim().toLowerCase()));
  return (
    has(when.actionTypes, d.actionType) &&
    has(when.agents, d.agentId) &&
    has(when.channels, d.channel) &&
    hasIgnoringCase(when.industries, d.context.account?.industry) &&
    hasIgnoringCase(when.countries, d.context.account?.country) &&
    has(when.personas, d.context.person?.persona) &&
    has(when.roles, d.context.person?.role) &&
    has(when.weekdays, decisionWeekday(d)) &&
    (when.phrases === undefined || when.phrases.some((p) => payloadText(d.payload).includes(p.toLowerCase())))
  );
}

const uniqueName = (base: string, taken: ReadonlySet<string>) => {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
};

const clip = (s: string) => (s.length > MAX_NOTE_CHARS ? `${s.slice(0, MAX_NOTE_CHARS - 1)}…` : s);

export interface CorrectionInput {
  decision: Decision;
  action: ReviewAction;
  by: string;
  note: string;
  explicit?: ExplicitRule;
  /** Rule names the current spec already uses. */
  taken: ReadonlySet<string>;
}

/**
 * The proposed rule (mode shadow). Effect: a rejection or veto blocks, an edit asks for review.
 * Conditions, always with the decision's action type: the recipient's weekday and the industry when the
 * note names that day; a phrase when the note quotes text the payload contains; otherwise the persona
 * (or, without one, the industry; or the agent). Explicit conditions or effect replace the proposal's,
 * and must still match the corrected decision.
 */
export function ruleFromCorrection(input: CorrectionInput): SpecRule {
  const { decision: d, action, note } = input;
  const why: string[] = [`From ${input.by}'s correction of decision ${d.decisionId} (${action}).`];
  const effect: Effect = input.explicit?.effect ?? (action === "edited" ? "review" : "block");
  why.push(
    input.explicit?.effect
      ? `Effect ${effect}: given by the reviewer.`
      : `Effect ${effect}: the decision was ${action}${action === "edited" ? ", so such proposals go to a human" : ""}.`,
  );
  let when: When;
  if (input.explicit?.when) {
    when = input.explicit.when;
    why.push("Conditions: given by the reviewer.");
  } else {
    when = { actionTypes: [d.actionType] };
    why.push(`Action type ${d.actionType}: the corrected decision's.`);
    const industry = d.context.account?.industry;
    const days = daysMentioned(note);
    const day = decisionWeekday(d);
    let narrowed = false;
    if (days.length > 0 && days.includes(day)) {
      when.weekdays = days;
      why.push(
        `Weekdays ${days.join(", ")}: the note names them (the decision was on a ${day}, recipient's time).`,
      );
      if (nameable(industry)) {
        when.industries = [industry];
        why.push(`Industry ${industry}: the account's.`);
      }
      narrowed = true;
    } else if (days.length > 0) {
      why.push(`The note names ${days.join(", ")} but the decision was on a ${day}: no weekday condition.`);
    }
    // Personal when it names the recipient: their email or full name anywhere, a first or last name as
    // a word (the redactor's test). As a substring, a name part like "Al" or "Ed" made "free trial" and
    // "guaranteed" personal, and the rule fell back to the whole persona.
    const redact = redactor(identifiers(d));
    const personal = (q: string) => redact !== undefined && redact(q) !== q;
    const text = payloadText(d.payload);
    const phrase = quotesIn(note).find((q) => text.includes(q.toLowerCase()) && !personal(q));
    if (phrase) {
      when.phrases = [phrase];
      why.push(`Phrase "${phrase}": the note quotes it and the payload contains it.`);
      narrowed = true;
    }
    if (!narrowed) {
      const persona = d.context.person?.persona;
      if (nameable(persona)) {
        when.personas = [persona];
        why.push(`Persona ${persona}: the recipient's.`);
      } else if (nameable(industry)) {
        when.industries = [industry];
        why.push(`Industry ${industry}: the account's (the decision has no persona a rule can name).`);
      } else {
        when.agents = [d.agentId];
        why.push(`Agent ${d.agentId}: the decision has neither persona nor industry.`);
      }
    }
  }
  const reason = redactedReason(d, note);
  if (reason) why.push(`Reviewer's reason: ${reason}`);
  const name =
    input.explicit?.name ??
    uniqueName(`correction-${d.decisionId.replace(/^d_/, "").slice(0, 10)}`, input.taken);
  if (input.taken.has(name))
    throw new ValidationError([
      { path: "rule.name", message: `rule name "${name}" is already used by the spec` },
    ]);
  const rule: SpecRule = {
    name,
    when,
    effect,
    mode: "shadow",
    note: clip(why.join(" ")),
    origin: { decisionId: d.decisionId },
  };
  if (!matchesDecision(rule.when, d))
    throw new ValidationError([
      { path: "rule.when", message: "these conditions do not match the corrected decision" },
    ]);
  return rule;
}

/** The repeated-rejection heuristic's rule for a cell: its action type, persona and industry, blocked. */
export function ruleFromPattern(
  cell: ReviewCell,
  evidence: { rejected: number; reviewed: number },
  taken: ReadonlySet<string>,
): SpecRule {
  const base = `pattern-${cell.actionType}-${cell.persona}-${cell.industry}`
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, "-")
    .slice(0, 90);
  return {
    name: uniqueName(base, taken),
    when: { actionTypes: [cell.actionType], personas: [cell.persona], industries: [cell.industry] },
    effect: "block",
    mode: "shadow",
    note: clip(
      `Reviewers rejected ${evidence.rejected} of ${evidence.reviewed} reviewed ${cell.actionType} proposals to the ${cell.persona} persona at ${cell.industry} accounts (the harness's review tally; threshold: at least 3 rejections and at least half of the reviews).`,
    ),
  };
}

/**
 * The repeated-rejection heuristic's cell: action type × persona × industry. A decision with no
 * persona (no person, or a title no persona matched) or no industry falls in no cell: a rule on
 * "unknown" would match unrelated proposals.
 */
export interface ReviewCell {
  actionType: string;
  persona: string;
  industry: string;
}

export const cellId = (c: ReviewCell) => `${c.actionType}#${c.persona}#${c.industry.toLowerCase()}`;

export function reviewCellOf(d: Decision): ReviewCell | undefined {
  const persona = d.context.person?.persona;
  const industry = d.context.account?.industry;
  // A cell whose rule could not be written (a name longer than a rule may hold) is no cell: its
  // drafts would fail validation after every refusal, silently.
  return nameable(persona) && nameable(industry)
    ? { actionType: d.actionType, persona, industry }
    : undefined;
}

/** A persona or industry a rule's condition can hold (spec-modes.ts). */
function nameable(v: string | undefined): v is string {
  return v !== undefined && v.trim().length > 0 && v.length <= RULE_VALUE_MAX_LENGTH;
}

/** Rejections and vetoes are a human saying no; approvals and edits are a human letting it through. */
export const isRefusal = (action: NonNullable<Decision["review"]>["action"]) =>
  action === "rejected" || action === "vetoed";

export interface ReviewTally {
  cell: ReviewCell;
  reviewed: number;
  rejected: number;
  /** The draft made from this cell that is still in shadow, if any. */
  openDraftId?: string;
  /** Rejections counted when the cell's last draft was made: a new draft needs new evidence. */
  rejectedAtLastDraft?: number;
  /** How many drafts this cell has produced (numbers the next one). */
  drafts?: number;
}

/** ≥ 3 rejections and ≥ 50% rejected in one cell, as the agents' heuristic had it. */
export const PATTERN_MIN_REJECTIONS = 3;
export const PATTERN_MIN_SHARE = 0.5;

/**
 * Whether a cell's tally calls for a new draft: enough rejections, a high enough share, no draft of
 * the cell still in shadow, and (after a draft was closed) at least as many new rejections again.
 */
export function patternDraftDue(t: ReviewTally): boolean {
  if (t.openDraftId) return false;
  const fresh = t.rejected - (t.rejectedAtLastDraft ?? 0);
  return (
    t.reviewed > 0 &&
    t.rejected >= PATTERN_MIN_REJECTIONS &&
    fresh >= PATTERN_MIN_REJECTIONS &&
    t.rejected / t.reviewed >= PATTERN_MIN_SHARE
  );
}
