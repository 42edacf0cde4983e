import type { DecisionStore, DueItem } from "../../ports.ts";

export interface DueHandlers {
  release(decisionId: string): Promise<unknown>;
  expire(decisionId: string): Promise<unknown>;
}

/**
 * The embedded default's scheduler: a durable due-queue in the state table (written in the same
 * transaction as the decision), polled. A due item is deleted only after its handler finished, so a
 * process stopped mid-way fires it again on restart; the handlers are idempotent (they act only on
 * a decision still in the expected status), so each action fires once.
 */
export class LocalScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: DecisionStore,
    private readonly handlers: DueHandlers,
    private readonly now: () => number,
    private readonly onError: (err: unknown, item: DueItem) => void = () => {},
  ) {}

  /** Process everything due now; returns how many items fired. */
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
          else await this.handlers.expire(item.decisionId);
          await this.store.deleteDue(item);
          fired++;
        } catch (err) {
          this.onError(err, item);
          after = item;
        }
      }
    }
  }

  start(intervalMs: number): void {
    this.stop();
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
