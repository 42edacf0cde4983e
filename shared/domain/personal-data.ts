/**
 * Crypto-shredding: which fields of a decision and of its ledger events are personal data, and how
 * they are sealed. Each person has a random 256-bit data key, and so has each account for the
 * decisions about the account rather than a person (list syncs, committees, CRM records), whose
 * payloads may name several people. Personal fields are stored only as AES-256-GCM ciphertext under
 * the decision's key, bound to its owner as associated data (so a ciphertext cannot be moved to
 * someone else). Erasing a person deletes their key, and the account's key when an account-level
 * decision names them: every copy of the ciphertext — the ledger table, its archive in S3, backups —
 * becomes unreadable at once, while the hash chain over the stored (sealed) events stays intact.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomFillSync } from "node:crypto";
import type { Decision, LedgerEvent } from "./decision.ts";
import type { PersonalFacts } from "./replay-facts.ts";

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

/**
 * Random IVs cut from a pool filled 512 at a time: the same CSPRNG bytes as a `randomBytes(12)` per
 * call (each IV is used once, never handed out twice), without a call into the CSPRNG per seal,
 * which showed in the demo's profile.
 */
const IV_POOL = Buffer.alloc(IV_BYTES * 512);
let ivAt = IV_POOL.length;
function freshIv(): Buffer {
  if (ivAt + IV_BYTES > IV_POOL.length) {
    randomFillSync(IV_POOL);
    ivAt = 0;
  }
  // A copy: the pool is refilled in place later, and the cipher keeps its own IV anyway.
  const iv = Buffer.from(IV_POOL.subarray(ivAt, ivAt + IV_BYTES));
  ivAt += IV_BYTES;
  return iv;
}

/**
 * Plaintexts of sealed values this process sealed or opened lately, by their exact sealed text: the
 * same ciphertext is opened again and again (a decision is read back after each write, and every
 * gate read unwraps its data key), and AES-GCM plus base64 decoding was a tenth of a simulated day.
 * A hit requires the very key bytes and owner that sealed or opened it, so what opens is exactly what
 * `unseal` would open: a destroyed or replaced key, or another owner, misses and fails as before.
 * Only the JSON text is kept (each hit parses a fresh value, as a decryption would), in insertion order,
 * the oldest dropped beyond either bound: 20,000 entries or 8 million characters (about 16 MB), since a
 * payload may be 32 KB and this runs in every Lambda, not only in the demo. Erasing an owner forgets
 * its entries at once (`forgetOpened`, called when its data key is destroyed), so no plaintext of an
 * erased person outlives the erasure in this process's memory.
 */
const OPENED_MAX = 20_000;
const OPENED_MAX_CHARS = 8_000_000;
const opened = new Map<string, { key: Buffer; owner: string; text: string }>();
let openedChars = 0;
function rememberOpened(sealed: string, key: Buffer, owner: string, text: string): void {
  if (text.length > OPENED_MAX_CHARS / 100) return;
  while (opened.size >= OPENED_MAX || (opened.size > 0 && openedChars + text.length > OPENED_MAX_CHARS)) {
    const [oldest, entry] = opened.entries().next().value as [string, { text: string }];
    opened.delete(oldest);
    openedChars -= entry.text.length;
  }
  const previous = opened.get(sealed);
  if (previous) openedChars -= previous.text.length;
  opened.set(sealed, { key: Buffer.from(key), owner, text });
  openedChars += text.length;
}

/** Drop every remembered plaintext of an owner (its `ownerRef`): its data key is being destroyed. */
export function forgetOpened(owner: string): void {
  for (const [sealed, entry] of opened)
    if (entry.owner === owner) {
      opened.delete(sealed);
      openedChars -= entry.text.length;
    }
}

/** What the plaintext memory holds now (tests: its bounds and its forgetting). */
export const openedMemory = () => ({ entries: opened.size, chars: openedChars });

