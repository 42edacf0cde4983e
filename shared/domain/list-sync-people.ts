/**
 * A list sync's payload without some people among its adds and its members: what the executor sends
 * when the suppression list names them at the send (usecases/execution.ts), and what ingest counts as
 * synced once the decision records them in `execution.withheld` (agents/watchers/ingest.ts). Read
 * without the payload's schema, which the executors do not carry.
 */
export function leaveOut<T extends Record<string, unknown>>(payload: T, people: readonly string[]): T {
  const out = new Set(people);
  const keep = (list: unknown) =>
    Array.isArray(list) ? list.filter((m: { personId?: string }) => !out.has(m.personId as string)) : list;
  return {
    ...payload,
    add: keep(payload.add),
    ...(payload.members ? { members: keep(payload.members) } : {}),
  };
}
