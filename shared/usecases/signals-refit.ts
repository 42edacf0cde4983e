/**
 * The signals loop's harness side (DESIGN §4 item 4): on a cadence, refit the intent weights from the
 * executed touches' recorded facts and outcomes (learning/signals.ts) and propose them as a weights
 * draft: a spec version whose `learning.signals.shadow` holds the new weights, which the gate then
 * computes intent under for every touch and records (Decision.shadowIntent) without changing any verdict.
 * An admin confirms the draft (drafts.ts closeDraft: the weights move into `quality.signals`), or, where
 * `learning.signals.autoAdopt` is set, the harness confirms it once the shadow evidence says the new
 * weights rank answers better, and discards it for a fresh refit when `shadowMaxDays` pass without that
 * (signals-adopt.ts; signals-touches.ts reads the touches both sides use).
 * Learning off (`learning.enabled: false`): nothing is refitted or adopted.
 */

import { computeIntent } from "../domain/checks/quality.ts";
import type { SpecDraft } from "../domain/drafts.ts";
import { ConflictError } from "../domain/errors.ts";
import type { Account } from "../domain/kb.ts";
import { prepareIntent } from "../domain/prepared-spec.ts";
import { uncappedIntent } from "../domain/shadow-intent.ts";
import { parseSpec, specHash } from "../domain/spec-loader.ts";
import type { SpecVersion } from "../domain/spec-schema.ts";
import { currentWeights, patchSignals, signalSettings, withWeights } from "../domain/spec-signals.ts";
import { DAY, iso } from "../domain/time.ts";
import { icpTier } from "../kb/scoring.ts";
import { refit, type SignalFit, toSpecWeights, volumeScale } from "../learning/signals.ts";
import type { ShadowEvidence } from "../learning/signals-shadow.ts";
import { learningEnabled } from "../learning/switch.ts";
import { closeDraft, type DraftDeps, draftIdFor, draftStore } from "./drafts.ts";
import { adoptIfBetter, clearStaleShadow, supersedes } from "./signals-adopt.ts";
import { HARNESS, hadMeeting, hadReply, refitRows, refitTouches, touchesBetween } from "./signals-touches.ts";

const ATTEMPTS = 5;

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
  let draft = s.shadow ? await draftStore(deps).get(s.shadow.draftId) : undefined;
  if (s.shadow && draft?.status !== "shadow") {
    // The spec names weights in shadow whose draft is closed (or gone): an admin published an edited
    // copy of a spec read before the close. Left there, every tick found the draft "adopted" again
    // (closing a confirmed draft changes nothing), no refit ever ran, and the adoption was undone.
    current = await clearStaleShadow(deps, current, s.shadow.draftId);
    s = signalSettings(current.spec);
    draft = undefined;
  }
  if (s.shadow && draft) {
    const turn = await adoptIfBetter(deps, current, draft);
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
