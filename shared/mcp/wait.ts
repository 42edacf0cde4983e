/**
 * wait_for_decision: poll a decision until it leaves the statuses it can still leave on its own
 * (scheduled, pending approval, dispatched), or until the call's bound. A call never holds an MCP
 * request longer than MAX_WAIT_SECONDS; an agent that needs longer calls again.
 */
import { WAITING_STATUSES } from "./decision-view.ts";

export const MAX_WAIT_SECONDS = 60;

export interface WaitOptions {
  timeoutMs: number;
  /** @default 250 */
  pollMs?: number;
  /** Monotonic milliseconds. @default performance.now */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Stops early (the MCP request was cancelled). */
  signal?: AbortSignal;
}

export async function waitFor<D extends { status: string }>(
  read: () => Promise<D>,
  options: WaitOptions,
): Promise<{ decision: D; done: boolean; waitedMs: number }> {
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = options.pollMs ?? 250;
  const start = now();
  let decision = await read();
  while (WAITING_STATUSES.includes(decision.status) && !options.signal?.aborted) {
    const left = options.timeoutMs - (now() - start);
    if (left <= 0) break;
    await sleep(Math.min(pollMs, left));
    decision = await read();
  }
  const done = !WAITING_STATUSES.includes(decision.status);
  return { decision, done, waitedMs: Math.round(now() - start) };
}
