/**
 * Outcomes HubSpot reports: a contact's reply or booked meeting (a webhook event, or found by the
 * poll when the webhook missed it), an email opt-out, a contact's deletion. Recorded through the same
 * use cases as SES's (world-outcomes.ts), with ids derived from the contact, property and value, so
 * the webhook and the poll, or a redelivery, count one event once.
 */
import type { OutcomeChanges } from "../adapters/connectors/hubspot-poll.ts";
import {
  type ContactEmails,
  EMAIL_OPT_OUT,
  HUBSPOT_DELETIONS,
  type HubSpotWebhookEvent,
  OUTCOME_PROPERTIES,
} from "../adapters/connectors/hubspot-webhook.ts";
import type { Deps } from "../ports.ts";
import { safeCheckpoint, savedCheckpoint } from "./crm-paging.ts";
import { optOutReason } from "./crm-records.ts";
import { recordOutcomeOn, touchAnsweredAmong } from "./outcomes.ts";
import type { Principal } from "./principal.ts";
import { EMAIL, idPart, type WorldOutcomeResult } from "./world-outcomes.ts";

const HUBSPOT: Principal = { subject: "hubspot", roles: ["admin"] };

/**
 * A contact property change that means a reply or a booked meeting, for a person the harness knows
 * and touched within the spec's attribution window; anything else is acknowledged and ignored.
 */
export async function recordHubSpotEvent(
  deps: Deps,
  event: HubSpotWebhookEvent,
  contacts: ContactEmails,
  personOf?: (contactId: string) => Promise<string | undefined>,
): Promise<WorldOutcomeResult> {
  if (event.subscriptionType !== "contact.propertyChange" || !event.propertyName)
    return { recorded: false, reason: `${event.subscriptionType}: not an outcome` };
  const type = OUTCOME_PROPERTIES[event.propertyName as keyof typeof OUTCOME_PROPERTIES];
  if (!type) return { recorded: false, reason: `${event.propertyName}: not an outcome property` };
  if (!event.propertyValue) return { recorded: false, reason: `${event.propertyName} was cleared` };
  // The person the contact was imported as, and everyone the knowledge base holds with its address:
  // a contact whose address changed in HubSpot since it was imported is still found, and so is an
  // agent's own record of the same human (two records may share an address). Before, only one of them
  // was asked, and a reply to a touch of the other was lost (and later counted a silence). With the
  // imported person known, a failed read of the address does not hold the reply back.
  const contactId = String(event.objectId);
  const linked = await personOf?.(contactId);
  const email = linked
    ? await contacts.emailOf(contactId).catch(() => undefined)
    : await contacts.emailOf(contactId);
  const holders = email ? await deps.kb.peopleWithEmail(email.toLowerCase()) : [];
  const people = [...new Set([...(linked ? [linked] : []), ...holders])];
  if (people.length === 0) return { recorded: false, reason: "not a person in the knowledge base" };
  const spec = await deps.specs.current();
  if (!spec) return { recorded: false, reason: "no spec has been published yet" };
  const at = Number.isFinite(Number(event.propertyValue))
    ? Number(event.propertyValue)
    : Date.parse(event.propertyValue);
  if (!Number.isFinite(at)) return { recorded: false, reason: `${event.propertyName} is not a time` };
  // The property's value is the reply's (meeting's) time, epoch ms in a webhook and ISO text in a
  // search: normalized, the webhook and the poll (hubspot-poll.ts) derive the same id.
  const outcomeId = `hubspot:${idPart(String(event.objectId))}:${type}:${at}`;
  // The last email reply answers an email; a meeting, any touch. A holdout's goes on the touch the
  // holdout blocked (its experiment's report counts it), and a redelivery on the decision it is on.
  const touch = await touchAnsweredAmong(
    deps,
    spec.spec,
    people,
    at,
    () => outcomeId,
    type === "replied" ? "email" : undefined,
  );
  const personId = touch?.personId ?? (people[0] as string);
  const occurredAt = new Date(at).toISOString();
  // No touch of the harness's in the window (a reply to a rep's own email, a meeting a colleague
  // booked): nobody's outcome to learn from, but a person is talking with the account, and the spec's
  // stop-on-reply pauses its agents all the same. Before, nothing was recorded and they kept writing.
  const res = await recordOutcomeOn(
    deps,
    touch,
    { outcomeId, ...(touch ? { decisionId: touch.decisionId } : { personId }), type, occurredAt },
    HUBSPOT,
    personId,
  );
  return {
    recorded: true,
    outcomeId,
    type,
    duplicate: res.duplicate === true,
    decisionId: res.attributedTo,
  };
}

