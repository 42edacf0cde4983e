/**
 * Applies executed record actions to the knowledge base. Agents never write the KB themselves: what
 * Persona Finder found, what Persona Classifier decided, what Web Research read becomes knowledge
 * only once the harness let it through and the CRM write happened, so the KB and the CRM agree and
 * every record cites the decision that made it.
 */
import type { Decision } from "../../domain/decision.ts";
import { ErasedError } from "../../domain/errors.ts";
import { leaveOut } from "../../domain/list-sync-people.ts";
import { ERASED } from "../../domain/personal-data.ts";
import { iso } from "../../domain/time.ts";
import type { AgentKnowledgeStore, MemoryStore } from "../../kb/ports.ts";
import type { RecordsView } from "../../kb/records-view.ts";
import type { AudienceSnapshot } from "../../kb/types.ts";
import type { Clock, DecisionStore, DomainEvent, EventPublisher, KnowledgeStore } from "../../ports.ts";
import { AGENT_EVENTS, ExecutedEvent } from "../events.ts";
import { CrmUpdate, ListSyncPayload } from "../records.ts";
import { allowedRoles, shortHash, targetable } from "../workflows/common.ts";

export interface IngestDeps {
  clock: Clock;
  events: EventPublisher;
  decisions: Pick<DecisionStore, "getDecision">;
  kb: KnowledgeStore;
  agentKb: AgentKnowledgeStore;
  /** Written only: the agents' records (research, logged threads). */
  memory: Pick<MemoryStore, "put">;
  view: RecordsView;
}

export async function ingestExecuted(deps: IngestDeps, event: DomainEvent): Promise<void> {
  const ev = ExecutedEvent.safeParse(event.detail);
  if (!ev.success || ev.data.to !== "executed") return;
  if (ev.data.actionType !== "crm.update" && ev.data.actionType !== "list.sync") return;
  const d = await deps.decisions.getDecision(ev.data.decisionId);
  // The ledger's word, not the event's: an event says what the decision was, and anyone who may put
  // events on the bus can say it; a decision refused or rejected is never knowledge.
  if (d?.status !== "executed") return;
  if (d.actionType === "list.sync") {
    // Its audience's key was destroyed by an erasure meanwhile: nothing left to read (the payload is
    // empty), and read, it failed every retry into the dead-letter queue. The next sync goes on.
    if (d.erased) return;
    const parsed = ListSyncPayload.parse(d.payload);
    // Without the people it went without at its send (execution.ts): they were never added.
    const p = leaveOut(parsed, d.execution?.withheld ?? []);
    // Whom this sync names as added, for an erasure to find the audience's syncs later (also once they
    // left it): the payload, sealed under the audience's key, names those it went without too.
    await deps.agentKb.recordAudienceMembers(
      p.audienceId,
      parsed.add.map((m) => m.personId),
    );
    const syncedAt = d.execution?.at ?? iso(deps.clock.now());
    const members = p.members;
    if (wentToOutbox(d)) {
      const before = await dryRunBefore(deps, p.audienceId);
      await deps.agentKb.updateAudienceSnapshot(p.audienceId, (last) =>
        outboxed(last, p, syncedAt, d.decisionId, before),
      );
    } else
      await deps.agentKb.updateAudienceSnapshot(p.audienceId, (last) =>
        // The audience it listed, if it listed one and the list held what the snapshot says; else what
        // the list held (after syncs that went to an outbox: `live`) with this sync's changes, and
        // the next sync proposes the rest.
        members && !last?.live
          ? newest(last, { audienceId: p.audienceId, members, syncedAt, decisionId: d.decisionId })
          : afterPart(last?.live ? { ...last, members: last.live } : last, p, syncedAt, d.decisionId),
      );
    return;
  }
  // The person was erased meanwhile (a record action left in doubt, settled by a person after the
  // erasure): its payload is gone with their key, and there is nobody to write.
  if (d.erased) return;
  await applyCrmUpdate(deps, d, CrmUpdate.parse(d.payload));
}

/**
 * Whether a sync went to an outbox (the deployed dry run's S3 object, the local sandbox's entry)
 * instead of the list: the list does not hold what it added. One with no vendor id (settled as sent
 * by a person who named none: settle-in-doubt.ts) counts as one: the next sync that reaches the list
 * then proposes its changes again, and adding or removing someone twice changes nothing.
 */
const wentToOutbox = (d: Decision) => {
  const id = d.execution?.externalId;
  return id === undefined || /^(s3-)?outbox:/.test(id);
};

