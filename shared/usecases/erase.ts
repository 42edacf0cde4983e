import { ConflictError, NotFoundError } from "../domain/errors.ts";
import type { Person } from "../domain/kb.ts";
import { ERASED } from "../domain/personal-data.ts";
import { emailHash, linkedinHash } from "../domain/redact.ts";
import { iso } from "../domain/time.ts";
import { parseWith } from "../domain/validation.ts";
import * as z from "../domain/zod-mini.ts";
import type { Deps, ErasureProgress, ErasureRecord, ErasureStore, ErasureTarget } from "../ports.ts";
import { shredAccountLevelMentions, shredAudiences } from "./erase-searches.ts";
import type { Principal } from "./principal.ts";

export const EraseBody = z.strictObject({
  /** Why, for the ledger (no personal data: e.g. "GDPR art. 17 request #123"). */
  reason: z._default(z.string().check(z.minLength(1), z.maxLength(200)), "erasure request"),
});

export const erasureStream = (personId: string) => `ERASURE#${personId}`;

export interface ErasureReceipt extends Omit<ErasureRecord, "progress"> {
  alreadyErased: boolean;
  /**
   * False when the run's time ran out before the knowledge base was scrubbed to its end: ask again
   * (the same request) to go on from where it stopped. They are suppressed and their key is gone.
   */
  complete: boolean;
  /** The account-level decisions that named the person were sealed under a key now destroyed. */
  accountKeyDestroyed: boolean;
  /** Audiences whose list syncs named the person: their key is destroyed too. */
  audienceKeysDestroyed: number;
  knowledgeBase: { deleted: number; redacted: number };
  outboxEntries: number;
}

/**
 * Erase a person (right to be forgotten). Order matters: first a do-not-contact suppression, so no
 * agent reaches them while the rest runs and re-imports stay blocked; then their data key and
 * knowledge-base items (every sealed copy in the ledger, its archive and backups becomes unreadable);
 * then the outbox; last an erasure record without personal data. Running it again is harmless, and
 * finishes a run that died part-way: the person's profile is deleted last of all, so the next run
 * still has the names and the address to redact.
 */
export async function erasePerson(
  deps: Pick<Deps, "kb" | "clock" | "decisions" | "connector" | "erasure">,
  target: { personId?: string; email?: string },
  body: unknown,
  principal: Principal,
  /** `stopAt`: the wall-clock ms after which the scrub reads no more (the API function's time). */
  options: {
    stopAt?: number;
    /** Erased as a co-holder of this person's address: its own co-holders are not looked for. */
    coHolderOf?: string;
  } = {},
): Promise<ErasureReceipt> {
  const { reason } = parseWith(EraseBody, body ?? {});
  if (!deps.erasure) throw new NotFoundError("erasure is not available in this deployment");
  const personId =
    target.personId ??
    (target.email ? await byAddress(deps, target.email) : undefined) ??
    (target.email ? (await deps.erasure.find({ email: target.email }))?.personId : undefined);
  if (!personId) throw new NotFoundError("no such person in the knowledge base");
  const previous = await deps.erasure.find({ personId });
  const person = await deps.kb.getPerson(personId);
  if (!person && !previous) throw new NotFoundError(`person ${personId} does not exist`);
  const at = iso(deps.clock.now());
  // Not what a co-holder's erasure left in their profile in place of their address.
  const email = kept(person?.email) ?? target.email;
  if (person) {
    await deps.kb.addSuppression(
      { kind: "person", value: personId, reason: `personal data erased: ${reason}` },
      at,
    );
    if (email)
      await deps.kb.addSuppression(
        { kind: "email", value: email, reason: `personal data erased: ${reason}` },
        at,
      );
  }
  const profile = kept(person?.linkedinUrl);
  const linkedin = profile ? linkedinHash(profile) : undefined;
  // Fixed when the erasure begins (a record kept without them has none): read again, a co-holder's
  // own erasure found this person and went back into it.
  const coHolders = previous
    ? (previous.coHolders ?? [])
    : person && email && !options.coHolderOf
      ? await sameBuyer(deps, person, email)
      : [];
  const record: ErasureRecord = previous ?? {
    personId,
    ...(email ? { emailHash: emailHash(email) } : {}),
    ...(linkedin ? { linkedinHash: linkedin } : {}),
    erasedAt: at,
    by: principal.subject,
    ...(coHolders.length ? { coHolders } : {}),
  };
  // Marked before the key goes: from now on the gate creates no new key for them.
  if (!previous) await deps.erasure.mark(record);
  // One request of a person's erasure at a time: two (a second `harness erase`, a retry while the
  // first runs) each went on from the same progress, the later save writing over the other's, and
  // both could write the `erased` event. A run that dies holding it frees it when its lease ends.
  if (!(await deps.erasure.claimRun(personId, Date.now() + RUN_LEASE_MS, Date.now())))
    throw new ConflictError(
      `an erasure of ${personId} is running: ask again once it has answered (at most ${RUN_LEASE_MS / 1000} s)`,
    );
  try {
    // Their key at once, as eraseClaimed does, before the co-holders' erasures take their requests.
    if (coHolders.length && !options.coHolderOf)
      await (deps.erasure as ErasureStore).destroyKey({ kind: "person", id: personId });
    // Theirs first, while this person's profile still has the address for them to match. Not from a
    // co-holder's erasure: two begun at once name each other, and each went back into the other.
    for (const other of options.coHolderOf ? [] : coHolders) {
      if (await wasErased(deps, other)) continue;
      const theirs = await erasePerson(deps, { personId: other }, body, principal, {
        ...options,
        coHolderOf: personId,
      });
      if (!theirs.complete) return { ...waiting(record), coHolders };
    }
    const receipt = await eraseClaimed(
      deps,
      { personId, person, email, record, at, reason },
      principal,
      options,
    );
    return coHolders.length ? { ...receipt, coHolders } : receipt;
  } finally {
    await deps.erasure.releaseRun(personId);
  }
}

