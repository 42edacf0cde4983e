/**
 * crm.update and list.sync through HubSpot's official SDK (@hubspot/api-client). Every write is an
 * upsert on a unique property: contacts by email, companies by domain, notes / emails /
 * communications by `harness_idempotency_key` (a unique custom property the setup creates), so a
 * retried call with the decision's key updates the same record instead of adding another. List
 * membership changes are set operations. 429 and 5xx are retried by our policy (SDK retries off).
 */
import { CrmUpdate, ListSyncPayload } from "../../agents/records.ts";
import { type Connector, ConnectorError, type ConnectorRequest, type ConnectorResult } from "../../ports.ts";
import { type HubSpotCrmClient, hubspotCrmClient } from "./hubspot-crm.ts";
import {
  againIfGone,
  defaultRetryPolicy,
  type RetryPolicy,
  statusOf,
  withinTimeLeft,
  withRetries,
  withTimeout,
} from "./retry.ts";

export interface HubSpotOptions {
  accessToken: string;
  /** For tests against a local server; default https://api.hubapi.com */
  basePath?: string;
  /** How long one call may take before its outcome counts as unknown. Default 10 s. */
  timeoutMs?: number;
  retry?: RetryPolicy;
}

const CONTACT = "0-1";
type Props = Record<string, string>;

/**
 * A step after an engagement (note, email, communication) was written: HubSpot refusing it does not
 * mean nothing was done (the engagement stands, on no timeline), so it is an unknown outcome for a
 * person to check, not a refusal that gives the reservation back and lets the agent propose again:
 * the new decision's key writes a second engagement. (Contacts and companies are upserted by email
 * and domain: a proposal made again writes no second one.) Turned away (rate limited) stays as it is:
 * the action is tried again as a whole later, with the same key, every step an upsert or association
 * that a repeat does not double.
 */
async function after<T>(done: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof ConnectorError && !err.outcomeUnknown && err.retryAfterMs === undefined)
      throw new ConnectorError(`${done}, then ${err.message}: the write before it stands`, true, {
        cause: err,
      });
    if (err instanceof ConnectorError && err.retryAfterMs !== undefined)
      throw new ConnectorError(`${done}, then ${err.message}`, false, {
        cause: err,
        retryAfterMs: err.retryAfterMs,
        afterWrite: true,
      });
    throw err;
  }
}

/** Upserts a list sync may send while looking for the addresses HubSpot refuses a batch for. */
const SPLIT_CALLS = 64;

/**
 * HubSpot refused the request (400) for an address it does not accept as an email (its error names
 * INVALID_EMAIL): nothing was done, and sent again it is refused again.
 */
const invalidEmail = (err: ConnectorError) =>
  !err.outcomeUnknown &&
  err.retryAfterMs === undefined &&
  statusOf(err.cause) === 400 &&
  /INVALID_EMAIL/.test(String((err.cause as Error).message));

/** HubSpot's CRM batch endpoints take at most 100 inputs per request. */
const BATCH = 100;
const batches = <T>(items: T[]): T[][] =>
  Array.from({ length: Math.ceil(items.length / BATCH) }, (_, i) => items.slice(i * BATCH, (i + 1) * BATCH));

export class HubSpotConnector implements Connector {
  private readonly client: HubSpotCrmClient;
  private readonly retry: RetryPolicy;
  private readonly timeoutMs: number;
  private readonly lists = new Map<string, string>();

  constructor(o: HubSpotOptions) {
    this.client = hubspotCrmClient(o);
    this.retry = o.retry ?? defaultRetryPolicy;
    this.timeoutMs = o.timeoutMs ?? 10_000;
  }

  /**
   * Upserts on unique properties, associations and set operations: a repeat changes nothing, unless
   * said otherwise. `readOnly`: a lookup or a read, which failing throughout did nothing (retry.ts).
   */
  private call<T>(what: string, fn: () => Promise<T>, replaySafe = true, readOnly = false): Promise<T> {
    return withRetries(`HubSpot ${what}`, () => withTimeout(fn(), this.timeoutMs, what), this.retry, {
      replaySafe,
      readOnly,
    });
  }

