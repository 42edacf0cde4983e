import { createHash, randomBytes } from "node:crypto";
import { canonicalJson } from "./canonical-json.ts";

const hash = (text: string) => createHash("sha256").update(text).digest("base64url");

/**
 * Decision ids are derived from (agentId, proposalId): the gate can read "is there already a decision
 * for this proposal?" in the same batch as everything else, and two concurrent retries collide on the
 * same key, so exactly one decision exists per proposal.
 */
export const decisionIdFor = (agentId: string, proposalId: string) =>
  `d_${hash(`${agentId}\u0000${proposalId}`).slice(0, 22)}`;

/**
 * A manual agent run named by its request (POST /v1/agents/{agentId}/run with an Idempotency-Key): who
 * asked, which agent, the key and the body. The same request sent again is the same run, which the
 * agent's function runs once (its run claim); the same key with another body is another run.
 */
export const runIdFor = (subject: string, agentId: string, key: string, body: unknown) =>
  `run_${hash(`${subject}\u0000${agentId}\u0000${key}\u0000${canonicalJson(body ?? {})}`).slice(0, 22)}`;

/** The digest an approval is bound to: approving a digest approves exactly that payload. */
export const payloadDigest = (payload: unknown) => `sha256:${hash(canonicalJson(payload))}`;

/** The idempotency key every external side effect of a decision carries. */
export const idempotencyKeyFor = (decisionId: string, attempt = 1) => `${decisionId}:exec:${attempt}`;

/** The stop-on-reply pause an outcome creates: named by the outcome, so its redelivery creates no second one. */
export const pauseIdForOutcome = (outcomeId: string) =>
  `pause_${hash(`outcome\u0000${outcomeId}`).slice(0, 22)}`;

/**
 * An outcome reported without an id but with the instant it happened: named by what it is (the decision
 * or person, the type, the instant), so a client's retry of the same report is recognised. Two reports
 * that agree on all three are the same outcome.
 */
export const outcomeIdFor = (subject: string, type: string, occurredAt: string) =>
  `o_${hash(`${subject}\u0000${type}\u0000${occurredAt}`).slice(0, 22)}`;

export const newId = (prefix: string) => `${prefix}_${randomBytes(10).toString("base64url")}`;