/**
 * A contact who unsubscribed from all email in HubSpot (`hs_email_optout` set to "true", by HubSpot's
 * own unsubscribe link or a person): their address is suppressed on email here too, whether or not
 * the harness ever touched them or imported them, so no agent emails them. Before, only the CRM
 * import's next run could see it (and it did not read the property). Opting back in lifts nothing: a
 * suppression is a person's to lift. A redelivery writes the same suppression again.
 */
export async function recordHubSpotOptOut(
  deps: Deps,
  event: HubSpotWebhookEvent,
  contacts: ContactEmails,
  personOf: (contactId: string) => Promise<string | undefined>,
): Promise<WorldOutcomeResult> {
  if (event.propertyValue?.trim().toLowerCase() !== "true")
    return { recorded: false, reason: `${EMAIL_OPT_OUT} is not "true": nothing is lifted` };
  const contactId = String(event.objectId);
  const [email, personId] = await Promise.all([contacts.emailOf(contactId), personOf(contactId)]);
  if (!email && !personId) return { recorded: false, reason: "the contact has no email address" };
  const at = new Date(deps.clock.now()).toISOString();
  const reason = optOutReason(contactId);
  if (email)
    await deps.kb.addSuppression({ kind: "email", value: email.toLowerCase(), channels: EMAIL, reason }, at);
  // The person the contact was imported as too: their address on file here may not be the one the
  // contact has now (a rep corrected it in HubSpot, or the harness kept its own newer record).
  if (personId)
    await deps.kb.addSuppression({ kind: "person", value: personId, channels: EMAIL, reason }, at);
  return {
    recorded: true,
    outcomeId: `hubspot:${idPart(contactId)}:email_optout`,
    type: "suppressed",
    duplicate: false,
    decisionId: null,
  };
}

/**
 * A contact deleted in HubSpot (`contact.deletion`, `contact.privacyDeletion`: a GDPR delete). The CRM
 * import never sees it (HubSpot's search leaves deleted records out), so without this the person
 * stayed in the knowledge base, open to outreach. The person the contact is linked to (`contactOf`,
 * the import's link) is suppressed on every channel at once, the reason naming the deletion; their
 * data is erased by an admin (the erasure route), since an erasure here would act on a webhook alone.
 * A redelivery writes the same suppression again. A contact merged into another (its link marked by
 * the merge) is passed over: its record went with the merge, and its person, where the remaining
 * contact carries them on, is still in HubSpot.
 */
export async function recordHubSpotDeletion(
  deps: Deps,
  event: HubSpotWebhookEvent,
  contactOf: (contactId: string) => Promise<{ personId?: string; mergedInto?: string }>,
): Promise<WorldOutcomeResult> {
  const contactId = String(event.objectId);
  const { personId, mergedInto } = await contactOf(contactId);
  if (mergedInto)
    return {
      recorded: false,
      reason: `contact ${contactId} was merged into contact ${mergedInto}: its person lives on there`,
    };
  if (!personId) return { recorded: false, reason: "not a person in the knowledge base" };
  // And every other record the knowledge base holds with their address (an agent's own record of the
  // same human): before, that one stayed open to outreach.
  const email = (await deps.kb.getPerson(personId))?.email;
  const people = new Set([personId, ...(email ? await deps.kb.peopleWithEmail(email) : [])]);
  const reason = `${HUBSPOT_DELETIONS[event.subscriptionType] ?? "deleted in HubSpot"} (contact ${contactId})`;
  const at = new Date(deps.clock.now()).toISOString();
  for (const value of people) await deps.kb.addSuppression({ kind: "person", value, reason }, at);
  return {
    recorded: true,
    outcomeId: `hubspot:${idPart(contactId)}:deleted`,
    type: "suppressed",
    duplicate: false,
    decisionId: null,
  };
}

/**
 * A company deleted in HubSpot (`company.deletion`). The CRM import never sees it (the search leaves
 * deleted records out), so its account stayed, open to outreach. The account the company is linked to
 * is suppressed on every channel, when the account is that company's: the import last wrote it from
 * this company. A duplicate's deletion leaves the account alone (it is another company's, found by
 * the same domain), and so does one of an account a person or an agent wrote last: it is said why.
 * Suppressions are never lifted here: a company restored in HubSpot stays suppressed until a person
 * decides. A redelivery writes the same suppression again.
 */
