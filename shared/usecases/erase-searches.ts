/**
 * The erasure's searches of decisions sealed under a key other than the person's (usecases/erase.ts):
 * the audiences whose list syncs name them, and the account-level decisions that do.
 */
import { streams } from "../domain/decision.ts";
import { ValidationError } from "../domain/errors.ts";
import { mentions, needleMatcher } from "../domain/redact.ts";
import type { Deps, ErasureStore, ErasureTarget } from "../ports.ts";

/** Whether a decision's fields name the person: their id, their email, their full name. */
function namesOf(target: ErasureTarget): (value: unknown) => boolean {
  const matcher = needleMatcher([target.email ?? "", target.names.join(" ")]);
  return (value) =>
    JSON.stringify(value).includes(`"${target.personId}"`) || (matcher ? mentions(value, matcher) : false);
}

/**
 * A list sync targets an audience, not the person's account (`audience:<id>` in the account slot), and
 * lists every member's address: it is sealed under that audience's key. The audiences whose syncs may
 * name them: every one a sync added them to or whose last snapshot lists them (the erasure store,
 * which the scrub leaves, so a second run finds them too), and every one with a list sync naming them
 * still to go out (the queues of scheduled, pending and dispatched decisions, which are short): one
 * approved after the erasure would have put their address back in the CRM.
 */
export async function shredAudiences(
  deps: Pick<Deps, "decisions" | "erasure">,
  target: ErasureTarget,
  /** Audiences an earlier search of this erasure found (ids): searched again whatever is found now. */
  before: string[] = [],
): Promise<{ destroyed: number; audiences: string[] }> {
  const erasure = deps.erasure as ErasureStore;
  const names = namesOf(target);
  const audiences = new Set([...before, ...(await erasure.audiencesNaming(target.personId))]);
  for (const status of ["scheduled", "pending_approval", "dispatched"] as const) {
    let cursor: string | undefined;
    do {
      const page = await deps.decisions.queryDecisions({ status, limit: 100, ...(cursor ? { cursor } : {}) });
      for (const d of page.items)
        if (d.actionType === "list.sync" && d.accountId.startsWith(AUDIENCE) && !d.erased && names(d.payload))
          audiences.add(d.accountId.slice(AUDIENCE.length));
      cursor = page.cursor;
    } while (cursor);
  }
  let destroyed = 0;
  for (const audienceId of audiences)
    if ((await shredAccountLevelMentions(deps, `${AUDIENCE}${audienceId}`, target, { events: false })).named)
      destroyed++;
  return { destroyed, audiences: [...audiences].sort() };
}

/** The account slot of a list sync's decision (shared/agents/workflows/audiences.ts). */
const AUDIENCE = "audience:";

/**
 * Decisions about an account rather than a person (list syncs, buying committees, CRM records) may
 * name several people, and are sealed under the account's key. When one of them — or one of its
 * events — names the erased person, the account's key is destroyed: those decisions' payloads become
 * unreadable for everyone (their verdicts, checks and timelines stay), and later ones get a new key.
 */
export async function shredAccountLevelMentions(
  deps: Pick<Deps, "decisions" | "erasure">,
  accountId: string,
  target: ErasureTarget,
  /**
   * `events: false`: the payloads only (an audience's list syncs, whose events say what was synced,
   * never to whom): a query a decision less, where an audience they left long ago holds thousands.
   * `from`: the listing's cursor where an earlier request stopped; `stopAt` (wall ms): no page read
   * after it, once one was (the answer then has the cursor to go on from).
   */
  options: { events?: boolean; from?: string; stopAt?: number } = {},
): Promise<{ named: boolean; cursor?: string }> {
  const names = namesOf(target);
  let cursor = options.from;
  let pages = 0;
  do {
    if (pages > 0 && cursor && options.stopAt !== undefined && Date.now() >= options.stopAt)
      return { named: false, cursor };
    pages++;
    const page = await deps.decisions
      .queryDecisions({ accountId, limit: 100, ...(cursor ? { cursor } : {}) })
      .catch((err: unknown) => {
        // A saved cursor that no longer reads (its key rotated): the search starts again from the top.
        if (!(err instanceof ValidationError) || cursor !== options.from || pages > 1) throw err;
        return deps.decisions.queryDecisions({ accountId, limit: 100 });
      });
    for (const d of page.items) {
      // Shredded already (an earlier search of this erasure, or another's). Not a place to stop: the
      // listing's order is the decisions' time, not their keys', and one sealed under a newer key may
      // sort among those of the older (decided in the same millisecond, or just before the key went).
      if (d.personId || d.erased) continue;
      const named =
        names({ payload: d.payload, reasoning: d.reasoning, review: d.review, execution: d.execution }) ||
        (options.events !== false &&
          names(
            (await deps.decisions.events(streams.decision(d.decisionId))).map((e) => [e.detail, e.data]),
          ));
      if (named) {
        await deps.erasure?.destroyKey({ kind: "account", id: accountId });
        return { named: true };
      }
    }
    cursor = page.cursor;
  } while (cursor);
  return { named: false };
}