/** `v1.<iv>.<ciphertext>.<tag>`, base64url parts. */
/** Seal a value for an owner (its `ownerRef`, bound as associated data). */
export function seal(key: Buffer, owner: string, value: unknown): string {
  const iv = freshIv();
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(owner, "utf8"));
  const text = JSON.stringify(value);
  const ct = Buffer.concat([cipher.update(text, "utf8"), cipher.final()]);
  const sealed = [
    VERSION,
    iv.toString("base64url"),
    ct.toString("base64url"),
    cipher.getAuthTag().toString("base64url"),
  ].join(".");
  rememberOpened(sealed, key, owner, text);
  return sealed;
}

export function unseal(key: Buffer, owner: string, sealed: string): unknown {
  const known = opened.get(sealed);
  if (known && known.owner === owner && known.key.equals(key)) return JSON.parse(known.text);
  const [version, iv, ct, tag] = sealed.split(".");
  if (version !== VERSION || !iv || ct === undefined || !tag) throw new SealError("not a sealed value");
  let text: string;
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
    decipher.setAAD(Buffer.from(owner, "utf8"));
    decipher.setAuthTag(Buffer.from(tag, "base64url"));
    text = Buffer.concat([decipher.update(Buffer.from(ct, "base64url")), decipher.final()]).toString("utf8");
  } catch (err) {
    throw new SealError("sealed value does not open with this key", { cause: err });
  }
  // Parsed before it is remembered: a text that does not parse is refused every time, as before.
  const value = parseOpened(text);
  rememberOpened(sealed, key, owner, text);
  return value;
}

function parseOpened(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new SealError("sealed value does not open with this key", { cause: err });
  }
}

/**
 * Whose key seals a decision: the person it targets, or — for actions on an account (record actions,
 * list syncs, committees), whose payloads may name several people — the account. Erasing a person
 * destroys their key, and the account's key too when an account-level decision names them.
 */
export type KeyOwner = { kind: "person" | "account"; id: string };

export const ownerOf = (d: { personId?: string | undefined; accountId: string }): KeyOwner =>
  d.personId ? { kind: "person", id: d.personId } : { kind: "account", id: d.accountId };

/** The owner as stored in `sealedFor` and bound into every ciphertext as associated data. */
export const ownerRef = (o: KeyOwner) => `${o.kind}:${o.id}`;

export function parseOwnerRef(ref: string): KeyOwner | undefined {
  const cut = ref.indexOf(":");
  const kind = ref.slice(0, cut);
  return cut > 0 && (kind === "person" || kind === "account") ? { kind, id: ref.slice(cut + 1) } : undefined;
}

/** The personal part of a decision: what the agent wrote, about whom, what reviewers and vendors said. */
interface DecisionSecrets {
  payload: Record<string, unknown>;
  reasoning: string;
  person?: Decision["context"]["person"];
  reviewNote?: string;
  /** A vendor's error message may quote the recipient ("Email address is not verified: jane@..."). */
  executionError?: string;
  /** The personal part of the facts the gate read (replay-facts.ts): title, first name, suppressions. */
  facts?: PersonalFacts;
}

/** Attributes a sealed item carries: whose key opens it, and the ciphertext. */
export interface SealedFields {
  sealedFor: string;
  sealed: string;
}

/** A decision without its personal fields: what is stored beside the ciphertext, or after an erasure. */
export function withoutSecrets(d: Decision): Record<string, unknown> {
  const { payload: _p, reasoning: _r, erased: _e, ...rest } = d;
  const { person: _person, ...context } = d.context;
  const stored: Record<string, unknown> = { ...rest, context };
  if (d.review) {
    const { note: _n, ...review } = d.review;
    stored.review = review;
  }
  if (d.execution) {
    const { error: _err, ...execution } = d.execution;
    stored.execution = execution;
  }
  if (d.facts) {
    const { personal: _pf, ...facts } = d.facts;
    stored.facts = facts;
  }
  return stored;
}

/** A decision as stored: personal fields replaced by one attribute sealed under its owner's key. */
export function sealDecision(d: Decision, key: Buffer): Record<string, unknown> {
  const owner = ownerRef(ownerOf(d));
  const secrets: DecisionSecrets = {
    payload: d.payload,
    reasoning: d.reasoning,
    ...(d.context.person ? { person: d.context.person } : {}),
    ...(d.review?.note !== undefined ? { reviewNote: d.review.note } : {}),
    ...(d.execution?.error !== undefined ? { executionError: d.execution.error } : {}),
    ...(d.facts?.personal ? { facts: d.facts.personal } : {}),
  };
  return { ...withoutSecrets(d), sealedFor: owner, sealed: seal(key, owner, secrets) };
}

