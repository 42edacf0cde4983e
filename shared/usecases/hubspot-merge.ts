/**
 * HubSpot's contact merges, for the webhook (hubspot-webhook.ts). Apart from world-outcomes.ts, which
 * the SES events function bundles too: its schema costs that function bytes it does not have.
 */
import type { HubSpotWebhookEvent } from "../adapters/connectors/hubspot-webhook.ts";
import { parseWith } from "../domain/validation.ts";
import * as z from "../domain/zod-mini.ts";
import type { Deps } from "../ports.ts";
import { mergedContactReason } from "./crm-contact-merge.ts";
import { idPart, type WorldOutcomeResult } from "./world-outcomes.ts";

/** What HubSpot's merge events carry beyond the common fields (its changelog, "New subscription types"). */
const MergeFields = z.looseObject({
  primaryObjectId: z.optional(z.union([z.number(), z.string()])),
  mergedObjectIds: z._default(z.array(z.union([z.number(), z.string()])), []),
  newObjectId: z.optional(z.union([z.number(), z.string()])),
});

/**
 * Contacts merged in HubSpot (`contact.merge`): the merged ones' ids are gone, and the contact that
 * remains (`newObjectId` when the merge made a new one, else `primaryObjectId`) is the one the import,
 * replies and deletions name from now on. A person imported from a merged contact carries on under the
 * remaining id when no person holds it yet (the link moves); when one does, the two are one person in
 * HubSpot and the merged one is suppressed on every channel, the reason naming who they are now, so
 * no agent reaches them twice through the duplicate. Before, the merged contact's person stayed linked
 * under a dead id: open to outreach, and out of reach of the remaining contact's deletion.
 */
export async function recordHubSpotMerge(
  deps: Deps,
  event: HubSpotWebhookEvent,
  o: {
    personOf: (contactId: string) => Promise<string | undefined>;
    link: (contactId: string, personId: string, mergedInto?: string) => Promise<void>;
  },
): Promise<WorldOutcomeResult> {
  const m = parseWith(MergeFields, event, "event");
  const remaining = String(m.newObjectId ?? m.primaryObjectId ?? event.objectId);
  const merged = [...m.mergedObjectIds, ...(m.primaryObjectId === undefined ? [] : [m.primaryObjectId])]
    .map(String)
    .filter((id) => id !== remaining);
  let kept = await o.personOf(remaining);
  let changed = false;
  for (const id of merged) {
    const personId = await o.personOf(id);
    if (!personId || personId === kept) continue;
    changed = true;
    if (!kept) {
      await o.link(remaining, personId);
      kept = personId;
    } else
      await deps.kb.addSuppression(
        {
          kind: "person",
          value: personId,
          reason: mergedContactReason(remaining, kept),
        },
        new Date(deps.clock.now()).toISOString(),
      );
    // Taken in: the CRM import, reading the remaining contact's merged ids, leaves it alone
    // (crm-contact-merge.ts), and does not take its suppressed person for the one to keep.
    await o.link(id, personId, remaining);
  }
  if (!changed) return { recorded: false, reason: "no person imported from a merged contact" };
  return {
    recorded: true,
    outcomeId: `hubspot:${idPart(remaining)}:merged`,
    type: "merged",
    duplicate: false,
    decisionId: null,
  };
}
