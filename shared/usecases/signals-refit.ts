/**
 * The signals loop's harness side (DESIGN §4 item 4): on a cadence, refit the intent weights from the
 * executed touches' recorded facts and outcomes (learning/signals.ts) and propose them as a weights
 * draft: a spec version whose `learning.signals.shadow` holds the new weights, which the gate then
 * computes intent under for every touch and records (Decision.shadowIntent) without changing any verdict.
 * An admin confirms the draft (drafts.ts closeDraft: the weights move into `quality.signals`), or, where
 * `learning.signals.autoAdopt` is set, the harness confirms it once the shadow evidence says the new
 * weights rank answers better, and discards it for a fresh refit when `shadowMaxDays` pass without that.
 * Learning off (`learning.enabled: false`): nothing is refitted or adopted.
 */

import { computeIntent } from "../domain/checks/quality.ts";
import type { Decision } from "../domain/decision.ts";
import type { SpecDraft } from "../domain/drafts.ts";
import { ConflictError } from "../domain/errors.ts";
import type { Account } from "../domain/kb.ts";
import { prepareIntent } from "../domain/prepared-spec.ts";
import { uncappedIntent } from "../domain/shadow-intent.ts";
import { parseSpec, specHash } from "../domain/spec-loader.ts";
import type { SpecVersion } from "../domain/spec-schema.ts";
import { currentWeights, patchSignals, signalSettings, withWeights } from "../domain/spec-signals.ts";
import { DAY, iso } from "../domain/time.ts";
import type { DecisionStatus } from "../domain/vocabulary.ts";
import { icpTier } from "../kb/scoring.ts";
import {
  refit,
  type SignalFit,
  type SignalRow,
  signalRow,
  type TouchSignals,
  toSpecWeights,
  volumeScale,
} from "../learning/signals.ts";
import { type ShadowEvidence, shadowVerdict, shapeTest } from "../learning/signals-shadow.ts";
import { learningEnabled } from "../learning/switch.ts";
import { closeDraft, type DraftDeps, draftIdFor, draftStore } from "./drafts.ts";
import type { Principal } from "./principal.ts";

/** Decisions read per refit or adoption check at most (a bounded read, never a scan). */
export const MAX_REFIT_DECISIONS = 50_000;
const HARNESS: Principal = { subject: "harness", roles: ["admin"] };
const ATTEMPTS = 5;

const CONTACTED = new Set<DecisionStatus>(["executed", "dispatched", "in_doubt"]);
const isTouch = (d: Decision) => d.actionKind === "touch" && CONTACTED.has(d.status);
const hadMeeting = (d: Decision) => d.outcomes.some((o) => o.type === "meeting_booked");
/** A positive answer: a reply, or a meeting (which began with one even when only the booking was recorded). */
const hadReply = (d: Decision) => d.outcomes.some((o) => o.type === "replied" || o.type === "meeting_booked");

/** Accounts read at most to scale a refit (a stride through the directory beyond that). */
const MAX_DIRECTORY_ACCOUNTS = 20_000;
const READ_BATCH = 100;

/**
 * The knowledge base's account directory (KnowledgeView serves it): what a refit's scale is kept on,
 * so an adoption keeps the number of accounts over `quality.minIntent` (learning/signals.ts, "The
 * spec's scale").
 */
export interface AccountDirectory {
  accountIds(): Promise<string[]>;
  accounts(ids: string[]): Promise<Account[]>;
}

/**
 * What a refit's scale is kept on: k (absent when no k can keep the count: nothing clears the bar now,
 * or no account scores above zero under the fit), the ICP accounts read, how many clear the bar now.
 */
interface DirectoryScale {
  scale?: number;
  accounts: Account[];
  inForceOver: number;
}

