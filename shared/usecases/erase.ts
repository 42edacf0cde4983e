import { z } from "zod";
import { NotFoundError } from "../domain/errors.ts";
import { emailHash } from "../domain/redact.ts";
import { iso } from "../domain/time.ts";
import { parseWith } from "../domain/validation.ts";
import type { Deps, ErasureRecord } from "../ports.ts";
import type { Principal } from "./principal.ts";

export const EraseBody = z
  .object({
    /** Why, for the ledger (no personal data: e.g. "GDPR art. 17 request #123"). */
    reason: z.string().min(1).max(200).default("erasure request"),
  })
  .strict();

export const erasureStream = (personId: string) => `ERASURE#${personId}`;

export interface ErasureReceipt extends ErasureRecord {
  alreadyErased: boolean;
  knowledgeBase: { deleted: number; redacted: number };
  outboxEntries: number;
}

/**
 * Erase a person (right to be forgotten). Order matters: first a do-not-contact suppression, so no
 * agent reaches them while the rest runs and re-imports stay blocked; then their data key and
 * knowledge-base items (every sealed copy in the ledger, its archive and backups becomes unreadable);
 * then the outbox; last an erasure record without personal data. Running it again is harmless.
 */
export async function erasePerson(
  deps: Pick<Deps, "kb" | "clock" | "decisions" | "connector" | "erasure">,
  target: { personId?: string; email?: string },
  body: unknown,
  principal: Principal,
): Promise<ErasureReceipt> {
  const { reason } = parseWith(EraseBody, body ?? {});
  if (!deps.erasure) throw new NotFoundError("erasure is not available in this deployment");
  const personId =
    target.personId ??
    (target.email ? await deps.kb.personIdByEmail(target.email) : undefined) ??
    (target.email ? (await deps.erasure.find({ email: target.email }))?.personId : undefined);
  if (!personId) throw new NotFoundError("no such person in the knowledge base");
  const previous = await deps.erasure.find({ personId });
  const person = await deps.kb.getPerson(personId);
  if (!person && !previous) throw new NotFoundError(`person ${personId} does not exist`);
  const at = iso(deps.clock.now());
  const email = person?.email ?? target.email;
  if (person) {
    await deps.kb.addSuppression(
      { kind: "person", value: personId, reason: `personal data erased: ${reason}` },
      at,
    );
    await deps.kb.addSuppression(
      { kind: "email", value: person.email, reason: `personal data erased: ${reason}` },
      at,
    );
  }
  const knowledgeBase = await deps.erasure.scrub({
    personId,
    ...(email ? { email } : {}),
    names: person ? [person.firstName, person.lastName] : [],
  });
  const outboxEntries = (await deps.connector.forget?.(personId)) ?? 0;
  const record: ErasureRecord = previous ?? {
    personId,
    ...(email ? { emailHash: emailHash(email) } : {}),
    erasedAt: at,
    by: principal.subject,
  };
  if (!previous) {
    await deps.erasure.mark(record);
    await deps.decisions.appendEvent({
      stream: erasureStream(personId),
      type: "erased",
      at,
      actor: principal.subject,
      detail: `personal data erased (${reason}): data key destroyed, knowledge base scrubbed, do-not-contact kept`,
      data: { deleted: knowledgeBase.deleted, redacted: knowledgeBase.redacted, outboxEntries },
    });
  }
  return { ...record, alreadyErased: Boolean(previous), knowledgeBase, outboxEntries };
}
