/**
 * Companies the CRM merged. HubSpot archives the companies merged into another and names them on the
 * one that remains (`hs_merged_object_ids`, "1;2"), whose modified time moves, so the import reads it
 * again. The archived ones are never read again (the search does not return archived records), so
 * each kept its account: two accounts for one company, the merged one's people still at it and still
 * open to outreach, and a per-account rule ("one touch per account a week") counted on each apart.
 *
 * When a company is read whose record names companies merged into it, each merged one that has an
 * account other than this company's:
 * - its account is suppressed on every channel, saying into which company and account it went (as a
 *   contact merged into another is: hubspot-merge.ts). Suppressions are added, never lifted by the
 *   import, so an agent that still has the account in a list is refused by the gate;
 * - its deals move to this company's account, whose lifecycle they then raise (an open deal);
 * - this company's contacts are read again for it (the follow of crm-import.ts): HubSpot moved the
 *   merged company's contacts to it, and each person is moved to this account;
 * - its link says so (`mergedInto`), so a later read of this company does all this once.
 * A company merged into one that has no account yet (no domain, say) keeps its account until that one
 * gets its own: its record still names the merged companies when it is next read.
 */
import { applyDealLifecycle } from "./crm-deal-lifecycle.ts";
import type { CrmImportDeps, CrmImportOptions, Source, TypeReport } from "./crm-import-ports.ts";
import type { CrmRecord } from "./crm-records.ts";

/** At most this many merged companies taken in per read of a company (HubSpot's own merge limit is far below). */
const MAX_MERGED = 100;

/** `"12;34"` → ["12", "34"]: HubSpot's ids, digits only. */
export const mergedIdsOf = (value: string | null | undefined): string[] =>
  [...new Set((value ?? "").split(";").map((s) => s.trim()))].filter((s) => /^\d{1,20}$/.test(s));

export async function absorbMergedCompanies(
  deps: CrmImportDeps,
  o: Pick<CrmImportOptions, "lifecycleStages">,
  rec: CrmRecord,
  /** This company's record as the import cites it. */
  cited: Source,
  at: string,
  r: TypeReport,
): Promise<void> {
  const merged = mergedIdsOf(rec.properties.hs_merged_object_ids).filter((id) => id !== rec.id);
  if (!merged.length) return;
  const { store } = deps;
  const into = (await store.link("companies", rec.id))?.kbId;
  if (!into) return;
  for (const id of merged.slice(0, MAX_MERGED)) {
    const link = await store.link("companies", id);
    if (!link || link.mergedInto || link.kbId === into) continue;
    // A duplicate imported into another company's account (the same domain) has no account of its
    // own: that account is the other, live company's. Its contacts follow; nothing is suppressed or
    // moved. Before, the live company's account was suppressed for good and its deals moved away.
    // (An account a person or an agent wrote last names no company: it is this one's, and taken in.)
    const source = (await store.getAccount(link.kbId))?.source;
    if (source?.objectType === "companies" && source.id !== id) {
      await store.markPending("contacts", rec.id, at);
      await store.putLink("companies", id, { kbId: link.kbId, mergedInto: rec.id });
      continue;
    }
    // First what keeps agents away from it; the moves after it may be cut short and are redone then.
    await store.suppressAccount(
      link.kbId,
      `merged in HubSpot: company ${id} is now company ${rec.id}, account ${into}`,
      at,
    );
    const deals = await store.dealsOf(link.kbId);
    for (const deal of deals) {
      await store.putDeal({ ...deal, accountId: into }, link.kbId);
      await store.putLink("deals", deal.dealId, { kbId: into });
    }
    // The deals it brings count for the account they joined: an open one makes it an open
    // opportunity now. Before, it was read before they moved, and the live company with a merged
    // company's open deal stayed a prospect, open to cold outreach, until HubSpot next changed it.
    // Cited as the deal that moved it (as a deal's import does): an account a person wrote stays
    // theirs, only raised, not made the company record's, which may lower it.
    if (deals.length) await applyDealLifecycle(deps, o, into, deals[0]?.source ?? cited, at);
    await store.markPending("contacts", rec.id, at);
    await store.putLink("companies", id, { kbId: link.kbId, mergedInto: rec.id });
    r.merged = (r.merged ?? 0) + 1;
  }
}
