import * as z from "./zod-mini.ts";

/** Channels on which a human can be touched. */
export const CHANNELS = ["email", "linkedin", "phone", "sms", "ads"] as const;
export const Channel = z.enum(CHANNELS);
export type Channel = z.infer<typeof Channel>;

export const COMMITTEE_ROLES = ["decision_maker", "champion", "influencer", "too_junior"] as const;
export const CommitteeRole = z.enum(COMMITTEE_ROLES);
export type CommitteeRole = z.infer<typeof CommitteeRole>;

export const VERDICTS = ["allow", "schedule", "require_approval", "defer", "block"] as const;
export type Verdict = (typeof VERDICTS)[number];

export const STATUSES = [
  "scheduled",
  "pending_approval",
  "dispatched",
  "executed",
  "failed",
  "in_doubt",
  "vetoed",
  "rejected",
  "expired",
  "deferred",
  "blocked",
] as const;
export const DecisionStatus = z.enum(STATUSES);
export type DecisionStatus = z.infer<typeof DecisionStatus>;

export const OUTCOME_TYPES = [
  "opened",
  "replied",
  "meeting_booked",
  "deal_created",
  "bounced",
  "unsubscribed",
  "complaint",
  "flagged_bad_lead",
  /** A person fixed what a record action wrote (a contact's title, a classification). */
  "record_corrected",
  /** Recorded by the harness itself: a touch unanswered within `trust.silenceDays`. */
  "silence",
  /** Recorded by the harness itself: a record nobody corrected or flagged within `trust.silenceDays`. */
  "record_kept",
  /**
   * Recorded by the harness itself: a record's window closed after a person corrected or flagged it
   * within the window; those judgments count for trust then, as `record_kept` does (usecases/trust-evidence.ts).
   */
  "record_judged",
  /**
   * Recorded by the harness itself: the gate blocked the draft for a fault of the draft (its content,
   * or whom it addresses), as a reviewer would have rejected it (usecases/trust-evidence.ts).
   */
  "draft_blocked",
  /** Taught by the harness itself: a draft no person reviewed went out after passing the gate's checks. */
  "draft_passed",
  /**
   * Taught by the harness itself to the record agent that created a person, when a meeting is booked
   * with them: the contact was real and right (usecases/trust-evidence.ts).
   */
  "contact_met",
  "approved",
  "edited",
  "rejected",
  "vetoed",
] as const;
export const OutcomeType = z.enum(OUTCOME_TYPES);
export type OutcomeType = z.infer<typeof OutcomeType>;
/** Outcomes only the harness records (a window closes, the gate judges a draft); the outcomes API refuses them. */
export const HARNESS_OUTCOMES: readonly OutcomeType[] = [
  "silence",
  "record_kept",
  "record_judged",
  "draft_blocked",
  "draft_passed",
  "contact_met",
];

/**
 * A person's review of a decision: recorded by reviewing it (approve, with or without an edit; reject;
 * veto), which also moves it on; the outcomes API refuses them. Posted there, an approval taught the
 * review stream a second time, and a veto of a sent email that nobody vetoed counted against its agent.
 */
export const REVIEW_OUTCOMES: readonly OutcomeType[] = ["approved", "edited", "rejected", "vetoed"];

export const LIFECYCLES = ["prospect", "customer", "open_opportunity"] as const;
export const Lifecycle = z.enum(LIFECYCLES);

export const WEEKDAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"] as const;
export const Weekday = z.enum(WEEKDAY_NAMES);
export type Weekday = z.infer<typeof Weekday>;

/** Action types look like `email.send`, `linkedin.audience.add`. */
export const ActionType = z
  .string()
  .check(
    z.regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, 'expected a dotted action type such as "email.send"'),
  );

export const Id = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(128),
    z.regex(/^[A-Za-z0-9._:@-]+$/, "expected letters, digits and . _ : @ - only"),
  );