/**
 * Whether the audience's snapshot, kept before the list it holds was (`live`), was last written by a
 * sync that went to an outbox: a deployment still in its dry run when it took this version. Then what
 * the list holds is nothing of that snapshot (before, its dry run's adds were taken for the list's).
 */
async function dryRunBefore(deps: IngestDeps, audienceId: string): Promise<boolean> {
  const last = (await deps.agentKb.audienceSnapshots()).find((s) => s.audienceId === audienceId);
  if (!last || last.live || !last.decisionId) return false;
  const d = await deps.decisions.getDecision(last.decisionId);
  return d?.status === "executed" && wentToOutbox(d);
}

/** The later of the snapshot kept and a sync's, by when each was synced (events come in any order). */
const newest = (last: AudienceSnapshot | undefined, s: AudienceSnapshot) =>
  !last || last.syncedAt <= s.syncedAt ? s : last;

/**
 * The audience after a sync that went to an outbox: its diff is taken (the next sync proposes only
 * what changed since, as a dry run shows what a live one would send), and what the list holds is kept
 * beside it (`live`), unchanged. The first sync that reaches the list then starts from what it holds
 * (ingest's other branches), so the next one proposes everything the outbox took in its place. Before,
 * a deployment that ran its first weeks as the default dry run never added to its HubSpot lists the
 * people those weeks' syncs had "added", nor removed those who left meanwhile.
 */
function outboxed(
  last: AudienceSnapshot | undefined,
  p: ListSyncPayload,
  syncedAt: string,
  decisionId: string,
  /** `last` was written by an outbox's sync before `live` was kept (dryRunBefore). */
  dryRunBefore: boolean,
): AudienceSnapshot {
  const live = last?.live ?? (dryRunBefore ? [] : (last?.members ?? []));
  const next = p.members
    ? newest(last, { audienceId: p.audienceId, members: p.members, syncedAt, decisionId })
    : afterPart(last, p, syncedAt, decisionId);
  const { live: _, ...rest } = next;
  return { ...rest, live };
}

/**
 * The audience after a sync that carried a part of it (no `members`: audiences.ts): the last snapshot
 * less its removes (and the addresses an erasure left as ERASED), plus its adds, whatever order parts
 * are handled in. Parts of one run name different people, so their order does not matter; one person
 * added in one sync and removed in a later one, handled the other way round, is left in the snapshot
 * (or out of it) as HubSpot has them not, and the next sync proposes the difference again: an add or a
 * remove made twice changes nothing.
 */
function afterPart(
  last: AudienceSnapshot | undefined,
  p: ListSyncPayload,
  syncedAt: string,
  decisionId: string,
): AudienceSnapshot {
  const removed = new Set(p.remove.map((m) => m.personId));
  const after = new Map(
    (last?.members ?? [])
      .filter((m) => m.email !== ERASED && !removed.has(m.personId))
      .map((m) => [m.personId, m.email]),
  );
  for (const m of p.add) after.set(m.personId, m.email);
  const newer = !last || last.syncedAt <= syncedAt;
  return {
    audienceId: p.audienceId,
    members: [...after]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([personId, email]) => ({ personId, email })),
    syncedAt: newer ? syncedAt : last.syncedAt,
    ...(newer ? { decisionId } : last.decisionId ? { decisionId: last.decisionId } : {}),
  };
}

