/**
 * Drafts (DESIGN §4b): a correction or a repeated-rejection pattern becomes a draft spec version with
 * one new rule in shadow; an admin confirms it (a version with the rule enforced) or discards it (a
 * version without it). Every change is a spec version published together with the draft (DraftStore),
 * and the spec stream's event names who and why.
 */
import { createHash } from "node:crypto";
import type { Decision } from "../domain/decision.ts";
import { DRAFT_STATUSES, type DraftCorrection, type SpecDraft } from "../domain/drafts.ts";
import { ConflictError, NotFoundError } from "../domain/errors.ts";
import { parseSpec, specHash } from "../domain/spec-loader.ts";
import { addRule, removeRule, ruleNames, setRuleMode } from "../domain/spec-rules.ts";
import type { Spec, SpecRule, SpecVersion } from "../domain/spec-schema.ts";
import { closeShadowWeights } from "../domain/spec-signals.ts";
import { iso } from "../domain/time.ts";
import { parseWith } from "../domain/validation.ts";
import * as z from "../domain/zod-mini.ts";
import {
  cellId,
  ExplicitRule,
  patternDraftDue,
  redactedReason,
  reviewCellOf,
  ruleFromCorrection,
  ruleFromPattern,
} from "../learning/rules.ts";
import type { Deps, DraftStore } from "../ports.ts";
import { asProposed } from "./as-proposed.ts";
import { assertMayReview, type Principal } from "./principal.ts";
import { pageQuery } from "./schemas.ts";

export type DraftDeps = Pick<Deps, "specs" | "clock" | "events" | "decisions" | "drafts">;

const Text = (max: number) => z.string().check(z.trim(), z.minLength(1), z.maxLength(max));

export const CorrectionBody = z.strictObject({
  makeRule: z.literal(true, { message: "expected true: a correction here makes a rule" }),
  note: Text(2000),
  rule: z.optional(ExplicitRule),
});

export const CloseBody = z.strictObject({ reason: z.optional(Text(500)) });

export const DraftListQuery = z.extend(pageQuery(50), { status: z.optional(z.enum(DRAFT_STATUSES)) });

/** Publishes race with other publishers: a lost race re-reads the current spec and tries again. */
const ATTEMPTS = 5;

export function draftStore(deps: Pick<Deps, "drafts">): DraftStore {
  if (!deps.drafts) throw new NotFoundError("drafts are not kept in this deployment");
  return deps.drafts;
}

async function currentSpec(deps: Pick<Deps, "specs">): Promise<SpecVersion> {
  const current = await deps.specs.current();
  if (!current) throw new NotFoundError("no spec has been published yet");
  return current;
}

/** Ids sort by creation time (the drafts listing is newest first), then a digest of the source. */
export function draftIdFor(at: number, source: string): string {
  const t = iso(at).replace(/[-:.TZ]/g, "");
  return `dr_${t}_${createHash("sha256").update(source).digest("base64url").slice(0, 10)}`;
}

async function announce(deps: Pick<Deps, "events">, version: SpecVersion, draftId: string) {
  await deps.events.publish([
    { type: "spec.published", detail: { version: version.version, hash: version.hash, draftId } },
  ]);
}

interface NewDraft {
  source: string;
  cell?: string;
  by: string;
  correction: DraftCorrection;
  why: (rule: SpecRule, draftId: string) => string;
  rule: (taken: ReadonlySet<string>) => SpecRule;
}