export async function recordHubSpotCompanyDeletion(
  deps: Deps,
  event: HubSpotWebhookEvent,
  accountOf: (companyId: string) => Promise<string | undefined>,
): Promise<WorldOutcomeResult> {
  const companyId = String(event.objectId);
  const accountId = await accountOf(companyId);
  if (!accountId) return { recorded: false, reason: "not an account in the knowledge base" };
  const source = (await deps.kb.getAccount(accountId))?.source;
  if (source?.objectType !== "companies" || source.id !== companyId)
    return {
      recorded: false,
      reason: `account ${accountId} is not company ${companyId}'s: ${
        source
          ? `${source.system} ${source.objectType} ${source.id} wrote it last`
          : "a person or an agent wrote it last"
      }`,
    };
  await deps.kb.addSuppression(
    { kind: "account", value: accountId, reason: `deleted in HubSpot (company ${companyId})` },
    new Date(deps.clock.now()).toISOString(),
  );
  return {
    recorded: true,
    outcomeId: `hubspot:company-${idPart(companyId)}:deleted`,
    type: "suppressed",
    duplicate: false,
    decisionId: null,
  };
}

export interface PollDeps {
  changes: OutcomeChanges;
  checkpoints: {
    get(name: string): Promise<number | undefined>;
    advance(name: string, at: number): Promise<void>;
  };
  /** For a contact the search returned without an email. */
  contacts: ContactEmails;
  /** The person a contact was imported as (the CRM import's link), found before any by address. */
  personOf?: (contactId: string) => Promise<string | undefined>;
}

const POLL = "hubspot-outcomes:v2";
/** The checkpoint before it was what was surely read: read once after an upgrade, less the overlap. */
const LEGACY_POLL = "hubspot-outcomes";
/** The first poll looks back this far. */
const FIRST_LOOKBACK_MS = 86_400_000;
/** How far behind a query HubSpot's search index may be: the checkpoint stays this far back (ids make a re-read harmless). */
const OVERLAP_MS = 5 * 60_000;

/**
 * The webhook's fallback, on a schedule: every contact HubSpot wrote since the checkpoint holding a
 * reply or meeting time, recorded as the webhook would (same ids: what the webhook already recorded
 * counts once). By the time HubSpot wrote the contact, not the time the property holds, so a reply
 * logged late is still seen. Each page is a new query from the last page's last write (as the CRM
 * import pages: a position would skip a contact written meanwhile) and moves the checkpoint once its
 * changes are recorded, so a run cut short keeps what it did; at most `maxPages` pages a run, the
 * rest is the next run's. A failure leaves the checkpoint at the last page done.
 */
export async function pollHubSpotOutcomes(deps: Deps, p: PollDeps, maxPages = 5) {
  const now = deps.clock.now();
  const saved = await savedCheckpoint(p.checkpoints, POLL, LEGACY_POLL, OVERLAP_MS);
  // The checkpoint is what was surely read (safeCheckpoint): HubSpot's search indexes a write a little
  // after it is made, so it stays OVERLAP_MS behind each query. Subtracting the overlap from it here
  // instead made a run that stopped after its pages inside a burst read the same pages every run.
  const start = saved ?? now - FIRST_LOOKBACK_MS;
  let since = start;
  let after: string | undefined;
  let changes = 0;
  let recorded = 0;
  let caughtUp = false;
  for (let pages = 0; pages < maxPages; pages++) {
    const page = await p.changes.modifiedSince(since, after);
    const contacts: ContactEmails = {
      emailOf: async (id) => page.emails.get(id) ?? p.contacts.emailOf(id),
    };
    for (const e of page.events) {
      const r = await recordHubSpotEvent(deps, e, contacts, p.personOf);
      changes++;
      if (r.recorded && !r.duplicate) recorded++;
    }
    if (!page.after || page.lastModified === undefined) {
      caughtUp = true;
      break;
    }
    if (page.lastModified > since) {
      since = page.lastModified;
      after = undefined;
      await p.checkpoints.advance(POLL, safeCheckpoint(since, now, OVERLAP_MS));
    } else after = page.after; // A page all written in one millisecond: only a position gets past it.
  }
  // A run that spent all its pages inside one millisecond's writes (a bulk update) from its start:
  // the checkpoint moves just past it, or a tie longer than a run can read would hold it there for
  // good. Only a tie longer than a run's pages is cut short (reported), as the CRM import reports one
  // longer than its search's window. One met later in the run is the next run's to read from its
  // start, with all its pages: before, it was jumped past too, and what its last page left unread was
  // lost.
  const stuck = !caughtUp && after !== undefined && since === start;
  if (stuck) await p.checkpoints.advance(POLL, safeCheckpoint(since + 1, now, OVERLAP_MS));
  // Caught up: everything written up to the overlap before this run was read.
  if (caughtUp) await p.checkpoints.advance(POLL, now - OVERLAP_MS);
  return {
    since: new Date(start).toISOString(),
    changes,
    recorded,
    caughtUp,
    ...(stuck ? { stoppedInBulkWrite: new Date(since).toISOString() } : {}),
  };
}
