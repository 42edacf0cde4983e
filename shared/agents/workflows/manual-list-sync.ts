import { NotFoundError } from "../../domain/errors.ts";
import { parseWith } from "../../domain/validation.ts";
import { defineAgent } from "../definition.ts";
import { ManualListSyncInput } from "../manual-inputs.ts";
import { currentAudiences, proposeSync } from "./audiences.ts";

/**
 * Manual List Sync: on demand (POST /v1/agents/list-sync/run {audienceId}), a full sync of one
 * audience: every current member is (re-)added and anyone synced before but no longer a member is
 * removed. Each run is its own proposal, keyed by its run id (a retried invocation of the same run
 * proposes the same key, so the gate decides it once), or by the moment it was asked for.
 */
export const manualListSync = defineAgent({
  id: "manual-list-sync",
  description:
    "On demand (API POST /v1/agents/list-sync/run with an audience id): a full sync of one audience to HubSpot.",
  trigger: { kind: "manual" },
  actions: ["list.sync"],
  handler: async (inv, ctx) => {
    if (inv.kind !== "manual") return;
    const { audienceId } = parseWith(ManualListSyncInput, inv.input, "body");
    const now = ctx.clock.now();
    const audiences = await currentAudiences(ctx.kb, now);
    const snapshot = (await ctx.kb.audienceSnapshots()).find((s) => s.audienceId === audienceId);
    const audience = audiences.get(audienceId);
    if (!audience && !snapshot)
      throw new NotFoundError(`no audience ${audienceId}: it has no members today and was never synced`);
    await proposeSync(
      ctx,
      audience ?? {
        audienceId,
        listName: `Harness: ${audienceId.replace(/^sdr-/, "")} target contacts`,
        members: new Map(),
      },
      new Map((snapshot?.members ?? []).map((m) => [m.personId, m.email])),
      `manual-sync:${audienceId}:${inv.runId ?? new Date(now).toISOString()}`,
      `full sync of ${audienceId} requested by ${inv.by}`,
      true,
    );
  },
});