  execute(req: ConnectorRequest): Promise<ConnectorResult> {
    // A call is at most its timeout, and a wait between attempts: each starts only if it can end in time.
    return withinTimeLeft(req, this.timeoutMs, () => this.act(req));
  }

  private async act(req: ConnectorRequest): Promise<ConnectorResult> {
    if (req.decision.actionType === "list.sync") return this.syncList(req);
    if (req.decision.actionType !== "crm.update")
      throw new ConnectorError(`the HubSpot connector cannot ${req.decision.actionType}`, false);
    const parsed = CrmUpdate.safeParse(req.payload);
    if (!parsed.success) throw new ConnectorError(`bad crm.update payload: ${parsed.error.message}`, false);
    const op = parsed.data;
    const key = req.idempotencyKey;
    switch (op.operation) {
      case "upsert_contact": {
        const contactId = await this.upsertContact(op.contact.email, {
          firstname: op.contact.firstName,
          lastname: op.contact.lastName,
          jobtitle: op.contact.title,
          ...(op.contact.linkedinUrl ? { hs_linkedin_url: op.contact.linkedinUrl } : {}),
        });
        // Upserts by email and domain: a proposal made again after a refusal here writes no second record.
        const companyId = await this.upsertCompany(op.companyDomain, {});
        await this.associate("contacts", contactId, "companies", companyId);
        return { externalId: `hubspot:contact:${contactId}` };
      }
      case "classify_contact": {
        const id = await this.upsertContact(op.email, {
          harness_persona: op.persona,
          harness_committee_role: op.role,
        });
        return { externalId: `hubspot:contact:${id}` };
      }
      case "buying_committee": {
        // 100 a batch (HubSpot refuses more whole), each address once (a batch naming one twice is
        // refused too): a committee of more was refused every time its account turned high-intent.
        const members = [...new Map(op.members.map((m) => [m.email.toLowerCase(), m])).values()];
        const ids: string[] = [];
        for (const part of batches(members)) {
          const res = await this.call("contacts upsert", () =>
            this.client.crm.contacts.batchApi.upsert({
              inputs: part.map((m) => ({
                idProperty: "email",
                id: m.email,
                properties: { email: m.email, harness_committee_role: m.role, harness_persona: m.persona },
              })),
            }),
          );
          ids.push(...res.results.map((r) => r.id));
        }
        // A multi-status answer's contacts HubSpot would not take are counted, as a list sync's.
        const refused = members.length - ids.length;
        return { externalId: `hubspot:contacts:${ids.join(",")}${refused ? `:refused${refused}` : ""}` };
      }
      case "research_note": {
        const companyId = await this.upsertCompany(op.domain, {});
        const body = op.facts.map((f) => `• ${f.text} (${f.sourceUrl})`).join("\n");
        const noteId = await this.upsertEngagement("notes", key, { hs_note_body: `Web research:\n${body}` });
        await after(`note ${noteId} written`, () => this.associate("notes", noteId, "companies", companyId));
        return { externalId: `hubspot:note:${noteId}` };
      }
      case "lead_list": {
        const id = await this.upsertCompany(op.domain, {
          harness_lead_list: op.listId,
          harness_lead_rank: String(op.rank),
          harness_sdr: op.ownerId,
        });
        return { externalId: `hubspot:company:${id}` };
      }
      case "log_engagement": {
        const type = op.channel === "email" ? "emails" : "communications";
        const props: Props =
          op.channel === "email"
            ? {
                hs_email_direction: "EMAIL",
                hs_email_status: "SENT",
                hs_email_subject: op.subject ?? "",
                hs_email_text: op.body,
              }
            : {
                hs_communication_channel_type: "LINKEDIN_MESSAGE",
                hs_communication_logged_from: "CRM",
                hs_communication_body: op.body,
              };
        const id = await this.upsertEngagement(type, key, { hs_timestamp: op.occurredAt, ...props });
        const written = `${type} ${id} written`;
        // On the contact's timeline; a LinkedIn touch to someone without an email, on the company's
        // (HubSpot shows an engagement only on the records it is associated with).
        if (op.email) {
          const email = op.email;
          const contactId = await after(written, () => this.upsertContact(email, {}));
          await after(written, () => this.associate(type, id, "contacts", contactId));
        } else if (op.companyDomain) {
          const domain = op.companyDomain;
          const companyId = await after(written, () => this.upsertCompany(domain, {}));
          await after(written, () => this.associate(type, id, "companies", companyId));
        }
        return { externalId: `hubspot:${type}:${id}` };
      }
    }
  }