/** Publish current + the rule in shadow with its draft; the draft of `source` if one exists already. */
async function createDraft(deps: DraftDeps, n: NewDraft): Promise<{ draft: SpecDraft; created: boolean }> {
  const drafts = draftStore(deps);
  for (let attempt = 0; ; attempt++) {
    const existing = await drafts.bySource(n.source);
    if (existing) return { draft: existing, created: false };
    const current = await currentSpec(deps);
    const now = deps.clock.now();
    const draftId = draftIdFor(now, n.source);
    const proposed = n.rule(new Set(ruleNames(current.spec).map((r) => r.name)));
    const rule: SpecRule = { ...proposed, origin: { ...proposed.origin, draftId } };
    // Validated like any published spec (bounds, unique names), before anything is written.
    const spec: Spec = parseSpec(addRule(current.spec, rule));
    const draft: SpecDraft = {
      draftId,
      status: "shadow",
      rule,
      baseVersion: current.version,
      shadowVersion: current.version + 1,
      correction: n.correction,
      createdAt: iso(now),
      createdBy: n.by,
    };
    try {
      const version = await drafts.create(
        draft,
        n.source,
        {
          spec,
          hash: specHash(spec),
          by: n.by,
          at: iso(now),
          expectCurrent: current.version,
          why: n.why(rule, draftId),
        },
        n.cell,
      );
      await announce(deps, version, draftId);
      return { draft, created: true };
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt + 1 >= ATTEMPTS) throw err;
    }
  }
}

/**
 * "Make this a rule": a reviewer's correction of a decision that was rejected, edited or vetoed
 * becomes a draft whose rule (proposed from the decision's recorded context, or given) is in shadow.
 * Idempotent: a retried correction of the same decision returns the draft it made.
 */
export async function correctDecision(
  deps: DraftDeps,
  decisionId: string,
  body: unknown,
  principal: Principal,
): Promise<{ draft: SpecDraft; created: boolean }> {
  const input = parseWith(CorrectionBody, body);
  draftStore(deps);
  const found = await deps.decisions.getDecision(decisionId);
  if (!found) throw new NotFoundError(`decision ${decisionId} does not exist`);
  assertMayReview(principal, found.agentId);
  // An edited decision holds what the reviewer sent: the rule is about what the agent proposed.
  const [d] = (await asProposed(deps, [found])) as [Decision];
  const action = d.review?.action;
  if (action !== "rejected" && action !== "edited" && action !== "vetoed")
    throw new ConflictError(
      `decision ${decisionId} was not rejected, edited or vetoed by a reviewer (it is ${d.status}${action ? `, ${action}` : ""}): only a correction makes a rule`,
    );
  if (d.erased)
    throw new ConflictError(
      `decision ${decisionId}: its person was erased, so its context cannot make a rule`,
    );
  const reason = redactedReason(d, input.note);
  const by = principal.subject;
  return createDraft(deps, {
    source: `correction#${decisionId}`,
    by,
    correction: {
      kind: "review",
      decisionId,
      action,
      by,
      at: iso(deps.clock.now()),
      reason,
      explicit: input.rule?.when !== undefined || input.rule?.effect !== undefined,
    },
    why: (rule, draftId) =>
      `draft ${draftId}: rule "${rule.name}" in shadow, from ${by}'s correction of decision ${decisionId} (${action}): ${reason}`,
    rule: (taken) =>
      ruleFromCorrection({
        decision: d,
        action,
        by,
        note: input.note,
        ...(input.rule ? { explicit: input.rule } : {}),
        taken,
      }),
  });
}

export async function listDrafts(deps: Pick<Deps, "drafts">, query: unknown) {
  const q = parseWith(DraftListQuery, query);
  const page = await draftStore(deps).list({
    limit: q.limit,
    ...(q.cursor ? { cursor: q.cursor } : {}),
    ...(q.status ? { status: q.status } : {}),
  });
  return { items: page.items, cursor: page.cursor ?? null };
}

export async function getDraft(deps: Pick<Deps, "drafts">, draftId: string): Promise<SpecDraft> {
  const draft = await draftStore(deps).get(draftId);
  if (!draft) throw new NotFoundError(`draft ${draftId} does not exist`);
  return draft;
}

/** The spec a draft's close publishes (undefined when its amendment is no longer there), and its words. */
function closing(spec: Spec, draft: SpecDraft, to: "confirmed" | "discarded") {
  if (draft.weights) {
    const next = closeShadowWeights(spec, draft.draftId, to);
    return {
      present: next !== undefined,
      target: next && parseSpec(next),
      what: "the intent weights in shadow",
    };
  }
  const name = draft.rule?.name ?? "";
  const present = ruleNames(spec).some((r) => r.name === name);
  const target = !present
    ? undefined
    : parseSpec(to === "confirmed" ? setRuleMode(spec, name, "enforce") : removeRule(spec, name));
  return { present, target, what: `rule "${name}"` };
}

