/** `harness erase`: an erasure, asked again until the API says it is complete. */
import type { Call } from "./client.ts";

export interface EraseReceipt {
  personId: string;
  erasedAt: string;
  alreadyErased: boolean;
  complete: boolean;
  /** Others on file with the address, erased with them. */
  coHolders?: string[];
  knowledgeBase: { deleted: number; redacted: number };
  outboxEntries: number;
}

/** How many requests an erasure may take: 15 s of scrubbing each (shared/http/erase-routes.ts). */
export const MAX_ERASE_REQUESTS = 200;

/**
 * POST /v1/erasures until complete. A big knowledge base is scrubbed over several requests (202,
 * complete: false), each going on from where the last stopped; the person is suppressed and their
 * key gone after the first. `onMore` hears of each request after the first.
 */
export async function eraseUntilDone(
  call: Call,
  body: Record<string, unknown>,
  onMore: (request: number) => void = () => {},
): Promise<EraseReceipt & { requests: number }> {
  let res: EraseReceipt = await call("POST", "/v1/erasures", body);
  let requests = 1;
  while (res.complete === false) {
    if (requests >= MAX_ERASE_REQUESTS)
      throw new Error(
        `the erasure of ${res.personId} is not complete after ${requests} requests: run the same command again to go on`,
      );
    onMore(++requests);
    res = await call("POST", "/v1/erasures", body);
  }
  return { ...res, requests };
}

export const eraseSummary = (res: EraseReceipt) =>
  res.alreadyErased
    ? `${res.personId} was already erased on ${res.erasedAt}.`
    : `Erased ${res.personId}${res.coHolders?.length ? ` (and ${res.coHolders.join(", ")}, on file with the same address)` : ""}: data key destroyed, ${res.knowledgeBase.deleted} knowledge-base items deleted, ${res.knowledgeBase.redacted} redacted, ${res.outboxEntries} outbox entries cleared; do-not-contact kept.`;
