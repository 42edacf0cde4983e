import { existsSync, readFileSync } from "node:fs";
import { mentions, needleMatcher } from "../../domain/redact.ts";
import {
  type Connector,
  ConnectorError,
  type ConnectorRequest,
  type ConnectorResult,
  type ErasureTarget,
} from "../../ports.ts";
import { appendPrivateFile, tightenPrivateFile, writePrivateFile } from "./private-files.ts";

/** Besides the payload, what an outbox entry holds of a person: the wire request subclasses record. */
const WIRE_FIELDS = new Set(["request"]);

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
  externalId: string;
}

/**
 * The embedded default's connector: records what would have been sent to an NDJSON outbox instead of
 * sending it. Idempotent on the key, like the real connectors: a repeated key returns the first result,
 * also across restarts (the outbox file is read back). Subclasses add what a real system would have
 * been asked (see adapters/connectors/sandbox.ts).
 */
export class SandboxConnector<E extends OutboxEntry = OutboxEntry> implements Connector {
  private readonly seen = new Map<string, string>();
  readonly entries: E[] = [];
  /** Test hook: make the next calls fail, to exercise failed and in_doubt paths. */
  failNext: { outcomeUnknown: boolean; message: string }[] = [];

  constructor(
    private readonly outboxPath: string | undefined,
    protected readonly now: () => number,
  ) {
    if (outboxPath && existsSync(outboxPath)) {
      // The outbox holds names, emails and messages: owner-only, also when an older version made it 0644.
      tightenPrivateFile(outboxPath);
      for (const line of readFileSync(outboxPath, "utf8").split("\n")) {
        if (!line) continue;
        const e = JSON.parse(line) as Partial<OutboxEntry> & { idempotencyKey: string };
        this.seen.set(e.idempotencyKey, e.externalId ?? `outbox:${e.idempotencyKey}`);
      }
    }
  }

  /** The outbox entry for a request; subclasses extend it with the wire request they would send. */
  protected entryFor(req: ConnectorRequest): E {
    const d = req.decision;
    return {
      idempotencyKey: req.idempotencyKey,
      decisionId: d.decisionId,
      agentId: d.agentId,
      actionType: d.actionType,
      ...(d.channel ? { channel: d.channel } : {}),
      accountId: d.accountId,
      ...(d.personId ? { personId: d.personId } : {}),
      payload: req.payload,
      at: new Date(this.now()).toISOString(),
      externalId: `outbox:${req.idempotencyKey}`,
    } as E;
  }

  /**
   * Erasure: rewrite the outbox with the person's entries — those addressed to them, and any other
   * (a list sync, a committee) that names them — reduced to ids, times and keys, their payloads
   * erased. Written to a temporary file and renamed, so a crash leaves the old outbox or the new one.
   */
  async forget(target: ErasureTarget): Promise<number> {
    const matcher = needleMatcher([target.email ?? "", target.names.join(" ")]);
    const names = (e: OutboxEntry) =>
      e.personId === target.personId || (matcher ? mentions(e, matcher) : false);
    let erased = 0;
    const scrub = <T extends OutboxEntry>(e: T): T => {
      if (!names(e)) return e;
      erased++;
      const { payload: _p, ...rest } = e;
      // Subclasses record the wire request too; it carries the same personal data.
      const kept = Object.fromEntries(Object.entries(rest).filter(([k]) => !WIRE_FIELDS.has(k)));
      return { ...kept, payload: { erased: true } } as unknown as T;
    };
    this.entries.splice(0, this.entries.length, ...this.entries.map(scrub));
    if (this.outboxPath && existsSync(this.outboxPath)) {
      erased = 0;
      const lines = readFileSync(this.outboxPath, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.stringify(scrub(JSON.parse(line) as OutboxEntry)));
      writePrivateFile(this.outboxPath, lines.length ? `${lines.join("\n")}\n` : "");
    }
    return erased;
  }

  async execute(req: ConnectorRequest): Promise<ConnectorResult> {
    const fail = this.failNext.shift();
    if (fail) throw new ConnectorError(fail.message, fail.outcomeUnknown);
    const known = this.seen.get(req.idempotencyKey);
    if (known) return { externalId: known };
    const entry = this.entryFor(req);
    this.entries.push(entry);
    if (this.outboxPath) appendPrivateFile(this.outboxPath, `${JSON.stringify(entry)}\n`);
    this.seen.set(req.idempotencyKey, entry.externalId);
    return { externalId: entry.externalId };
  }
}
