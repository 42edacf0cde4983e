import { type Decision, streams } from "../domain/decision.ts";
import type { Deps } from "../ports.ts";

/** Edited decisions' ledgers read at once. */
const EVENT_READS = 16;

/**
 * The decisions as their agents proposed them. One a reviewer edited carries what was sent; the
 * agent's payload is in its `edited` event (lifecycle.ts). What a spec is judged on: a replay
 * (replay.ts), and a rule made from a correction (drafts.ts). Before, both read the reviewer's text,
 * so a spec change caught none of the drafts people had to fix, and a rule against the phrase a
 * reviewer took out could not be made.
 */
export async function asProposed(deps: Pick<Deps, "decisions">, decisions: Decision[]): Promise<Decision[]> {
  const out = [...decisions];
  const edited = out.flatMap((d, i) => (d.review?.action === "edited" ? [i] : []));
  for (let at = 0; at < edited.length; at += EVENT_READS)
    await Promise.all(
      edited.slice(at, at + EVENT_READS).map(async (i) => {
        const d = out[i] as Decision;
        const events = await deps.decisions.events(streams.decision(d.decisionId));
        const proposed = events.find((e) => e.type === "edited")?.data?.proposed as
          | { payload?: unknown; payloadDigest?: unknown }
          | undefined;
        if (
          proposed?.payload &&
          typeof proposed.payload === "object" &&
          typeof proposed.payloadDigest === "string"
        )
          out[i] = {
            ...d,
            payload: proposed.payload as Decision["payload"],
            payloadDigest: proposed.payloadDigest,
          };
      }),
    );
  return out;
}