/** Whether an erasure of the person ran to its end (its `erased` event is written then, once). */
const wasErased = async (deps: Pick<Deps, "decisions">, personId: string) =>
  (await deps.decisions.events(erasureStream(personId))).some((ev) => ev.type === "erased");

/**
 * The others on file with the address under the same name: records of the same buyer (the CRM's beside
 * the one an agent or the API wrote), read before anything is scrubbed (the scrub redacts the address
 * in their records and deletes its index). Before, they kept the buyer's name, title and LinkedIn
 * profile, and their decisions the address. Another name at the address (a shared inbox) is another
 * person, not erased with them.
 */
async function sameBuyer(deps: Pick<Deps, "kb">, person: Person, email: string): Promise<string[]> {
  return (await holders(deps, email))
    .filter((p) => p.personId !== person.personId && nameOf(p) === nameOf(person))
    .map((p) => p.personId)
    .sort();
}

/**
 * Whom an erasure by address is of: the one its index names, unless people under other names have it
 * too (a shared inbox): then 409 naming them, to be erased by id. Before, the index's last written was
 * erased, whoever asked to be.
 */
async function byAddress(deps: Pick<Deps, "kb">, email: string): Promise<string | undefined> {
  const named = await deps.kb.personIdByEmail(email);
  if (!named) return undefined;
  const people = await holders(deps, email);
  if (new Set(people.map(nameOf)).size > 1)
    throw new ConflictError(
      `the address is on file for people under different names (${people
        .map((p) => p.personId)
        .sort()
        .join(", ")}): erase the one who asked by their id`,
    );
  return named;
}

/** Everyone on file with the address, as their records stand. */
async function holders(deps: Pick<Deps, "kb">, email: string): Promise<Person[]> {
  const ids = await deps.kb.peopleWithEmail(email);
  const found = await Promise.all(ids.map((id) => deps.kb.getPerson(id)));
  return found.filter((p): p is Person => p !== undefined);
}

const nameOf = (p: Person) => `${p.firstName.trim()} ${p.lastName.trim()}`.toLowerCase();

/** What a profile held, unless another's erasure redacted it. */
const kept = (v: string | undefined) => (v && v !== ERASED ? v : undefined);

/** The receipt of an erasure not begun, its co-holders' still running: ask again. */
const waiting = (record: ErasureRecord): ErasureReceipt => ({
  personId: record.personId,
  ...(record.emailHash ? { emailHash: record.emailHash } : {}),
  erasedAt: record.erasedAt,
  by: record.by,
  alreadyErased: false,
  complete: false,
  accountKeyDestroyed: false,
  audienceKeysDestroyed: 0,
  knowledgeBase: { deleted: 0, redacted: 0 },
  outboxEntries: 0,
});

/** Longer than a request may run (the API function's 29 s): a lease its run holds. */
const RUN_LEASE_MS = 60_000;