/**
 * k for the fitted log-odds such that as many accounts the ICP lets be touched (tier 1 or 2) clear
 * minIntent under them as under the weights in force, both read as the gate reads them now; without k
 * when no k can (nothing over the bar now, or nothing above zero under the fit), but with the accounts
 * still, so the draft records how many the weights as written let over the bar and auto-adoption can
 * refuse a refit that would stop outreach (volumeCut). The tier is the agents' reading of the
 * ICP (kb/scoring.ts, what the lead lists use), close to the gate's check but not the same verdict: a
 * count to keep, not a list of who may be touched.
 */
async function directoryScale(
  directory: AccountDirectory,
  spec: SpecVersion["spec"],
  fit: SignalFit,
  windowDays: Record<string, number> | undefined,
  now: number,
): Promise<DirectoryScale | undefined> {
  const ids = await directory.accountIds();
  const stride = Math.max(1, Math.ceil(ids.length / MAX_DIRECTORY_ACCOUNTS));
  const picked = stride === 1 ? ids : ids.filter((_, i) => i % stride === 0);
  const inForce = prepareIntent(spec);
  const fitted = prepareIntent(withWeights(spec, fit.coef, windowDays, signalSettings(spec).maxCount));
  const accounts: Account[] = [];
  const held: number[] = [];
  const proposed: number[] = [];
  for (let i = 0; i < picked.length; i += READ_BATCH) {
    for (const a of await directory.accounts(picked.slice(i, i + READ_BATCH))) {
      const { tier } = icpTier(spec, a);
      if (tier !== 1 && tier !== 2) continue;
      accounts.push(a);
      held.push(uncappedIntent(computeIntent(spec, a, now, inForce)));
      proposed.push(uncappedIntent(computeIntent(spec, a, now, fitted)));
    }
  }
  const scale = volumeScale(held, proposed, spec.quality.minIntent);
  const inForceOver = held.filter((x) => x >= spec.quality.minIntent).length;
  if (accounts.length === 0) return undefined;
  return { ...(scale !== undefined ? { scale } : {}), accounts, inForceOver };
}

export type SignalsTick =
  | { action: "off" | "none"; why: string }
  | { action: "refit"; draft: SpecDraft; created: boolean }
  | { action: "shadow"; evidence: ShadowEvidence; draftId: string }
  | { action: "adopted"; evidence: ShadowEvidence; draft: SpecDraft };

async function touchesBetween(deps: DraftDeps, since: number, until: number): Promise<Decision[]> {
  if (!deps.decisions.decisionsBetween) return [];
  // Touches only, filtered by the store: the window's record updates are most of its decisions.
  // Signals, intents and outcomes are all the loop reads: nobody's personal data is opened for it.
  // Only the statuses of a touch that reached someone, newest first: past MAX_REFIT_DECISIONS the
  // oldest of the window are left out, never the touches in shadow (the newest).
  const page = await deps.decisions.decisionsBetween(iso(since), iso(until), MAX_REFIT_DECISIONS, {
    actionKind: "touch",
    personalData: false,
    statuses: [...CONTACTED],
    newestFirst: true,
  });
  return page.items.filter(isTouch);
}

/** Each executed touch's signals as the gate saw them (Decision.facts) and what followed. */
export function refitTouches(touches: readonly Decision[]): TouchSignals[] {
  const out: TouchSignals[] = [];
  for (const d of touches) {
    const signals = d.facts?.account?.signals;
    if (signals)
      out.push({ signals, at: Date.parse(d.decidedAt), meeting: hadMeeting(d), replied: hadReply(d) });
  }
  return out;
}

/** The rows a refit fits over the spec's own windows (features capped at `maxCount`). */
export function refitRows(spec: SpecVersion, touches: readonly Decision[]): SignalRow[] {
  const p = prepareIntent(spec.spec);
  const cap = signalSettings(spec.spec).maxCount;
  return refitTouches(touches).map((t) => ({
    x: signalRow(t.signals, t.at, p.types, p.windowMs, cap),
    meeting: t.meeting,
    replied: t.replied,
  }));
}

