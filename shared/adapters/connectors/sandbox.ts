/**
 * The embedded default's connectors: the same routing and the same request builders as the real
 * connectors, but the request is written to the outbox (NDJSON) instead of being sent. `harness
 * outbox` reads it. Idempotent on the key like the real ones: a repeated key returns the first result.
 */
import { AudienceAddPayload, EmailPayload, LinkedInMessagePayload } from "../../agents/records.ts";
import { ConnectorError, type ConnectorRequest } from "../../ports.ts";
import { type OutboxEntry, SandboxConnector } from "../local/sandbox-connector.ts";
import { dmpUsersRequest } from "./linkedin.ts";
import { systemFor } from "./router.ts";
import { sendEmailInput } from "./ses.ts";

export interface SandboxOutboxEntry extends OutboxEntry {
  system: string;
  /** What the real connector would have sent. */
  request: unknown;
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

export class SandboxConnectors extends SandboxConnector<SandboxOutboxEntry> {
  protected override entryFor(req: ConnectorRequest): SandboxOutboxEntry {
    const system = systemFor(req.decision.actionType);
    if (!system) throw new ConnectorError(`no connector for ${req.decision.actionType}`, false);
    const request = wireRequest(req);
    return { ...super.entryFor(req), system, request, externalId: `sandbox:${system}:${req.idempotencyKey}` };
  }
}