/** The erasure's work, its run claimed. */
async function eraseClaimed(
  deps: Pick<Deps, "kb" | "clock" | "decisions" | "connector" | "erasure">,
  e: {
    personId: string;
    person: Awaited<ReturnType<Deps["kb"]["getPerson"]>>;
    email: string | undefined;
    record: ErasureRecord;
    at: string;
    reason: string;
  },
  principal: Principal,
  options: { stopAt?: number },
): Promise<ErasureReceipt> {
  const { personId, person, email, record, at, reason } = e;
  const erasureStore = deps.erasure as ErasureStore;
  const stream = erasureStream(personId);
  // Done before: its `erased` event is written once, when an erasure of them ran to its end (read
  // with the run claimed, so a run that just finished is seen).
  const erasedBefore = await wasErased(deps, personId);
  // The key at once, before the account's decisions and the knowledge base are searched (a scan of
  // tables, which a big account can take past a function's time): a run that dies there has already
  // made every sealed copy of them unreadable. (The scrub destroys it too, harmlessly.)
  await erasureStore.destroyKey({ kind: "person", id: personId });
  const erasure: ErasureTarget = {
    personId,
    ...(email ? { email } : {}),
    names: person ? [person.firstName, person.lastName].flatMap((n) => kept(n) ?? []) : [],
  };
  const accountId = person?.accountId;
  // Read once the run is this request's: what an earlier one saved.
  const progress: ErasureProgress = (await erasureStore.find({ personId }))?.progress ?? {};
  // What the requests of this erasure found and did, added up across them (counts, no personal data):
  // the receipt and the `erased` event report the whole erasure, not its last request.
  const found = progress.found ?? {
    accountKeyDestroyed: false,
    audienceKeysDestroyed: 0,
    deleted: 0,
    redacted: 0,
  };
  // First the audiences, one query each, before the account's scan (which a big account can take
  // past a function's time): a run that dies there has shredded them already. Once both are done,
  // a run that goes on from where an earlier one stopped does not search them again.
  const receipt = () => ({
    personId: record.personId,
    ...(record.emailHash ? { emailHash: record.emailHash } : {}),
    erasedAt: record.erasedAt,
    by: record.by,
    // A run going on from where one stopped (or died) is this erasure still, not one done before.
    alreadyErased: erasedBefore,
    knowledgeBase: { deleted: found.deleted, redacted: found.redacted },
    accountKeyDestroyed: found.accountKeyDestroyed,
    audienceKeysDestroyed: found.audienceKeysDestroyed,
  });
  if (!progress.shredded) {
    if (!progress.audiences) {
      const first = await shredAudiences(deps, erasure);
      found.audienceKeysDestroyed += first.destroyed;
      progress.audiences = first.audiences;
      await erasureStore.saveProgress(personId, { ...progress, found });
    }
    // The account's decisions, page after page (each with its events), as far as the run's time
    // goes: a big account's search stopped there, every request, before the scrub began.
    const account = accountId
      ? await shredAccountLevelMentions(deps, accountId, erasure, {
          ...(progress.accountFrom ? { from: progress.accountFrom } : {}),
          ...(options.stopAt !== undefined ? { stopAt: options.stopAt } : {}),
        })
      : { named: false };
    if (account.named) found.accountKeyDestroyed = true;
    if ("cursor" in account) {
      await erasureStore.saveProgress(personId, { ...progress, found, accountFrom: account.cursor });
      return { ...receipt(), complete: false, outboxEntries: 0 };
    }
    progress.shredded = true;
    delete progress.accountFrom;
    await erasureStore.saveProgress(personId, { ...progress, found });
  }
  const scrubbed = await erasureStore.scrub(erasure, {
    ...(progress.scrub ? { from: progress.scrub } : {}),
    ...(options.stopAt !== undefined ? { stopAt: options.stopAt } : {}),
  });
  found.deleted += scrubbed.deleted;
  found.redacted += scrubbed.redacted;
  if (scrubbed.progress) {
    // Out of the run's time: which segments are done is kept, and the next request goes on from
    // there (`harness erase` asks until it is done). They are suppressed and their key is gone already.
    await erasureStore.saveProgress(personId, { ...progress, found, scrub: scrubbed.progress });
    return { ...receipt(), complete: false, outboxEntries: 0 };
  }
  // A list sync proposed while this ran, before the scrub marked their address erased in the
  // audiences' snapshots, named them under its audience's new key: looked for once more.
  // Those the first search found, too: once the person was suppressed, the next sync of an audience
  // found by its snapshot removed them by address (under its new key), and its snapshot then no longer
  // listed them.
  found.audienceKeysDestroyed += (await shredAudiences(deps, erasure, progress.audiences)).destroyed;
  const outboxEntries = (await deps.connector.forget?.(erasure)) ?? 0;
  // Once the searches and the outbox are done: until here, a run that died left the profile, so the
  // next one still knew the names and the address to match (before, the scrub deleted it ahead of
  // the last search and the outbox).
  if (await erasureStore.deleteProfile(personId)) found.deleted++;
  if (!erasedBefore)
    await deps.decisions.appendEvent({
      stream,
      type: "erased",
      at,
      actor: principal.subject,
      detail: `personal data erased (${reason}): data key destroyed${found.accountKeyDestroyed ? ", with the account-level decisions' key that named them" : ""}${found.audienceKeysDestroyed ? `, with the key of ${found.audienceKeysDestroyed} audience(s) whose list syncs named them` : ""}, knowledge base scrubbed, do-not-contact kept`,
      data: {
        deleted: found.deleted,
        redacted: found.redacted,
        outboxEntries,
        accountKeyDestroyed: found.accountKeyDestroyed,
        audienceKeysDestroyed: found.audienceKeysDestroyed,
      },
    });
  await erasureStore.saveProgress(personId, undefined);
  return { ...receipt(), complete: true, outboxEntries };
}