/** A decision about someone already erased: stored with no personal fields at all. */
export const erasedDecision = (d: Decision): Record<string, unknown> => ({
  ...withoutSecrets(d),
  erased: true,
});

function tryUnseal<T>(key: Buffer, owner: string, sealed: string): T | undefined {
  try {
    return unseal(key, owner, sealed) as T;
  } catch (err) {
    if (err instanceof SealError) return undefined;
    throw err;
  }
}

/** What a decision read without personal data says in place of its reasoning. */
export const WITHHELD = "[withheld]";

/**
 * A stored decision without its sealed part, no key opened: payload empty, reasoning WITHHELD, the
 * person and the personal facts absent; checks, verdict, intent, account facts, outcomes and timeline
 * intact. Not `erased`: the person's data exists, this reader did not ask for it.
 */
export function withheldDecision(item: Record<string, unknown>): Decision {
  const {
    sealed: _sealed,
    sealedFor: _sealedFor,
    ...rest
  } = item as Record<string, unknown> & Partial<SealedFields>;
  const d = rest as unknown as Decision;
  return { ...d, payload: {}, reasoning: rest.erased === true ? ERASED : WITHHELD };
}

/**
 * A stored decision back in the shape the core uses. Without a key that opens it (the owner's key was
 * destroyed by an erasure), the personal fields read as erased; everything else — checks, verdict,
 * timeline — is intact.
 */
export function openDecision(item: Record<string, unknown>, key: Buffer | undefined): Decision {
  const { sealed, sealedFor, ...rest } = item as Record<string, unknown> & Partial<SealedFields>;
  const d = rest as unknown as Decision;
  if (rest.erased === true) return { ...d, payload: {}, reasoning: ERASED };
  if (typeof sealed !== "string" || typeof sealedFor !== "string") return d;
  const s = key ? tryUnseal<DecisionSecrets>(key, sealedFor, sealed) : undefined;
  if (!s) return { ...d, payload: {}, reasoning: ERASED, erased: true };
  return {
    ...d,
    payload: s.payload,
    reasoning: s.reasoning,
    context: { ...d.context, ...(s.person ? { person: s.person } : {}) },
    ...(d.facts && s.facts ? { facts: { ...d.facts, personal: s.facts } } : {}),
    ...(d.review
      ? { review: { ...d.review, ...(s.reviewNote !== undefined ? { note: s.reviewNote } : {}) } }
      : {}),
    ...(d.execution
      ? {
          execution: {
            ...d.execution,
            ...(s.executionError !== undefined ? { error: s.executionError } : {}),
          },
        }
      : {}),
  };
}

/** An event of a decision as stored: its free text (notes, edits, vendor errors) sealed. */
export function sealEvent(e: LedgerEvent, owner: KeyOwner, key: Buffer): Record<string, unknown> {
  const { detail, data, ...rest } = e;
  const ref = ownerRef(owner);
  return {
    ...rest,
    detail: SEALED,
    sealedFor: ref,
    sealed: seal(key, ref, { detail, ...(data ? { data } : {}) }),
  };
}

export function openEvent(item: Record<string, unknown>, key: Buffer | undefined): LedgerEvent {
  const { sealed, sealedFor, ...rest } = item as Record<string, unknown> & Partial<SealedFields>;
  if (typeof sealed !== "string" || typeof sealedFor !== "string") return rest as unknown as LedgerEvent;
  const s = key
    ? tryUnseal<{ detail: string; data?: Record<string, unknown> }>(key, sealedFor, sealed)
    : undefined;
  if (!s) return { ...(rest as unknown as LedgerEvent), detail: ERASED };
  return { ...(rest as unknown as LedgerEvent), detail: s.detail, ...(s.data ? { data: s.data } : {}) };
}
