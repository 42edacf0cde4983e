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
 * merged one linked to a person (and not taken in yet):
 * - if this contact has no person yet (HubSpot's merges now make a new contact, or one the import
 *   skipped), it takes one of theirs on: the one its address names, else the first one nothing
 *   suppresses (a merge the webhook took in earlier left its merged person suppressed and, before it
 *   marked links, its link unmarked). The link moves, and the import then updates that person;
 * - every other merged one's person is suppressed on every channel, the reason naming who they are
 *   now (the same entry the webhook writes, so the two paths write it once);
 * - its link says so (`mergedInto`, as the webhook marks it too), so a later read does all this once.
 */

import { mergedIdsOf } from "./crm-company-merge.ts";
import type { CrmImportStore, TypeReport } from "./crm-import-ports.ts";
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
  const open: [string, string][] = [];
  for (const id of merged.slice(0, MAX_MERGED)) {
    const link = await store.link("contacts", id);
    if (link && !link.mergedInto) open.push([id, link.kbId]);
  }
  if (!open.length) return;
  let kept = (await store.link("contacts", rec.id))?.kbId;
  if (!kept) {
    kept = await personToKeep(
      store,
      rec,
      open.map(([, personId]) => personId),
    );
    await store.putLink("contacts", rec.id, { kbId: kept });
  }
  for (const [id, personId] of open) {
    // First what keeps agents away from them; the mark after it may be cut short and is redone then.
    if (personId !== kept)
      await store.suppressPersonEverywhere(personId, mergedContactReason(rec.id, kept), at);
    await store.putLink("contacts", id, { kbId: personId, mergedInto: rec.id });
    r.merged = (r.merged ?? 0) + 1;
  }
}

/**
 * Of the merged contacts' people, the one the remaining contact carries on as: not one an earlier
 * merge suppressed as someone else's duplicate (a person suppressed for another reason, an opt-out,
 * is still the buyer, and the suppression goes on with them); of those, the one its address names.
 */
async function personToKeep(store: CrmImportStore, rec: CrmRecord, people: string[]): Promise<string> {
  const email = rec.properties.email?.trim().toLowerCase();
  const named = email ? await store.personIdByEmail(email) : undefined;
  const away = await store.mergedAway(people);
  const live = people.filter((p) => !away.has(p));
  return live.find((p) => p === named) ?? live[0] ?? (people[0] as string);
}

/** Whether a suppression's reason is a merge's (mergedContactReason), here and in the store. */
export const isMergeReason = (reason: string) => reason.startsWith("merged in HubSpot into contact ");
