import { defineAgent } from "../definition.ts";
import { currentAudiences, proposeSync } from "./audiences.ts";

/**
 * List Sync: every hour, compare each SDR audience with what was last synced to HubSpot and propose
 * the difference as one list.sync per audience. Nothing changed, nothing proposed.
 */
export const listSync = defineAgent({
  id: "list-sync",
  description: "Hourly: syncs audience memberships to HubSpot lists.",
  trigger: { kind: "schedule", cron: "0 * * * *", description: "every hour" },
  actions: ["list.sync"],
  handler: async (inv, ctx) => {
    if (inv.kind !== "schedule") return;
    const audiences = await currentAudiences(ctx.kb, ctx.clock.now());
    const snapshots = new Map(
      (await ctx.kb.audienceSnapshots()).map((s) => [
        s.audienceId,
        new Map(s.members.map((m) => [m.personId, m.email])),
      ]),
    );
    // Audiences that emptied (yesterday's lists) still need their members removed.
    for (const id of snapshots.keys()) {
      if (!audiences.has(id) && (snapshots.get(id)?.size ?? 0) > 0)
        audiences.set(id, {
          audienceId: id,
          listName: `Harness: ${id.replace(/^sdr-/, "")} target contacts`,
          members: new Map(),
        });
    }
    // The hour the schedule fired (in AWS the scheduler's time; a delivery may come late): one sync an
    // hour. Before, the delivery's time: 14:00's firing delivered at 15:05 took 15:00's key, and 15:00's
    // own sync was answered as its replay, its changes left to 16:00.
    const hour = new Date(inv.continuedFrom ?? inv.at).toISOString().slice(0, 13);
    for (const audience of [...audiences.values()].sort((a, b) => a.audienceId.localeCompare(b.audienceId))) {
      await proposeSync(
        ctx,
        audience,
        snapshots.get(audience.audienceId) ?? new Map(),
        `sync:${audience.audienceId}:${hour}`,
        `hourly sync of ${audience.audienceId}`,
        false,
      );
    }
  },
});
