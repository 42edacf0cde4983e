import type { Connector } from "../ports.ts";

/**
 * The decisions this process is executing right now. Reconciliation marks a dispatched decision whose
 * send never recorded a result `in_doubt`; it must leave alone the ones whose send is still running
 * here, however long the connector takes, or a message that is being sent would be reported as lost.
 */
export class Executions {
  private readonly running = new Map<string, number>();

  has(decisionId: string): boolean {
    return this.running.has(decisionId);
  }

  /** Run `work` with `decisionId` counted as in flight until it settles. */
  async run<T>(decisionId: string, work: () => Promise<T>): Promise<T> {
    this.running.set(decisionId, (this.running.get(decisionId) ?? 0) + 1);
    try {
      return await work();
    } finally {
      const left = (this.running.get(decisionId) ?? 1) - 1;
      if (left > 0) this.running.set(decisionId, left);
      else this.running.delete(decisionId);
    }
  }

  /**
   * The connector, with every call counted as an execution in flight: whoever calls `execute()` (the
   * workers, the scheduler, an approval's after-response work), the send itself is covered.
   */
  watch(connector: Connector): Connector {
    const forget = connector.forget?.bind(connector);
    const prepare = connector.prepare?.bind(connector);
    return {
      execute: (req) => this.run(req.decision.decisionId, () => connector.execute(req)),
      ...(forget ? { forget } : {}),
      // Kept: without it a downstream tool's spec read moved back inside the attempt (execution.ts).
      ...(prepare ? { prepare } : {}),
    };
  }
}
