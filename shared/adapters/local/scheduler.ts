import type { DecisionStore, DueItem } from "../../ports.ts";

export interface DueHandlers {
  release(decisionId: string): Promise<unknown>;
  expire(decisionId: string): Promise<unknown>;
  /** An executed action's trust window closed; without a handler settle items wait in the queue. */
  settle?(decisionId: string): Promise<unknown>;
}

/** Work the polling loop runs after each drain of the due-queue (reconciliation, daily digests). */
export interface PeriodicTask {
  name: string;
  run(): Promise<unknown>;
}

export interface SchedulerOptions {
  /** Where the loop reports failed polls and recoveries (no request data: names and messages only). */
  log?: (msg: string, data: Record<string, unknown>) => void;
  tasks?: PeriodicTask[];
  /** The longest wait between polls while they keep failing. Default 30 s. */
  maxBackoffMs?: number;
}

/**
 * The embedded default's scheduler: a durable due-queue in the state table (written in the same
 * transaction as the decision), polled. A due item is deleted only after its handler finished, so a
 * process stopped mid-way fires it again on restart; the handlers are idempotent (they act only on
 * a decision still in the expected status), so each action fires once.
 *
 * The polling loop outlives its dependencies' outages: a poll that fails (the database is down) is
 * logged and the next one waits longer (doubling up to `maxBackoffMs`); nothing it runs can reject
 * out of the loop, so a dead database never takes the process down with it.
 */
export class LocalScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;
  /** Bumped by start() and stop(), so a cycle finishing after either does not reschedule itself. */
  private generation = 0;
  private failures = 0;
  private completed = 0;
  private readonly tasks: PeriodicTask[];
  private readonly log: (msg: string, data: Record<string, unknown>) => void;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly store: DecisionStore,
    private readonly handlers: DueHandlers,
    private readonly now: () => number,
    private readonly onError: (err: unknown, item: DueItem) => void = () => {},
    options: SchedulerOptions = {},
  ) {
    this.tasks = [...(options.tasks ?? [])];
    this.log = options.log ?? (() => {});
    this.maxBackoffMs = options.maxBackoffMs ?? 30_000;
  }

  /** Polls completed by the loop so far, failed or not (tests wait for a number of them). */
  get cycles(): number {
    return this.completed;
  }

  /** Run `task` after every poll of the loop, isolated: its failure is logged and backs the loop off. */
  addTask(task: PeriodicTask): void {
    this.tasks.push(task);
  }

  /** Process everything due now; returns how many items fired. Rejects when the store fails. */
  async tick(): Promise<number> {
    if (this.running) return this.running;
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async drain(): Promise<number> {
    let fired = 0;
    // A failing item stays queued (it is retried next tick) but must not hold up the items behind it.
    let after: DueItem | undefined;
    for (;;) {
      const due = await this.store.dueItems(this.now(), 25, after);
      if (due.length === 0) return fired;
      for (const item of due) {
        try {
          if (item.kind === "release") await this.handlers.release(item.decisionId);
          else if (item.kind === "settle") {
            if (!this.handlers.settle) {
              after = item;
              continue;
            }
            await this.handlers.settle(item.decisionId);
          } else await this.handlers.expire(item.decisionId);
          await this.store.deleteDue(item);
          fired++;
        } catch (err) {
          this.onError(err, item);
          after = item;
        }
      }
    }
  }

  /** One poll of the loop: the due-queue, then each task. Never rejects; reports whether all succeeded. */
  async cycle(): Promise<boolean> {
    let ok = true;
    try {
      await this.tick();
    } catch (err) {
      ok = false;
      this.log("scheduler poll failed", { ...describe(err), failures: this.failures + 1 });
    }
    for (const task of this.tasks) {
      try {
        await task.run();
      } catch (err) {
        ok = false;
        this.log("scheduler task failed", { task: task.name, ...describe(err), failures: this.failures + 1 });
      }
    }
    if (ok && this.failures > 0) this.log("scheduler recovered", { after: this.failures });
    this.failures = ok ? 0 : this.failures + 1;
    this.completed++;
    return ok;
  }

  start(intervalMs: number): void {
    this.stop();
    const generation = this.generation;
    const next = (delay: number) => {
      this.timer = setTimeout(async () => {
        if (generation !== this.generation) return;
        await this.cycle();
        if (generation !== this.generation) return;
        next(this.failures === 0 ? intervalMs : this.backoff(intervalMs));
      }, delay);
      this.timer.unref();
    };
    next(intervalMs);
  }

  private backoff(intervalMs: number): number {
    return Math.max(intervalMs, Math.min(this.maxBackoffMs, intervalMs * 2 ** Math.min(this.failures, 16)));
  }

  stop(): void {
    this.generation++;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

const describe = (err: unknown) => ({
  error: (err as Error)?.name ?? "Error",
  message: (err as Error)?.message ?? String(err),
});