  private async upsertContact(email: string, props: Props): Promise<string> {
    const res = await this.call("contacts upsert", () =>
      this.client.crm.contacts.batchApi.upsert({
        inputs: [{ idProperty: "email", id: email, properties: { email, ...props } }],
      }),
    );
    const id = res.results[0]?.id;
    if (!id) throw new ConnectorError("HubSpot upserted no contact", true);
    return id;
  }

  private async upsertCompany(domain: string, props: Props): Promise<string> {
    const res = await this.call("companies upsert", () =>
      this.client.crm.companies.batchApi.upsert({
        inputs: [{ idProperty: "domain", id: domain, properties: { domain, ...props } }],
      }),
    );
    const id = res.results[0]?.id;
    if (!id) throw new ConnectorError("HubSpot upserted no company", true);
    return id;
  }

  private async upsertEngagement(
    type: "notes" | "emails" | "communications",
    key: string,
    props: Props,
  ): Promise<string> {
    const input = {
      inputs: [
        {
          idProperty: "harness_idempotency_key",
          id: key,
          properties: { hs_timestamp: new Date().toISOString(), ...props, harness_idempotency_key: key },
        },
      ],
    };
    const api = this.client.crm.objects[type].batchApi;
    const res = await this.call(`${type} upsert`, () => api.upsert(input));
    const id = res.results[0]?.id;
    if (!id) throw new ConnectorError(`HubSpot upserted no ${type}`, true);
    return id;
  }

  private async associate(from: string, fromId: string, to: string, toId: string) {
    await this.call("association", () =>
      this.client.crm.associations.v4.basicApi.createDefault(from, fromId, to, toId),
    );
  }

  private async listId(name: string): Promise<string> {
    const cached = this.lists.get(name);
    if (cached) return cached;
    let id: string | undefined;
    try {
      id = (
        await this.call(
          "list lookup",
          () => this.client.crm.lists.listsApi.getByName(name, CONTACT),
          true,
          true,
        )
      ).list.listId;
    } catch (err) {
      if (!(err instanceof ConnectorError) || err.outcomeUnknown || !/ 404 /.test(err.message)) throw err;
      id = (
        await this.call(
          "list create",
          () =>
            this.client.crm.lists.listsApi.create({ name, objectTypeId: CONTACT, processingType: "MANUAL" }),
          false,
        )
      ).list.listId;
    }
    this.lists.set(name, id);
    return id;
  }

