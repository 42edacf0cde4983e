/**
 * The knowledge base as agents see it: the structured ring (core records plus the agents' extras),
 * the learned ring and semantic memory, behind one read-only object. Agents never write through it:
 * what they learn reaches the KB only by proposals that the harness executes (see watchers/ingest.ts).
 */

import { classifyTitle } from "../domain/checks/persona.ts";
import { describeIntent } from "../domain/checks/quality.ts";
import type { Decision } from "../domain/decision.ts";
import type { IntentReading, Touch } from "../domain/decision-types.ts";
import type { Account, Person } from "../domain/kb.ts";
import type { Spec } from "../domain/spec-schema.ts";
import { iso } from "../domain/time.ts";
import type { CommitteeRole } from "../domain/vocabulary.ts";
import type { DecisionReads } from "../ports.ts";
import { type ContextItem, type ContextPacket, packContext } from "./context-packet.ts";
import type { AgentKnowledgeStore, LearnedStore, MemoryStore } from "./ports.ts";
import { type RecordsDeps, RecordsView } from "./records-view.ts";
import { icpTier } from "./scoring.ts";
import type {
  AudienceSnapshot,
  Classification,
  Committee,
  EmergedRule,
  Fact,
  IcpTier,
  LeadListEntry,
  MemoryHit,
  TemplateStat,
} from "./types.ts";

export interface KnowledgeDeps extends RecordsDeps {
  agentKb: AgentKnowledgeStore;
  learned: LearnedStore;
  memory: MemoryStore;
  decisions: Pick<DecisionReads, "getDecision" | "getContactState" | "queryDecisions">;
  /**
   * A decision's status alone, nothing sealed opened (adapters/dynamo/decision-status.ts): what
   * `proposedBefore` asks where it is wired; else it reads the whole decision.
   */
  decisionStatus?: (decisionId: string) => Promise<Decision["status"] | undefined>;
}

export interface PersonaOf {
  persona: string;
  role: CommitteeRole;
  source: "classification" | "spec rules" | "none";
}

const TOUCH_STATUSES = new Set(["executed", "dispatched", "scheduled", "pending_approval", "in_doubt"]);

/** Of an account's people, those the suppression list names; `account`: it names the account. */
export interface DoNotTarget {
  account: boolean;
  people: Set<string>;
}

export class KnowledgeView extends RecordsView {
  declare protected readonly d: KnowledgeDeps;

  constructor(d: KnowledgeDeps) {
    super(d);
  }

  peopleAt(accountId: string): Promise<Person[]> {
    return this.d.agentKb.peopleAt(accountId);
  }
  accountIds(): Promise<string[]> {
    return this.d.agentKb.listAccountIds();
  }
  accounts(ids: string[]): Promise<Account[]> {
    return this.d.agentKb.getAccounts(ids);
  }
  facts(accountId: string): Promise<Fact[]> {
    return this.d.agentKb.facts(accountId);
  }
  classification(personId: string): Promise<Classification | undefined> {
    return this.d.agentKb.classification(personId);
  }
  classifications(personIds: string[]): Promise<Map<string, Classification>> {
    return this.d.agentKb.classifications(personIds);
  }
  committee(accountId: string): Promise<Committee | undefined> {
    return this.d.agentKb.committee(accountId);
  }
  leadList(date: string): Promise<LeadListEntry[]> {
    return this.d.agentKb.leadList(date);
  }
  audienceSnapshots(): Promise<AudienceSnapshot[]> {
    return this.d.agentKb.audienceSnapshots();
  }
  templateStats(): Promise<TemplateStat[]> {
    return this.d.learned.templateStats();
  }
  rules(): Promise<EmergedRule[]> {
    return this.d.learned.rules();
  }
  searchMemory(accountId: string, query: string, limit = 3): Promise<MemoryHit[]> {
    return this.d.memory.search(accountId, query, limit);
  }
  /**
   * The touches the gate counts for each account (sent, scheduled, awaiting approval: its coordination
   * record), so a lead list can hold only accounts the rules let be worked today.
   */
  async touchesOf(accountIds: string[]): Promise<Map<string, Touch[]>> {
    const states = await Promise.all(accountIds.map((id) => this.d.decisions.getContactState(id)));
    return new Map(accountIds.map((id, i) => [id, states[i]?.touches ?? []]));
  }
  /** One decision of the ledger (CRM Sync records what was executed). */
  decision(decisionId: string): Promise<Decision | undefined> {
    return this.d.decisions.getDecision(decisionId);
  }

  /**
   * Whether `agentId` has a decision under `decisionId` (a run asking whether it proposed something
   * before). Ids are derived from the agent and the proposal (domain/ids.ts), so one that exists is
   * this agent's; its status is enough, and no person's data key is opened to learn it.
   */
  async proposedBefore(agentId: string, decisionId: string): Promise<boolean> {
    if (this.d.decisionStatus) return (await this.d.decisionStatus(decisionId)) !== undefined;
    return (await this.d.decisions.getDecision(decisionId))?.agentId === agentId;
  }

  /**
   * Which of these people of an account may not be put on anyone's target list: each one the
   * suppression list names, on any channel, or everyone when it names the account. The gate refuses
   * them every touch; a lead list or an audience sync that carried them would hand their names to the
   * SDRs and HubSpot lists as people to work. No reason is returned (it may quote a person).
   */
  async doNotTarget(accountId: string, personIds: string[]): Promise<Set<string>> {
    return (await this.doNotTargetAt(accountId, personIds)).people;
  }