async function applyCrmUpdate(deps: IngestDeps, d: Decision, op: CrmUpdate): Promise<void> {
  const at = d.execution?.at ?? iso(deps.clock.now());
  switch (op.operation) {
    case "upsert_contact": {
      // An agent adds people and what it learns of them; who a person is (the address every touch to
      // them goes to, their account) is the CRM's and an admin's to change. Before, any agent
      // credential's upsert rewrote an existing person's address, and the next email went there.
      // Nor is another person's address taken over by a new record (an opt-out by address would then
      // find the new record, not the person it is).
      const [known, holder] = await Promise.all([
        deps.kb.getPerson(op.personId),
        deps.kb.personIdByEmail(op.contact.email),
      ]);
      if (
        (holder !== undefined && holder !== op.personId) ||
        (known &&
          (known.email.toLowerCase() !== op.contact.email.toLowerCase() ||
            known.accountId !== op.contact.accountId))
      )
        return;
      // Found again by an agent after an erasure: never knowledge again (kb-store refuses the write).
      await deps.kb
        .putPerson(op.personId, op.contact, at, {
          decisionId: d.decisionId,
          agentId: d.agentId,
          actionType: d.actionType,
        })
        .catch((err) => {
          if (!(err instanceof ErasedError)) throw err;
        });
      return;
    }
    case "classify_contact": {
      // The person and (usually) their account in one read; the account is read again only if they moved.
      const found = await deps.view.personAndAccount(op.personId, d.accountId);
      const person = found.person;
      if (!person) return;
      await deps.agentKb.putClassification({
        personId: op.personId,
        accountId: person.accountId,
        persona: op.persona,
        role: op.role,
        method: op.method,
        ...(op.model ? { model: op.model } : {}),
        confidence: op.confidence,
        classifiedAt: at,
        decisionId: d.decisionId,
      });
      const spec = await deps.view.spec();
      const account =
        person.accountId === d.accountId ? found.account : await deps.view.account(person.accountId);
      const tier = account ? await deps.view.tier(account) : undefined;
      // Qualified = the classification and the spec's own title rules both allow targeting.
      if (
        tier &&
        (tier.tier === 1 || tier.tier === 2) &&
        allowedRoles(spec, "linkedin.audience.add").includes(op.role) &&
        targetable(spec, person.title, "linkedin.audience.add")
      )
        await deps.events.publish([
          {
            type: AGENT_EVENTS.contactQualified,
            detail: {
              personId: op.personId,
              accountId: person.accountId,
              persona: op.persona,
              role: op.role,
            },
          },
        ]);
      return;
    }
    case "buying_committee":
      await deps.agentKb.putCommittee({
        accountId: op.accountId,
        members: op.members.map(({ email: _e, ...m }) => m),
        gaps: op.gaps,
        builtAt: at,
        decisionId: d.decisionId,
      });
      return;
    case "research_note": {
      await deps.agentKb.putFacts(
        op.facts.map((f) => ({
          ...f,
          factId: shortHash(`${f.sourceUrl}\n${f.text}`),
          accountId: op.accountId,
          observedAt: at,
          decisionId: d.decisionId,
        })),
      );
      await deps.memory.put({
        docId: `research-${d.decisionId}`,
        accountId: op.accountId,
        kind: "research",
        title: `Website research on ${op.domain}`,
        text: op.facts.map((f) => f.text).join(" "),
        source: `web-research (decision ${d.decisionId})`,
        at,
      });
      await deps.events.publish([
        { type: AGENT_EVENTS.researchCompleted, detail: { accountId: op.accountId, facts: op.facts.length } },
      ]);
      return;
    }
    case "lead_list": {
      await deps.agentKb.putLeadListEntry({
        listId: op.listId,
        date: op.date,
        ownerId: op.ownerId,
        accountId: op.accountId,
        rank: op.rank,
        tier: op.tier,
        intent: op.intent,
        contacts: op.contacts,
        addedAt: at,
        decisionId: d.decisionId,
      });
      if (await deps.agentKb.setFlagOnce(op.accountId, "targetedAt", at))
        await deps.events.publish([
          { type: AGENT_EVENTS.accountTargeted, detail: { accountId: op.accountId, listId: op.listId } },
        ]);
      return;
    }
    case "log_engagement": {
      const source = await deps.decisions.getDecision(op.decisionId);
      // The thread of a touch the harness executed on this account, to its person, in the words it
      // sent (the ledger's, as crm-sync logs them): before, any agent could log text of its own as
      // another agent's email, over the real thread or for a decision on another account or none.
      if (
        source?.status !== "executed" ||
        source.actionKind !== "touch" ||
        source.accountId !== d.accountId ||
        (op.personId !== undefined && op.personId !== source.personId)
      )
        return;
      const sent = source.payload as { subject?: unknown; body?: unknown };
      const subject = typeof sent.subject === "string" ? sent.subject : undefined;
      // Not kept about someone erased meanwhile (the store refuses it).
      await deps.memory
        .put({
          docId: `thread-${op.decisionId}`,
          accountId: d.accountId,
          ...(source.personId ? { personId: source.personId } : {}),
          kind: "email_thread",
          title: `${source.channel === "email" ? "Email" : "LinkedIn message"}${subject ? `: ${subject}` : ""} (${source.agentId})`,
          text: typeof sent.body === "string" ? sent.body : `${source.actionType} (no body)`,
          source: `hubspot timeline (decision ${op.decisionId})`,
          at: source.execution?.at ?? op.occurredAt,
        })
        .catch((err) => {
          if (!(err instanceof ErasedError)) throw err;
        });
      return;
    }
  }
}
