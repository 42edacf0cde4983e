/**
 * The bodies of the manual-run routes that agents read (POST /v1/agents/{agentId}/run, and
 * /v1/agents/list-sync/run for manual-list-sync), checked by the route before any run starts: in AWS
 * the run is an asynchronous invocation, so a bad body found by the agent was a 202 followed by a
 * failed function, two retries and a dead-letter queue. Apart from the workflows, so the admin API's
 * function carries no agent code.
 */
import { parseWith } from "../domain/validation.ts";
import * as z from "../domain/zod-mini.ts";

/** POST /v1/agents/list-sync/run body. */
export const ManualListSyncInput = z.strictObject({
  audienceId: z.string().check(z.minLength(1), z.maxLength(128)),
});

const MANUAL_INPUTS: Record<string, z.ZodMiniType> = {
  "manual-list-sync": ManualListSyncInput,
};

/** A manual run's body, checked against the agent's input when it reads one (400 naming the field). */
export function checkManualInput(agentId: string, body: unknown): void {
  const schema = Object.hasOwn(MANUAL_INPUTS, agentId) ? MANUAL_INPUTS[agentId] : undefined;
  if (schema) parseWith(schema, body, "body");
}
