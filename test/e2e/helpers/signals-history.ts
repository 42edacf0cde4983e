/**
 * Touch histories for the signals loop's tests (its e2e test and the console's): accounts showing a
 * signal, touched by a writer trusted to send, and the meetings that followed.
 */
import type { AccountDirectory } from "../../../shared/usecases/signals-refit.ts";
import {
  emailProposal,
  expectStatus,
  type Harness,
  HOUR,
  proposeOk,
  seedAccount,
  waitForStatus,
} from "./harness.ts";

/** Seed an account (3 pricing visits: intent 75) plus two signals of `type`, touch it, wait for the send. */
export async function touchedBy(h: Harness, agentId: string, accountId: string, type: string) {
  await seedAccount(h, accountId);
  const now = h.rt.clock.now();
  expectStatus(
    await h.call("POST", "/v1/signals", h.admin, {
      signals: [1, 2].map((d) => ({ accountId, type, occurredAt: new Date(now - d * HOUR).toISOString() })),
    }),
    201,
  );
  const d = await proposeOk(h, emailProposal(agentId, accountId));
  return waitForStatus(h, d.decisionId, "executed", 30_000);
}

export const meetingBooked = async (h: Harness, decisionId: string) =>
  expectStatus(await h.call("POST", "/v1/outcomes", h.admin, { decisionId, type: "meeting_booked" }), 201);

/**
 * Website visitors book meetings, G2 researchers do not, although the hand weights rank G2 research
 * (15 points) above website visits (5): a refit should turn that around. Accounts `${prefix}w${i}` and
 * `${prefix}g${i}`, i < n.
 */
export async function signalHistory(h: Harness, agentId: string, prefix: string, n: number) {
  const out = { meetings: [] as any[], none: [] as any[] };
  for (let i = 0; i < n; i++) {
    const d = await touchedBy(h, agentId, `${prefix}w${i}`, "website_visit");
    await meetingBooked(h, d.decisionId);
    out.meetings.push(d);
    out.none.push(await touchedBy(h, agentId, `${prefix}g${i}`, "g2_research"));
  }
  return out;
}

/** A directory of these accounts only, read as the agents read the KB (no agents run to index them). */
export function directoryOf(h: Harness, ids: string[]): AccountDirectory {
  const knowledge = h.rt.deps.knowledge;
  if (!knowledge) throw new Error("the local runtime serves the knowledge view");
  return { accountIds: async () => ids, accounts: (xs: string[]) => knowledge.accounts(xs) };
}