/**
 * One turn of the loop, run daily by the scheduler (and the simulation). Refits when the last refit is
 * `refitEveryDays` old and the touches hold `minReplies` replies (and `minMeetings` meetings); while weights are in shadow, checks
 * whether auto-adoption is due instead. Idempotent: a refit's draft is keyed by the spec version it
 * amends and the day, so two runs racing make one draft.
 */
export async function signalsTick(deps: DraftDeps, directory?: AccountDirectory): Promise<SignalsTick> {
  let current = await deps.specs.current();
  if (!current || !deps.drafts) return { action: "none", why: "no spec or no drafts" };
  if (!learningEnabled(current.spec)) return { action: "off", why: "learning.enabled is false" };
  let s = signalSettings(current.spec);
  const now = deps.clock.now();
  if (s.shadow && (await draftStore(deps).get(s.shadow.draftId))?.status !== "shadow") {
    // The spec names weights in shadow whose draft is closed (or gone): an admin published an edited
    // copy of a spec read before the close. Left there, every tick found the draft "adopted" again
    // (closing a confirmed draft changes nothing), no refit ever ran, and the adoption was undone.
    current = await clearStaleShadow(deps, current, s.shadow.draftId);
    s = signalSettings(current.spec);
  }
  if (s.shadow) {
    const turn = await adoptIfBetter(deps, current, s.shadow.draftId);
    if (turn.action !== "shadow" || !supersedes(s, now)) return turn;
    // Where the harness adopts by itself, a refit whose shadow stayed inconclusive for `shadowMaxDays`
    // gives way to one on the touches since (otherwise the first refit would block every later one).
    await closeDraft(
      deps,
      turn.draftId,
      "discarded",
      { reason: `${turn.evidence.why}; superseded by a refit on the touches since` },
      HARNESS,
    );
    current = await deps.specs.current();
    if (!current) return { action: "none", why: "no spec" };
    s = signalSettings(current.spec);
  }
  if (s.lastFitAt && now - Date.parse(s.lastFitAt) < s.refitEveryDays * DAY)
    return { action: "none", why: `last refit at ${s.lastFitAt}` };
  const since = now - s.lookbackDays * DAY;
  const touches = await touchesBetween(deps, since, now);
  const replies = touches.filter(hadReply).length;
  const meetings = touches.filter(hadMeeting).length;
  if (replies < s.minReplies || meetings < s.minMeetings)
    return {
      action: "none",
      why: `${replies} of ${s.minReplies} replies and ${meetings} of ${s.minMeetings} meetings needed for a refit`,
    };
  const types = prepareIntent(current.spec).types;
  const { fit, rows, windowDays } = refit(refitTouches(touches), types, {
    windowDays: prepareIntent(current.spec).windowDays,
    candidates: s.windowCandidates,
    cap: s.maxCount,
    priorSd: s.priorSd,
  });
  const from = currentWeights(current.spec);
  const scale = directory ? await directoryScale(directory, current.spec, fit, windowDays, now) : undefined;
  const to = toSpecWeights(fit, from, rows, windowDays ? refitRows(current, touches) : rows, scale?.scale);
  // The count under the weights as written (rounded to a tenth, within ±100), which is what the gate
  // will read once they are adopted.
  const written = prepareIntent(withWeights(current.spec, to, windowDays, s.maxCount));
  const scaledBy = scale && {
    accountsOver: scale.accounts.filter(
      (a) => computeIntent(current.spec, a, now, written).score >= current.spec.quality.minIntent,
    ).length,
    icpAccounts: scale.accounts.length,
    inForceOver: scale.inForceOver,
  };
  const scaledWords = !scaledBy
    ? ", scaled to the touches' mean intent"
    : scale?.scale !== undefined
      ? `, scaled to keep ${scaledBy.accountsOver} of ${scaledBy.icpAccounts} ICP accounts over minIntent (${scaledBy.inForceOver} under the weights in force)`
      : `, scaled to the touches' mean intent: no scale keeps the ICP accounts over minIntent (${scaledBy.accountsOver} of ${scaledBy.icpAccounts} under these weights, ${scaledBy.inForceOver} under the weights in force)`;
  // One draft per spec version and day: ticks racing (or retried) make one; a later day may make another.
  const source = `refit#${current.version}#${iso(now).slice(0, 10)}`;
  for (let attempt = 0; ; attempt++) {
    const existing = await deps.drafts.bySource(source);
    if (existing) return { action: "refit", draft: existing, created: false };
    const base = await deps.specs.current();
    if (!base) return { action: "none", why: "no spec" };
    if (base.version !== current.version)
      return { action: "none", why: "the spec moved on: refit next time" };
    const draftId = draftIdFor(now, source);
    const spec = parseSpec(
      patchSignals(base.spec, {
        lastFitAt: iso(now),
        // The cap the weights were fitted with goes with them: a weight is per occurrence up to it.
        shadow: { draftId, weights: to, ...(windowDays ? { windowDays } : {}), maxCount: s.maxCount },
      }),
    );
    const fitted: Record<string, { logOdds: number; se: number }> = {};
    for (const t of types)
      fitted[t] = { logOdds: Number((fit.coef[t] ?? 0).toFixed(4)), se: Number((fit.se[t] ?? 0).toFixed(4)) };
    const draft: SpecDraft = {
      draftId,
      status: "shadow",
      kind: "weights",
      weights: {
        from,
        to,
        fitted,
        since: iso(since),
        until: iso(now),
        ...(scaledBy ? { scaledBy } : {}),
      },
      baseVersion: base.version,
      shadowVersion: base.version + 1,
      correction: { kind: "refit", touches: rows.length, meetings: fit.meetings },
      createdAt: iso(now),
      createdBy: HARNESS.subject,
    };
    try {
      const version = await draftStore(deps).create(draft, source, {
        spec,
        hash: specHash(spec),
        by: HARNESS.subject,
        at: iso(now),
        expectCurrent: base.version,
        why: `draft ${draftId}: intent weights refitted on ${rows.length} touches with ${fit.replies} replies and ${fit.meetings} meetings${windowDays ? `, over ${Object.values(windowDays)[0]}-day windows` : ""}${scaledWords}, in shadow`,
      });
      await deps.events.publish([
        { type: "spec.published", detail: { version: version.version, hash: version.hash, draftId } },
      ]);
      return { action: "refit", draft, created: true };
    } catch (err) {
      if (!(err instanceof ConflictError) || attempt + 1 >= ATTEMPTS) throw err;
    }
  }
}

