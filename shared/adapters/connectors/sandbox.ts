/**
 * The embedded default's connectors: the same routing and the same request builders as the real
 * connectors, but the request is written to the outbox (NDJSON) instead of being sent. `harness
 * outbox` reads it. Idempotent on the key like the real ones: a repeated key returns the first result.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { AudienceAddPayload, EmailPayload, LinkedInMessagePayload } from "../../agents/records.ts";
import { type Connector, ConnectorError, type ConnectorRequest, type ConnectorResult } from "../../ports.ts";
import type { OutboxEntry } from "../local/sandbox-connector.ts";
import { dmpUsersRequest } from "./linkedin.ts";
import { systemFor } from "./router.ts";
import { sendEmailInput } from "./ses.ts";

export interface SandboxOutboxEntry extends OutboxEntry {
  system: string;
  /** What the real connector would have sent. */
  request: unknown;
  externalId: string;
}

export const SANDBOX_FROM = "sdr@harness-sandbox.local";

function wireRequest(req: ConnectorRequest): unknown {
  const type = req.decision.actionType;
  if (type === "email.send") {
    const p = EmailPayload.safeParse(req.payload);
    if (!p.success) throw new ConnectorError(`bad email.send payload: ${p.error.message}`, false);
    return {
      api: "SESv2 SendEmail",
      input: sendEmailInput(p.data, req.idempotencyKey, { from: SANDBOX_FROM }),
    };
  }
  if (type === "linkedin.audience.add") {
    const p = AudienceAddPayload.safeParse(req.payload);
    if (!p.success) throw new ConnectorError(`bad linkedin.audience.add payload: ${p.error.message}`, false);
    return { api: `POST /rest/dmpSegments/{${p.data.audienceId}}/users`, body: dmpUsersRequest(p.data) };
  }
  if (type === "linkedin.message") {
    const p = LinkedInMessagePayload.safeParse(req.payload);
    if (!p.success) throw new ConnectorError(`bad linkedin.message payload: ${p.error.message}`, false);
    return {
      api: "POST message webhook",
      body: { idempotencyKey: req.idempotencyKey, recipient: p.data.linkedinUrl, body: p.data.body },
    };
  }
  return { api: `HubSpot ${type}`, payload: req.payload };
}

export class SandboxConnectors implements Connector {
  readonly entries: SandboxOutboxEntry[] = [];
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
        const e = JSON.parse(line) as SandboxOutboxEntry;
        this.seen.set(e.idempotencyKey, e.externalId ?? `outbox:${e.idempotencyKey}`);
      }
    }
  }

  async execute(req: ConnectorRequest): Promise<ConnectorResult> {
    const fail = this.failNext.shift();
    if (fail) throw new ConnectorError(fail.message, fail.outcomeUnknown);
    const known = this.seen.get(req.idempotencyKey);
    if (known) return { externalId: known };
    const system = systemFor(req.decision.actionType);
    if (!system) throw new ConnectorError(`no connector for ${req.decision.actionType}`, false);
    const request = wireRequest(req);
    const d = req.decision;
    const externalId = `sandbox:${system}:${req.idempotencyKey}`;
    const entry: SandboxOutboxEntry = {
      idempotencyKey: req.idempotencyKey,
      decisionId: d.decisionId,
      agentId: d.agentId,
      actionType: d.actionType,
      ...(d.channel ? { channel: d.channel } : {}),
      accountId: d.accountId,
      ...(d.personId ? { personId: d.personId } : {}),
      payload: req.payload,
      at: new Date(this.now()).toISOString(),
      system,
      request,
      externalId,
    };
    this.entries.push(entry);
    if (this.outboxPath) {
      mkdirSync(dirname(this.outboxPath), { recursive: true });
      appendFileSync(this.outboxPath, `${JSON.stringify(entry)}\n`);
    }
    this.seen.set(req.idempotencyKey, externalId);
    return { externalId };
  }
}
