/**
 * Contacts the CRM merged, as the import reads them. HubSpot archives the contacts merged into another
 * and names them on the one that remains (`hs_merged_object_ids`, "1;2"), whose modified time moves,
 * so the import reads it again. The webhook's merge event does the same work when it arrives
 * (hubspot-merge.ts); when it did not (the webhook not subscribed, down for longer than HubSpot
 * retries, or a merge before the harness was installed), each merged contact's person stayed linked
 * under a dead id, open to outreach beside the remaining one: two people in the knowledge base for
 * one buyer, each with their own touches, so two agents could write to the same person.
 *
 * When a contact is read whose record names contacts merged into it, before it is imported, each
 * merged one linked to a person other than this contact's:
 * - if this contact has no person yet (a merge that made a new contact, or one the import skipped),
 *   it takes the first such person on: the link moves, and the import then updates that person;
 * - else the merged one's person is suppressed on every channel, the reason naming who they are now
 *   (the same entry the webhook writes, so the two paths write it once);
 * - its link says so (`mergedInto`), so a later read of this contact does all this once.
 */

import { mergedIdsOf } from "./crm-company-merge.ts";
import type { CrmImportStore, TypeReport } from "./crm-import.ts";
import type { CrmRecord } from "./crm-records.ts";

/** At most this many merged contacts taken in per read of a contact (HubSpot's own merge limit is far below). */
const MAX_MERGED = 100;

/** The reason a merged contact's person is suppressed with, here and by the webhook. */
export const mergedContactReason = (remaining: string, kept: string) =>
  `merged in HubSpot into contact ${remaining}: the same person as ${kept}`;

export async function absorbMergedContacts(
  store: CrmImportStore,
  rec: CrmRecord,
  at: string,
  r: TypeReport,
): Promise<void> {
  const merged = mergedIdsOf(rec.properties.hs_merged_object_ids).filter((id) => id !== rec.id);
  if (!merged.length) return;
  let kept = (await store.link("contacts", rec.id))?.kbId;
  for (const id of merged.slice(0, MAX_MERGED)) {
    const link = await store.link("contacts", id);
    if (!link || link.mergedInto || link.kbId === kept) continue;
    if (!kept) {
      await store.putLink("contacts", rec.id, { kbId: link.kbId });
      kept = link.kbId;
    } else {
      // First what keeps agents away from them; the mark after it may be cut short and is redone then.
      await store.suppressPersonEverywhere(link.kbId, mergedContactReason(rec.id, kept), at);
    }
    await store.putLink("contacts", id, { kbId: link.kbId, mergedInto: rec.id });
    r.merged = (r.merged ?? 0) + 1;
  }
}