/**
 * Publish the current spec without its stale `learning.signals.shadow` (the weights in force stay as
 * they are); returns the spec to go on with (another publish may have won the race: that one).
 */
async function clearStaleShadow(
  deps: DraftDeps,
  current: SpecVersion,
  draftId: string,
): Promise<SpecVersion> {
  const spec = parseSpec(patchSignals(current.spec, { shadow: undefined }));
  const hash = specHash(spec);
  try {
    const published = await deps.specs.publish(
      spec,
      hash,
      HARNESS.subject,
      iso(deps.clock.now()),
      current.version,
    );
    await deps.events.publish([
      {
        type: "spec.published",
        detail: {
          version: published.version,
          hash,
          why: `weights of draft ${draftId} were no longer in shadow`,
        },
      },
    ]);
    return published;
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    return (await deps.specs.current()) ?? current;
  }
}

/** Pages of the draft listing read at most when looking for the weights in force (bounded reads). */
const MAX_DRAFT_PAGES = 10;

/**
 * The refits whose shadow touches are pooled with `draft`'s (learning/signals-shadow.ts, "Pooling
 * refits"): the weights drafts the harness drafted and discarded for a later refit since the weights in
 * force took effect (the newest confirmed weights draft) and within the lookback. Reads the draft
 * listing newest first, page by page, no further back than the lookback (rule drafts from corrections
 * share the listing, so the weights draft in force may be pages back); a draft an admin discarded is
 * left out (someone judged it).
 */