  private async syncList(req: ConnectorRequest): Promise<ConnectorResult> {
    const parsed = ListSyncPayload.safeParse(req.payload);
    if (!parsed.success) throw new ConnectorError(`bad list.sync payload: ${parsed.error.message}`, false);
    const p = parsed.data;
    const kept = this.lists.has(p.listName);
    let listId = await this.listId(p.listName);
    const contacts = this.client.crm.contacts.batchApi;
    // HubSpot's CRM batch endpoints take at most 100 inputs: a first sync of an audience of more was
    // refused whole (400), and so was every hourly retry of it.
    let refused = 0;
    const recordIdsToAdd: string[] = [];
    // Who was not added and may be later, by person: a contact its list does not find.
    const withheld: string[] = [];
    const personOf = new Map<string, string>();
    const upsert = (part: { email: string }[]) =>
      this.call("contacts upsert", () =>
        contacts.upsert({
          inputs: part.map((m) => ({ idProperty: "email", id: m.email, properties: { email: m.email } })),
        }),
      );
    let splitCalls = 0;
    const add = async (part: { email: string; personId: string }[]): Promise<void> => {
      let res: Awaited<ReturnType<typeof upsert>>;
      try {
        res = await upsert(part);
      } catch (err) {
        // HubSpot refused the batch for an address it finds invalid (INVALID_EMAIL), without saying
        // which: alone, that contact is left out and counted; in a batch, each half is sent again,
        // down to the bad address (about 14 calls for one in 100). At most SPLIT_CALLS such calls a
        // sync (the executor's time): one bad address in every batch of a sync of 400 is found. Before,
        // a batch was sent contact by contact, at most two batches a sync, and a sync with a third
        // failed, every hour; and before that, one bad address blocked the whole sync (its removals
        // too). Any other refusal (a property the portal lacks) stands.
        if (!(err instanceof ConnectorError) || !invalidEmail(err)) throw err;
        if (part.length === 1) {
          refused++;
          return;
        }
        splitCalls += 2;
        if (splitCalls > SPLIT_CALLS) throw err;
        const half = Math.ceil(part.length / 2);
        await add(part.slice(0, half));
        await add(part.slice(half));
        return;
      }
      recordIdsToAdd.push(...res.results.map((r) => r.id));
      const taken = new Map(res.results.map((r) => [String(r.properties.email ?? "").toLowerCase(), r.id]));
      for (const m of part) {
        const id = taken.get(m.email.toLowerCase());
        if (id) personOf.set(id, m.personId);
      }
      // A multi-status answer: the contacts HubSpot would not take (an address it finds invalid) are
      // left out of the list, and counted in the result. Not withheld: HubSpot will never take that
      // address, and withheld it would be proposed again every hour.
      refused += part.length - res.results.length;
    };
    for (const part of batches(p.add)) await add(part);
    // Removals are read, not upserted: an upsert created the contact when it was not in HubSpot
    // (deleted by a rep, say), bringing back someone the sync was removing. Not found is nothing to remove.
    const recordIdsToRemove: string[] = [];
    for (const part of batches(p.remove)) {
      const res = await this.call(
        "contacts read",
        () =>
          contacts.read({
            idProperty: "email",
            inputs: part.map((m) => ({ id: m.email })),
            properties: ["email"],
            propertiesWithHistory: [],
          }),
        true,
        true,
      );
      recordIdsToRemove.push(...res.results.map((r) => r.id));
    }
    // Nothing to change (every removal unknown to HubSpot, no adds): no membership call.
    if (recordIdsToAdd.length || recordIdsToRemove.length) {
      const change = (id: string) =>
        this.call("list memberships", () =>
          this.client.crm.lists.membershipsApi.addAndRemove(id, { recordIdsToAdd, recordIdsToRemove }),
        );
      // The list this container kept may have been deleted since (in HubSpot).
      const used = await againIfGone(
        listId,
        kept,
        () => {
          this.lists.delete(p.listName);
          return this.listId(p.listName);
        },
        change,
      );
      listId = used.id;
      const changed = used.result;
      // A contact merged or deleted since its upsert: not in the list, though asked for. Before, the
      // snapshot counted it synced, and no hourly sync added that person again.
      for (const id of changed?.recordIdsMissing ?? []) {
        const person = personOf.get(String(id));
        if (person) withheld.push(person);
      }
    }
    return {
      externalId: `hubspot:list:${listId}:+${recordIdsToAdd.length}-${recordIdsToRemove.length}${refused ? `:refused${refused}` : ""}`,
      ...(withheld.length ? { withheld } : {}),
    };
  }
}
