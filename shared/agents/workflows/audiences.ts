/**
 * Audience memberships List Sync keeps in HubSpot: one audience per SDR with the qualified contacts
 * of the accounts on that SDR's lead list in force (the day's; Friday's over a weekend), less those the
 * suppression list names. Membership is what the KB says now; the snapshot is what was last synced
 * (recorded when a list.sync executes).
 */
import { ERASED } from "../../domain/personal-data.ts";
import type { KnowledgeView } from "../../kb/view.ts";
import type { AgentContext } from "../context.ts";
import { listDate } from "./common.ts";

export interface Audience {
  audienceId: string;
  listName: string;
  members: Map<string, string>;
}

export const audienceIdFor = (ownerId: string) => `sdr-${ownerId}`;

export async function currentAudiences(kb: KnowledgeView, at: number): Promise<Map<string, Audience>> {
  const spec = await kb.spec();
  const list = await kb.leadList(listDate(spec, at));
  const out = new Map<string, Audience>();
  for (const e of list) {
    const id = audienceIdFor(e.ownerId);
    const a = out.get(id) ?? {
      audienceId: id,
      listName: `Harness: ${e.ownerId} target contacts`,
      members: new Map(),
    };
    const contacts = e.contacts ?? [];
    // Someone who asked us to stop since the list was built leaves it at the next sync.
    const blocked = await kb.doNotTarget(
      e.accountId,
      contacts.map((c) => c.personId),
    );
    for (const c of contacts) if (!blocked.has(c.personId)) a.members.set(c.personId, c.email);
    out.set(id, a);
  }
  return out;
}

/** Propose the difference between an audience and its last synced snapshot (or all of it). */
export async function proposeSync(
  ctx: AgentContext,
  audience: Audience,
  synced: Map<string, string>,
  key: string,
  why: string,
  full: boolean,
): Promise<boolean> {
  const add = [...audience.members]
    .filter(([id]) => full || !synced.has(id))
    .map(([personId, email]) => ({ personId, email }));
  // A member erased since (the scrub left ERASED for the address in the snapshot) is no remove: there is
  // no address to remove by, the payload's Email check refused the whole sync every hour, and the CRM's
  // own erasure takes them out there. They leave the snapshot with the next sync that goes out.
  const remove = [...synced]
    .filter(([id, email]) => !audience.members.has(id) && email !== ERASED)
    .map(([personId, email]) => ({ personId, email }));
  if (add.length === 0 && remove.length === 0 && !full) return false;
  await ctx.propose({
    key,
    action: { type: "list.sync" },
    // list.sync targets an audience rather than an account: the audience id stands in the account slot.
    target: { accountId: `audience:${audience.audienceId}` },
    payload: {
      audienceId: audience.audienceId,
      listName: audience.listName,
      add,
      remove,
      members: [...audience.members]
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([personId, email]) => ({ personId, email })),
    },
    reasoning: `${why}: ${add.length} to add, ${remove.length} to remove; ${audience.members.size} members now.`,
    confidence: 0.95,
  });
  return true;
}