async function pooledDrafts(
  deps: DraftDeps,
  draft: SpecDraft,
  lookbackDays: number,
): Promise<{ drafts: SpecDraft[]; inForceSince: number }> {
  const horizon = deps.clock.now() - lookbackDays * DAY;
  const listed = async (status: "confirmed" | "discarded", stop: (d: SpecDraft) => boolean) => {
    const out: SpecDraft[] = [];
    let cursor: string | undefined;
    for (let page = 0; deps.drafts && page < MAX_DRAFT_PAGES; page++) {
      const got = await deps.drafts.list({ limit: 50, status, ...(cursor ? { cursor } : {}) });
      out.push(...got.items);
      cursor = got.cursor;
      if (!cursor || got.items.some((d) => stop(d) || Date.parse(d.createdAt) < horizon)) break;
    }
    return out;
  };
  const isRefit = (d: SpecDraft) => d.kind === "weights" && d.correction.kind === "refit";
  const adopted = (await listed("confirmed", (d) => d.kind === "weights")).find((d) => d.kind === "weights");
  const floor = Math.max(
    horizon,
    adopted?.closedAt ? Date.parse(adopted.closedAt) : Number.NEGATIVE_INFINITY,
  );
  const earlier = (await listed("discarded", () => false)).filter(
    (d) =>
      isRefit(d) &&
      d.draftId !== draft.draftId &&
      d.closedBy === HARNESS.subject &&
      Date.parse(d.createdAt) >= floor &&
      Date.parse(d.createdAt) < Date.parse(draft.createdAt),
  );
  return { drafts: [draft, ...earlier], inForceSince: floor };
}

/** The shadow evidence of a weights draft: touches decided with its shadow intent, old vs new ranking. */
export async function shadowEvidence(deps: DraftDeps, draft: SpecDraft): Promise<ShadowEvidence> {
  const current = await deps.specs.current();
  const s = current ? signalSettings(current.spec) : undefined;
  const min = s
    ? { positives: s.adoptMinReplies, meetings: s.adoptMinMeetings }
    : { positives: Number.POSITIVE_INFINITY };
  const { drafts, inForceSince } = await pooledDrafts(deps, draft, s?.lookbackDays ?? 90);
  const ids = new Set(drafts.map((d) => d.draftId));
  const since = Math.min(...drafts.map((d) => Date.parse(d.createdAt)));
  // The shape test judges the weights in force, which no refit was fitted to: every touch made under
  // them counts (within the lookback), not only those since the drafts.
  const touches = await touchesBetween(deps, Math.min(since, inForceSince), deps.clock.now());
  const underWeights = touches.filter((d) => Date.parse(d.decidedAt) >= inForceSince);
  const shadowed = touches.filter((d) => d.shadowIntent && ids.has(d.shadowIntent.draftId));
  const rows = shadowed.map((d) => ({
    // Uncapped (shadow-intent.ts): at the cap of 100 the two rankings would tie.
    current: d.context.intent ? uncappedIntent(d.context.intent) : 0,
    proposed: d.shadowIntent?.raw ?? d.shadowIntent?.score ?? 0,
    positive: hadReply(d),
    meeting: hadMeeting(d),
    stratum: d.shadowIntent?.draftId,
  }));
  // The shape test reads those touches' signals in the spec's windows (signals-shadow.ts).
  let shape: ReturnType<typeof shapeTest>;
  if (current) {
    const { types } = prepareIntent(current.spec);
    const weights = currentWeights(current.spec);
    shape = shapeTest(
      refitRows(current, underWeights),
      types,
      types.map((t) => weights[t] ?? 0),
    );
  }
  return shadowVerdict(rows, min, shape, draft.draftId);
}

/**
 * Whether a refit left in shadow gives way to a fresh one: `shadowMaxDays` passed, and a fresh refit
 * may be made (`refitEveryDays`); discarded sooner, nothing would be in shadow until then.
 */