  /**
   * The same, and whether the suppression list names the account itself: an account nobody is on
   * file at yet is still one nobody may be sent to (the Lead List Builder lists no such account).
   */
  async doNotTargetAt(accountId: string, personIds: string[]): Promise<DoNotTarget> {
    const { account, people } = await this.d.kb.suppressedAmong(accountId, personIds);
    return { account, people: account ? new Set(personIds) : people };
  }

  /** A person's persona: the recorded classification if any, else the spec's title rules. */
  personaOf(spec: Spec, person: Person, c?: Classification): PersonaOf {
    if (c) return { persona: c.persona, role: c.role, source: "classification" };
    const m = classifyTitle(spec, person.title);
    return m
      ? { persona: m.name, role: m.role, source: "spec rules" }
      : { persona: "unknown", role: "too_junior", source: "none" };
  }

  /** A compact, cited packet about one target within a token budget. */
  async context(
    target: { accountId: string; personId?: string },
    options: { budgetTokens?: number; query?: string } = {},
  ): Promise<ContextPacket> {
    const budget = options.budgetTokens ?? 600;
    const now = this.d.clock.now();
    const at = iso(now);
    const account = await this.account(target.accountId);
    if (!account) return packContext(target, [], budget);
    const spec = await this.spec();
    const items: ContextItem[] = [];
    const kbSource = (what: string) => ({ source: `knowledge base: ${what}`, at: account.updatedAt });
    const tier = icpTier(spec, account);
    items.push({
      kind: "account",
      text: `${account.name} (${account.domain}): ${account.industry}, ${account.employees} employees, ${account.country}, ICP tier ${tier.tier}${account.fundingStage ? `, ${account.fundingStage}` : ""}`,
      provenance: kbSource(`account ${account.accountId}`),
      priority: 100,
    });
    const intent = await this.intent(account);
    if (intent.counted.length > 0) {
      const latest = account.signals[0]?.occurredAt ?? at;
      items.push({
        kind: "signal",
        text: `Intent ${intent.score}: ${describeIntent(intent)}`,
        provenance: { source: "knowledge base: signals", at: latest },
        priority: 90,
      });
    }
    if (target.personId) {
      const person = await this.person(target.personId);
      // Only someone at this account: another account's person beside this account's facts and
      // committee drafted a message on mixed context (the gate then refused it).
      if (person?.accountId === account.accountId) {
        const c = await this.classification(person.personId);
        const p = this.personaOf(spec, person, c);
        items.push({
          kind: "person",
          text: `${person.firstName} ${person.lastName}, ${person.title} (persona ${p.persona}, ${p.role.replace("_", " ")}, by ${p.source})`,
          provenance: {
            source: `knowledge base: person ${person.personId}`,
            at: c?.classifiedAt ?? person.updatedAt,
            ...(c?.decisionId ? { decisionId: c.decisionId } : {}),
          },
          priority: 95,
        });
      }
    }
    const committee = await this.committee(account.accountId);
    if (committee && committee.members.length > 0) {
      items.push({
        kind: "committee",
        text: `Buying committee: ${committee.members.map((m) => `${m.name} (${m.role.replace("_", " ")})`).join(", ")}${committee.gaps.length ? `; missing ${committee.gaps.join(", ")}` : ""}`,
        provenance: {
          source: "buying-committee-builder",
          at: committee.builtAt,
          ...(committee.decisionId ? { decisionId: committee.decisionId } : {}),
        },
        priority: 70,
      });
    }
    const facts = (await this.facts(account.accountId)).sort((a, b) =>
      a.observedAt < b.observedAt ? 1 : -1,
    );
    const factRank: Record<string, number> = {
      news: 85,
      funding: 84,
      hiring: 83,
      customer: 80,
      product: 75,
      about: 60,
    };
    for (const f of facts.slice(0, 12)) {
      items.push({
        kind: "fact",
        text: f.text,
        provenance: {
          source: "web-research",
          url: f.sourceUrl,
          at: f.observedAt,
          ...(f.decisionId ? { decisionId: f.decisionId } : {}),
        },
        priority: factRank[f.kind] ?? 50,
      });
    }
    const recent = await this.d.decisions.queryDecisions({ accountId: account.accountId, limit: 20 });
    for (const d of recent.items
      .filter((x) => x.actionKind === "touch" && TOUCH_STATUSES.has(x.status))
      .slice(0, 3)) {
      items.push({
        kind: "touch",
        text: `${d.actionType} by ${d.agentId} to ${d.context.person?.name ?? d.personId ?? "the account"}: ${d.status}`,
        provenance: { source: "ledger", at: d.decidedAt, decisionId: d.decisionId },
        priority: 88,
      });
    }
    const query = options.query ?? `${account.name} priorities evaluation pricing`;
    for (const hit of await this.searchMemory(account.accountId, query, 3)) {
      items.push({
        kind: "memory",
        text: `${hit.doc.title}: "${hit.excerpt}"`,
        // The document and chunk it came from, and the original's address where the source has one.
        // Its kind and author too: an agent's note reads as one, not as the source system's record.
        provenance: {
          source: `${hit.doc.source}: ${hit.doc.kind}${hit.doc.author ? ` by ${hit.doc.author}` : ""}${
            hit.doc.chunk
              ? ` (${hit.doc.chunk.of}, part ${hit.doc.chunk.index + 1} of ${hit.doc.chunk.count})`
              : ""
          }`,
          at: hit.doc.at,
          ...(hit.provenance.url ? { url: hit.provenance.url } : {}),
        },
        priority: 65 + Math.min(10, hit.score),
      });
    }
    return packContext(target, items, budget);
  }
}
