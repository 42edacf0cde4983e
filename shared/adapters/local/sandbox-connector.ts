import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { type Connector, ConnectorError, type ConnectorRequest, type ConnectorResult } from "../../ports.ts";

export interface OutboxEntry {
  idempotencyKey: string;
  decisionId: string;
  agentId: string;
  actionType: string;
  channel?: string;
  accountId: string;
  personId?: string;
  payload: Record<string, unknown>;
  at: string;
}

/**
 * The embedded default's connector: records what would have been sent to an NDJSON outbox instead of
 * sending it. Idempotent on the key, like the real connectors: a repeated key returns the first result.
 */
export class SandboxConnector implements Connector {
  private readonly seen = new Map<string, string>();
  /** Test hook: make the next calls fail, to exercise failed and in_doubt paths. */
  failNext: { outcomeUnknown: boolean; message: string }[] = [];

  constructor(
    private readonly outboxPath: string | undefined,
    private readonly now: () => number,
  ) {
    if (outboxPath && existsSync(outboxPath)) {
      for (const line of readFileSync(outboxPath, "utf8").split("\n")) {
        if (!line) continue;
        const e = JSON.parse(line) as OutboxEntry;
        this.seen.set(e.idempotencyKey, `outbox:${e.idempotencyKey}`);
      }
    }
  }

  readonly entries: OutboxEntry[] = [];

  async execute(req: ConnectorRequest): Promise<ConnectorResult> {
    const fail = this.failNext.shift();
    if (fail) {
      throw new ConnectorError(fail.message, fail.outcomeUnknown);
    }
    const known = this.seen.get(req.idempotencyKey);
    if (known) return { externalId: known };
    const d = req.decision;
    const entry: OutboxEntry = {
      idempotencyKey: req.idempotencyKey,
      decisionId: d.decisionId,
      agentId: d.agentId,
      actionType: d.actionType,
      ...(d.channel ? { channel: d.channel } : {}),
      accountId: d.accountId,
      ...(d.personId ? { personId: d.personId } : {}),
      payload: req.payload,
      at: new Date(this.now()).toISOString(),
    };
    this.entries.push(entry);
    if (this.outboxPath) {
      mkdirSync(dirname(this.outboxPath), { recursive: true });
      appendFileSync(this.outboxPath, `${JSON.stringify(entry)}\n`);
    }
    const id = `outbox:${req.idempotencyKey}`;
    this.seen.set(req.idempotencyKey, id);
    return { externalId: id };
  }
}
