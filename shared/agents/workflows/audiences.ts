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

/**
 * What one list sync's members may weigh, as JSON: the gate refuses a payload over 32 KB (proposal.ts),
 * and a sync whose `members` listed an audience of a few hundred was refused every hour, never synced.
 * Past this, a sync takes a part (removes first: someone who asked to stop leaves the list first),
 * and the next sync takes the rest; the members list goes only where it fits.
 */
export const SYNC_BUDGET_BYTES = 28_000;

/** Propose the difference between an audience and its last synced snapshot (or all of it). */
export async function proposeSync(
  ctx: AgentContext,
  audience: Audience,
  synced: Map<string, string>,
  key: string,
  why: string,
  full: boolean,
): Promise<boolean> {
  const toAdd = [...audience.members]
    .filter(([id]) => full || !synced.has(id))
    .map(([personId, email]) => ({ personId, email }));
  // A member erased since (the scrub left ERASED for the address in the snapshot) is no remove: there is
  // no address to remove by, the payload's Email check refused the whole sync every hour, and the CRM's
  // own erasure takes them out there. They leave the snapshot with the next sync that goes out.
  const toRemove = [...synced]
    .filter(([id, email]) => !audience.members.has(id) && email !== ERASED)
    .map(([personId, email]) => ({ personId, email }));
  if (toAdd.length === 0 && toRemove.length === 0 && !full) return false;
  let used = 0;
  const take = <T>(list: T[]): T[] => {
    const out: T[] = [];
    for (const m of list) {
      const bytes = JSON.stringify(m).length + 1;
      if (used + bytes > SYNC_BUDGET_BYTES) break;
      out.push(m);
      used += bytes;
    }
    return out;
  };
  const remove = take(toRemove);
  const add = take(toAdd);
  const part = add.length < toAdd.length || remove.length < toRemove.length;
  const members = [...audience.members]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([personId, email]) => ({ personId, email }));
  const withMembers = !part && take(members).length === members.length;
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
      ...(withMembers ? { members } : {}),
    },
    reasoning: `${why}: ${add.length} to add, ${remove.length} to remove; ${audience.members.size} members now.${
      part
        ? ` A part: ${toAdd.length} to add and ${toRemove.length} to remove in all, more than one sync carries; the next sync takes the rest.`
        : ""
    }`,
    confidence: 0.95,
  });
  return true;
}
