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
 * Past this, the difference goes in parts, each a list sync of its own (removes first: someone who
 * asked to stop leaves the list first); the members list goes only where it fits beside one part.
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
  const members = [...audience.members]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([personId, email]) => ({ personId, email }));
  // Parts until all of the difference is proposed, each its own decision: a manual full sync re-adds
  // the whole audience (before, one part of it, the same one every run), and an hourly one syncs a
  // large audience within the hour. Their events may be handled in any order (ingest.ts).
  const parts: { add: typeof toAdd; remove: typeof toRemove }[] = [];
  let [adds, removes] = [toAdd, toRemove];
  do {
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
    const remove = take(removes);
    const add = take(adds);
    parts.push({ add, remove });
    [adds, removes] = [adds.slice(add.length), removes.slice(remove.length)];
  } while (adds.length > 0 || removes.length > 0);
  // The whole audience goes with a sync only where it fits beside its one part.
  const weight = (list: unknown[]) => list.reduce((n: number, m) => n + JSON.stringify(m).length + 1, 0);
  const only = parts.length === 1 ? parts[0] : undefined;
  const withMembers =
    only !== undefined && weight(only.add) + weight(only.remove) + weight(members) <= SYNC_BUDGET_BYTES;
  for (const [n, part] of parts.entries())
    await ctx.propose({
      key: n === 0 ? key : `${key}#part-${n + 1}`,
      action: { type: "list.sync" },
      // list.sync targets an audience rather than an account: the audience id stands in the account slot.
      target: { accountId: `audience:${audience.audienceId}` },
      payload: {
        audienceId: audience.audienceId,
        listName: audience.listName,
        add: part.add,
        remove: part.remove,
        ...(withMembers ? { members } : {}),
      },
      reasoning: `${why}: ${part.add.length} to add, ${part.remove.length} to remove; ${audience.members.size} members now.${
        parts.length > 1
          ? ` Part ${n + 1} of ${parts.length}: ${toAdd.length} to add and ${toRemove.length} to remove in all, more than one sync carries.`
          : ""
      }`,
      confidence: 0.95,
    });
  return true;
}