const cellOf = (d: SpecDraft) => (d.correction.kind === "pattern" ? cellId(d.correction.cell) : undefined);

/**
 * Confirm (the rule enforced) or discard (the rule removed) a draft: a new version made from the
 * current spec, published with the draft's move out of shadow. Idempotent: confirming a confirmed
 * draft (discarding a discarded one) returns it; the other way round is a 409. Confirm and discard
 * racing: the draft's condition lets one win, the other reads the outcome.
 */
export async function closeDraft(
  deps: DraftDeps,
  draftId: string,
  to: "confirmed" | "discarded",
  body: unknown,
  principal: Principal,
): Promise<{ draft: SpecDraft; changed: boolean }> {
  const input = parseWith(CloseBody, body ?? {});
  const drafts = draftStore(deps);
  for (let attempt = 0; ; attempt++) {
    const draft = await getDraft(deps, draftId);
    if (draft.status === to) return { draft, changed: false };
    if (draft.status !== "shadow")
      throw new ConflictError(`draft ${draftId} is ${draft.status}, no longer in shadow`);
    const current = await currentSpec(deps);
    const { present, target, what } = closing(current.spec, draft, to);
    if (to === "confirmed" && !present)
      throw new ConflictError(
        `${what} no longer in the current spec (v${current.version}): discard the draft instead`,
      );
    const hash = target ? specHash(target) : current.hash;
    const at = iso(deps.clock.now());
    const why = `draft ${draftId} ${to} by ${principal.subject}: ${what} ${to === "confirmed" ? "enforced" : "removed"}${input.reason ? `: ${input.reason}` : ""}`;
    try {
      const next = await drafts.close(
        draft,
        to,
        { at, by: principal.subject, ...(input.reason ? { reason: input.reason } : {}) },
        target && hash !== current.hash
          ? { spec: target, hash, by: principal.subject, at, expectCurrent: current.version, why }
          : undefined,
        cellOf(draft),
      );
      const version = next.confirmedVersion ?? next.discardedVersion;
      if (version !== undefined) {
        const published = await deps.specs.get(version);
        if (published) await announce(deps, published, draftId);
      }
      return { draft: next, changed: true };
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt + 1 >= ATTEMPTS) throw err;
    }
  }
}

/**
 * The repeated-rejection heuristic, on the harness's own review tally (bumped in each review's
 * transition): when the decision's cell has enough rejections and no draft of the cell is in shadow,
 * a draft blocking the cell is made by the harness, its evidence the correction. Called after a review;
 * a draft that could not be made now is made after the cell's next review.
 */
export async function draftFromPattern(
  deps: DraftDeps,
  decision: Decision,
): Promise<{ draft: SpecDraft; created: boolean } | undefined> {
  const cell = reviewCellOf(decision);
  if (!cell || !deps.drafts) return undefined;
  const id = cellId(cell);
  const tally = await deps.drafts.tally(id);
  if (!tally || !patternDraftDue(tally)) return undefined;
  const evidence = { rejected: tally.rejected, reviewed: tally.reviewed };
  return createDraft(deps, {
    // The cell's n-th draft: a retry makes the same one, a later pattern (after a close) a new one.
    source: `pattern#${id}#${(tally.drafts ?? 0) + 1}`,
    cell: id,
    by: "harness",
    correction: { kind: "pattern", cell, ...evidence },
    why: (rule, draftId) =>
      `draft ${draftId}: rule "${rule.name}" in shadow: reviewers rejected ${evidence.rejected} of ${evidence.reviewed} ${cell.actionType} proposals to ${cell.persona} at ${cell.industry} accounts`,
    rule: (taken) => ruleFromPattern(cell, evidence, taken),
  });
}
