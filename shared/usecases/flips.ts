import { addTotals, type Flip, type FlipTotals, type SpecDraft } from "../domain/drafts.ts";
import { NotFoundError, ValidationError } from "../domain/errors.ts";
import { ruleNames } from "../domain/spec-rules.ts";
import type { SpecVersion } from "../domain/spec-schema.ts";
import { parseWith } from "../domain/validation.ts";
import * as z from "../domain/zod-mini.ts";
import type { Deps, FlipStore } from "../ports.ts";
import { pageQuery } from "./schemas.ts";

export const FlipsQuery = z.strictObject({
  ...pageQuery(50).shape,
  rule: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
});

export function flipStore(deps: Pick<Deps, "flips">): FlipStore {
  if (!deps.flips) throw new NotFoundError("flip sets are not kept in this deployment");
  return deps.flips;
}

/** The rule's entry in a version, or a 400 naming `rule`: the version must have it, in shadow. */
export function shadowRuleOf(spec: SpecVersion, rule: string) {
  const entry = ruleNames(spec.spec).find((r) => r.name === rule);
  if (!entry)
    throw new ValidationError([{ path: "rule", message: `unknown rule "${rule}" in spec v${spec.version}` }]);
  if (entry.mode !== "shadow")
    throw new ValidationError([
      { path: "rule", message: `rule "${rule}" is enforced in spec v${spec.version}, not in shadow` },
    ]);
  return entry;
}

export interface FlipSet {
  version: number;
  rule: string;
  check: string;
  items: Flip[];
  cursor: string | null;
  totals: FlipTotals;
}

/**
 * A shadow rule's flip set in one version: the decisions it would have changed (actual → would-be
 * verdict), newest first and paginated, with totals by agent, action type and day.
 */
export async function listFlips(
  deps: Pick<Deps, "specs" | "flips">,
  version: number,
  query: unknown,
): Promise<FlipSet> {
  const q = parseWith(FlipsQuery, query);
  const flips = flipStore(deps);
  const spec = await deps.specs.get(version);
  if (!spec) throw new NotFoundError(`spec v${version} does not exist`);
  const entry = shadowRuleOf(spec, q.rule);
  const [page, totals] = await Promise.all([
    flips.list(version, q.rule, { limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) }),
    flips.totals(version, q.rule),
  ]);
  return {
    version,
    rule: q.rule,
    check: entry.check,
    items: page.items,
    cursor: page.cursor ?? null,
    totals,
  };
}

/** How many versions, and how many of the newest flips, a draft's view reads. */
const MAX_DRAFT_VERSIONS = 100;
const DRAFT_FLIP_ITEMS = 50;

/**
 * A draft's flip set so far: across every version from the one it was drafted in up to the one that
 * closed it (or the current one) where its rule is in shadow, the totals per version and in all, and the
 * newest flips (up to 50, each version's listing pages through the rest).
 */
export async function draftFlips(
  deps: Pick<Deps, "specs" | "flips">,
  draft: SpecDraft,
): Promise<{
  totals: FlipTotals;
  versions: { version: number; totals: FlipTotals }[];
  items: Flip[];
}> {
  const flips = flipStore(deps);
  const closedAt = draft.confirmedVersion ?? draft.discardedVersion;
  const last = closedAt !== undefined ? closedAt - 1 : ((await deps.specs.current())?.version ?? 0);
  const versions: { version: number; totals: FlipTotals }[] = [];
  let items: Flip[] = [];
  let totals: FlipTotals = { total: 0, byAgent: {}, byActionType: {}, byDay: {} };
  const first = Math.max(draft.shadowVersion, last - MAX_DRAFT_VERSIONS + 1);
  for (let v = first; v <= last; v++) {
    const spec = await deps.specs.get(v);
    const shadow =
      spec && ruleNames(spec.spec).some((r) => r.name === draft.rule?.name && r.mode === "shadow");
    // A weights draft has no rule: its shadow evidence is each touch's shadowIntent, not a flip set.
    if (!shadow || !draft.rule) continue;
    const [t, page] = await Promise.all([
      flips.totals(v, draft.rule.name),
      flips.list(v, draft.rule.name, { limit: DRAFT_FLIP_ITEMS }),
    ]);
    versions.push({ version: v, totals: t });
    totals = addTotals(totals, t);
    items = [...page.items, ...items];
  }
  items.sort((a, b) => b.decidedAt.localeCompare(a.decidedAt));
  return { totals, versions, items: items.slice(0, DRAFT_FLIP_ITEMS) };
}