const supersedes = (s: ReturnType<typeof signalSettings>, now: number) =>
  s.autoAdopt &&
  s.lastFitAt !== undefined &&
  now - Date.parse(s.lastFitAt) >= Math.max(s.shadowMaxDays, s.refitEveryDays) * DAY;

async function adoptIfBetter(deps: DraftDeps, current: SpecVersion, draftId: string): Promise<SignalsTick> {
  const draft = await draftStore(deps).get(draftId);
  if (!draft) return { action: "none", why: `draft ${draftId} not found` };
  const evidence = await shadowEvidence(deps, draft);
  if (!signalSettings(current.spec).autoAdopt || !evidence.adopt)
    return { action: "shadow", evidence, draftId };
  const cut = volumeCut(draft);
  if (cut)
    return {
      action: "shadow",
      evidence: { ...evidence, adopt: false, why: `${evidence.why}; ${cut}` },
      draftId,
    };
  // Weights set by hand since the refit (an admin's edit) are not overwritten by the harness: the
  // shadow compared the refit with the weights before them. Discarded; the next refit starts from them.
  if (draft.weights && !sameWeights(draft.weights.from, currentWeights(current.spec))) {
    await closeDraft(
      deps,
      draftId,
      "discarded",
      { reason: "the weights in force changed since the refit: a fresh refit compares with them" },
      HARNESS,
    );
    return {
      action: "none",
      why: `draft ${draftId} discarded: the weights in force changed since its refit`,
    };
  }
  const closed = await closeDraft(deps, draftId, "confirmed", { reason: evidence.why }, HARNESS);
  // Confirmed meanwhile by someone else (an admin, a racing tick): not adopted twice.
  if (!closed.changed) return { action: "none", why: `draft ${draftId} was closed meanwhile` };
  return { action: "adopted", evidence, draft: closed.draft };
}

const sameWeights = (a: Record<string, number>, b: Record<string, number>) =>
  [...new Set([...Object.keys(a), ...Object.keys(b)])].every((k) => (a[k] ?? 0) === (b[k] ?? 0));

/** Below this share of the accounts over the bar today, a refit is left for an admin to adopt. */
const VOLUME_KEPT = 0.9;

/**
 * Why a refit may not be adopted by the harness on its own: its weights would let markedly fewer ICP
 * accounts over minIntent than the weights in force (the fit scores too few above zero, or keeping
 * them all would need a weight past ±100). Auto-adoption changes who is contacted, never how many:
 * the SDRs' lists and the writers' sends are sized on the bar. Found at twice the demo's volume (seed
 * 101, 4,000 accounts): an early refit, 9 meetings in, made web, G2 and blog visits strongly negative,
 * its shadow touches did not rank worse, and once adopted the weekly touches fell from about 1,000 to
 * 77-264 for the rest of the run. An admin can still confirm it, reading the count on the draft.
 */
function volumeCut(draft: SpecDraft): string | undefined {
  const by = draft.weights?.scaledBy;
  if (!by || by.inForceOver === undefined || by.accountsOver >= VOLUME_KEPT * by.inForceOver)
    return undefined;
  return `it keeps ${by.accountsOver} of the ${by.inForceOver} ICP accounts over minIntent today: left for an admin`;
}

/** The tick as a scheduler task: at most once per day of the scheduler's clock, errors reported. */
export function dailySignalsTick(
  deps: DraftDeps,
  report: (outcome: SignalsTick | { error: unknown }) => void,
  directory?: AccountDirectory,
) {
  let doneFor: string | undefined;
  let running: Promise<void> | undefined;
  const run = async () => {
    const today = iso(deps.clock.now()).slice(0, 10);
    if (doneFor === today) return;
    doneFor = today;
    try {
      report(await signalsTick(deps, directory));
    } catch (error) {
      report({ error });
    }
  };
  return (): Promise<void> => {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };
}
