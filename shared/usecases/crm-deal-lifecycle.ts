/**
 * What an account's deals say of it: a deal still open makes it an open opportunity, a deal won a
 * customer (spec `suppression.blockLifecycles` keeps both from cold outreach). The account is the
 * furthest along of its company's lifecycle stage and its deals. Before, imported deals were kept
 * under their account and read by nothing: a company at "lead" with a deal at "contract sent" (a
 * portal whose deals do not move its companies' stages, or a deal an integration made) stayed a
 * prospect, and agents cold-emailed a live deal.
 */
import { AGENT_EVENTS } from "../agents/events.ts";
import { type Account, AccountInput } from "../domain/kb.ts";
import type { CrmImportDeps, CrmImportOptions, Source } from "./crm-import-ports.ts";
import { type Deal, lifecycleOf } from "./crm-records.ts";

type Lifecycle = Account["lifecycle"];

/** How far along an account is. */
export const LIFECYCLE_RANK: Record<Lifecycle, number> = { prospect: 0, open_opportunity: 1, customer: 2 };

const furthest = (a: Lifecycle, b: Lifecycle | undefined): Lifecycle =>
  b !== undefined && LIFECYCLE_RANK[b] > LIFECYCLE_RANK[a] ? b : a;

/**
 * Whether a deal is open, and won: HubSpot's own flags (`hs_is_closed`, `hs_is_closed_won`, right in
 * every pipeline), else, for a deal imported before they were read, the default pipeline's stages.
 * A deal of a portal's own pipeline without the flags says neither (its stage ids mean nothing here):
 * it moves nothing until its next import reads them, rather than making a closed deal's account an
 * open opportunity.
 */
const DEFAULT_PIPELINE = (d: Deal) => d.pipeline === undefined || d.pipeline === "default";
const open = (d: Deal) =>
  d.closed !== undefined ? !d.closed : DEFAULT_PIPELINE(d) && !/^closed(won|lost)$/i.test(d.stage);
const won = (d: Deal) =>
  d.won !== undefined ? d.won : DEFAULT_PIPELINE(d) && d.stage.toLowerCase() === "closedwon";

/** The lifecycle an account's deals give it: undefined when none is open or won. */
export function dealLifecycle(deals: readonly Deal[]): Lifecycle | undefined {
  if (deals.some(won)) return "customer";
  if (deals.some(open)) return "open_opportunity";
  return undefined;
}

/** A company's lifecycle raised by its account's deals (the company import). */
export const withDeals = (stage: Lifecycle, deals: readonly Deal[]): Lifecycle =>
  furthest(stage, dealLifecycle(deals));

/**
 * After a deal is written (or moved): the account's lifecycle again, from its company's stage (where
 * the company import wrote it last) and all its deals. A deal opened raises it; the last open deal
 * lost lowers it back to its stage's. An account a person, an agent or another record wrote last is
 * only raised: what they said stands. Written with the source that wrote it last (the deal's, when it
 * had none), so the company import's rule on who may lower it holds; its change event goes out.
 */
export async function applyDealLifecycle(
  deps: CrmImportDeps,
  o: Pick<CrmImportOptions, "lifecycleStages">,
  accountId: string,
  dealSource: Source,
  at: string,
): Promise<void> {
  const { store, crm } = deps;
  const account = await store.getAccount(accountId);
  if (!account) return;
  const s = account.source;
  const fromCompany = s?.system === crm.system && s.objectType === "companies";
  // What the company alone made it at its last import (CrmFields.stageLifecycle): a customer a person
  // had set, kept by a company without a stage, stays one when a deal is lost. Imported before that
  // was kept: its stage mapped, its lifecycle; none, a prospect (its deals decide); one the spec does
  // not map, what the account is (kept, as the company import keeps it).
  const stage = account.crm?.lifecycleStage;
  // Not the company's: what a person or an agent said (kept as stageLifecycle when a deal first raised
  // it, below). Before, a deal raised a person's prospect, took the account over, and its loss left it
  // an open opportunity for good: what it had been raised to was all that was known.
  const base = !fromCompany
    ? (account.crm?.stageLifecycle ?? account.lifecycle)
    : (account.crm?.stageLifecycle ??
      (stage === undefined
        ? "prospect"
        : lifecycleOf(stage, account.lifecycle, o.lifecycleStages).lifecycle));
  const target = withDeals(base, await store.dealsOf(accountId));
  if (target === account.lifecycle) return;
  const input = AccountInput.safeParse({
    ...Object.fromEntries(Object.keys(AccountInput.shape).map((k) => [k, account[k as keyof Account]])),
    lifecycle: target,
  });
  // An account the store holds is valid; were it not, the deal is still kept and the account left.
  if (!input.success) return;
  const words = fromCompany ? account.crm : { ...account.crm, stageLifecycle: base };
  await store.putAccount(accountId, input.data, at, s ?? dealSource, words);
  await deps.events.publish([{ type: AGENT_EVENTS.accountPut, detail: { accountId, created: false } }]);
}
