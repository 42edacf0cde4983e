/**
 * Crypto-shredding: which fields of a decision and of its ledger events are a person's personal data,
 * and how they are sealed. Each person has a random 256-bit data key; personal fields are stored only
 * as AES-256-GCM ciphertext under it (bound to the person id as associated data, so a ciphertext
 * cannot be moved to someone else). Erasing a person deletes the key: every copy of the ciphertext —
 * the ledger table, its archive in S3, backups — becomes unreadable at once, while the hash chain over
 * the stored (sealed) events stays intact.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import type { Decision, LedgerEvent } from "./decision.ts";

export const DATA_KEY_BYTES = 32;
const IV_BYTES = 12;
const VERSION = "v1";

/** Shown in place of a field whose key has been erased. */
export const ERASED = "[erased]";
/** What a sealed event's `detail` holds as stored (the archive and Athena see this, never the text). */
export const SEALED = "[sealed personal data]";

export const newDataKey = () => randomBytes(DATA_KEY_BYTES);

export class SealError extends Error {
  override readonly name = "SealError";
}

/** `v1.<iv>.<ciphertext>.<tag>`, base64url parts. */
export function seal(key: Buffer, personId: string, value: unknown): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(personId, "utf8"));
  const ct = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
  return [
    VERSION,
    iv.toString("base64url"),
    ct.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
  ].join(".");
}

export function unseal(key: Buffer, personId: string, sealed: string): unknown {
  const [version, iv, ct, tag] = sealed.split(".");
  if (version !== VERSION || !iv || ct === undefined || !tag) throw new SealError("not a sealed value");
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(personId, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    const text = Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString(
      "utf8",
    );
    return JSON.parse(text);
  } catch (err) {
    throw new SealError("sealed value does not open with this key", { cause: err });
  }
}

/** The personal part of a decision: what the agent wrote, about whom, and what reviewers said. */
interface DecisionSecrets {
  payload: Record<string, unknown>;
  reasoning: string;
  person?: Decision["context"]["person"];
  reviewNote?: string;
}

/** Attributes a sealed item carries: whose key opens it, and the ciphertext. */
export interface SealedFields {
  sealedFor: string;
  sealed: string;
}

/** A decision as stored: personal fields replaced by one sealed attribute. */
export function sealDecision(d: Decision, key: Buffer): Record<string, unknown> {
  if (!d.personId) return { ...d };
  const secrets: DecisionSecrets = {
    payload: d.payload,
    reasoning: d.reasoning,
    ...(d.context.person ? { person: d.context.person } : {}),
    ...(d.review?.note !== undefined ? { reviewNote: d.review.note } : {}),
  };
  const { payload: _p, reasoning: _r, ...rest } = d;
  const { person: _person, ...context } = d.context;
  const stored: Record<string, unknown> = {
    ...rest,
    context,
    sealedFor: d.personId,
    sealed: seal(key, d.personId, secrets),
  };
  if (d.review) {
    const { note: _n, ...review } = d.review;
    stored.review = review;
  }
  return stored;
}

/**
 * A stored decision back in the shape the core uses. Without a key (the person was erased), the
 * personal fields read as erased; everything else — checks, verdict, timeline — is intact.
 */
export function openDecision(item: Record<string, unknown>, key: Buffer | undefined): Decision {
  const { sealed, sealedFor, ...rest } = item as Record<string, unknown> & Partial<SealedFields>;
  if (typeof sealed !== "string" || typeof sealedFor !== "string") return rest as unknown as Decision;
  const d = rest as unknown as Decision;
  if (!key) return { ...d, payload: {}, reasoning: ERASED, erased: true } as Decision;
  const s = unseal(key, sealedFor, sealed) as DecisionSecrets;
  return {
    ...d,
    payload: s.payload,
    reasoning: s.reasoning,
    context: { ...d.context, ...(s.person ? { person: s.person } : {}) },
    ...(d.review
      ? { review: { ...d.review, ...(s.reviewNote !== undefined ? { note: s.reviewNote } : {}) } }
      : {}),
  };
}

/** An event of a person's decision as stored: its free text (notes, edits) sealed. */
export function sealEvent(e: LedgerEvent, personId: string, key: Buffer): Record<string, unknown> {
  const { detail, data, ...rest } = e;
  return {
    ...rest,
    detail: SEALED,
    sealedFor: personId,
    sealed: seal(key, personId, { detail, ...(data ? { data } : {}) }),
  };
}

export function openEvent(item: Record<string, unknown>, key: Buffer | undefined): LedgerEvent {
  const { sealed, sealedFor, ...rest } = item as Record<string, unknown> & Partial<SealedFields>;
  if (typeof sealed !== "string" || typeof sealedFor !== "string") return rest as unknown as LedgerEvent;
  if (!key) return { ...(rest as unknown as LedgerEvent), detail: ERASED };
  const s = unseal(key, sealedFor, sealed) as { detail: string; data?: Record<string, unknown> };
  return { ...(rest as unknown as LedgerEvent), detail: s.detail, ...(s.data ? { data: s.data } : {}) };
}
