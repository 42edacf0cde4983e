/**
 * HubSpot webhooks: the v3 request signature and the events the harness reads.
 *
 * X-HubSpot-Signature-v3 is base64(HMAC-SHA256(client secret, method + URI + body + timestamp)), the
 * URI being the full URL HubSpot called with a documented set of percent-encodings decoded, and
 * X-HubSpot-Request-Timestamp in epoch milliseconds; requests older than five minutes are refused,
 * so a captured request cannot be replayed later.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import * as z from "../../domain/zod-mini.ts";

export const MAX_SIGNATURE_AGE_MS = 5 * 60_000;

/** The encodings HubSpot decodes before signing (its v3 validation guide). */
const DECODED: Record<string, string> = {
  "%3A": ":",
  "%2F": "/",
  "%3F": "?",
  "%40": "@",
  "%21": "!",
  "%24": "$",
  "%27": "'",
  "%28": "(",
  "%29": ")",
  "%2A": "*",
  "%2C": ",",
  "%3B": ";",
};
export const canonicalUri = (uri: string) =>
  uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => DECODED[m.toUpperCase()] ?? m);

export interface SignedRequest {
  method: string;
  /** The full URL HubSpot called: https://host/path?query */
  uri: string;
  body: string;
  signature: string | undefined;
  timestamp: string | undefined;
}

export function signV3(clientSecret: string, r: Omit<SignedRequest, "signature">): string {
  return createHmac("sha256", clientSecret)
    .update(`${r.method.toUpperCase()}${canonicalUri(r.uri)}${r.body}${r.timestamp ?? ""}`, "utf8")
    .digest("base64");
}

export const SIGNATURE_MISMATCH = "signature mismatch";

/** Why a request is not HubSpot's, or undefined when its signature holds and it is recent. */
export function signatureProblem(clientSecret: string, r: SignedRequest, now: number): string | undefined {
  const unsigned = headerProblem(r, now);
  if (unsigned) return unsigned;
  const expected = Buffer.from(signV3(clientSecret, r), "utf8");
  const given = Buffer.from(r.signature ?? "", "utf8");
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return SIGNATURE_MISMATCH;
  return undefined;
}

/**
 * What is wrong with a request's signature headers, read without the client secret: a request that
 * fails here is refused before the secret is read (anyone can send one).
 */
export function headerProblem(
  r: Pick<SignedRequest, "signature" | "timestamp">,
  now: number,
): string | undefined {
  if (!r.signature || !r.timestamp) return "missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp";
  const ts = Number(r.timestamp);
  if (!Number.isFinite(ts)) return "X-HubSpot-Request-Timestamp is not a number";
  if (Math.abs(now - ts) > MAX_SIGNATURE_AGE_MS) return "the request timestamp is more than 5 minutes away";
  return undefined;
}

/** One webhook event (HubSpot sends a JSON array of up to 100). */
export const HubSpotWebhookEvent = z.looseObject({
  eventId: z.union([z.number(), z.string()]),
  subscriptionType: z.string(),
  portalId: z.union([z.number(), z.string()]),
  objectId: z.union([z.number(), z.string()]),
  occurredAt: z.number(),
  propertyName: z.optional(z.string()),
  propertyValue: z.optional(z.string()),
  /** The generic format's object type ("0-1" contacts, "0-2" companies): legacyForm. */
  objectTypeId: z.optional(z.string()),
});
export type HubSpotWebhookEvent = z.infer<typeof HubSpotWebhookEvent>;

/** The objects of the generic format's `objectTypeId` the harness reads, by their legacy names. */
const LEGACY_OBJECTS: Readonly<Record<string, string>> = { "0-1": "contact", "0-2": "company" };

/**
 * An event in HubSpot's generic format (`object.propertyChange` with `objectTypeId` "0-1"), which an
 * app on its current developer platform receives for subscriptions under `crmObjects`, read as its
 * legacy form (`contact.propertyChange`), which the rest of the harness reads: the other fields are
 * the same. Before, such events were answered 200 and dropped, and HubSpot never sends an event
 * again once answered: opt-outs, deletions and merges were lost for good (the poll recovers only
 * replies and meetings).
 */
export function legacyForm(e: HubSpotWebhookEvent): HubSpotWebhookEvent {
  const action = /^object\.(.+)$/.exec(e.subscriptionType)?.[1];
  const type = e.objectTypeId;
  if (!action || type === undefined || !Object.hasOwn(LEGACY_OBJECTS, type)) return e;
  return { ...e, subscriptionType: `${LEGACY_OBJECTS[type]}.${action}` };
}
/** The batch: its events are read one by one (HubSpotWebhookEvent), each that fits recorded. */
export const HubSpotWebhookBody = z.array(z.unknown()).check(z.maxLength(1000));

/**
 * Contact properties whose change means the contact answered: HubSpot sets them when a tracked sales
 * email gets a reply and when a meeting is booked through its meetings tool.
 */
export const OUTCOME_PROPERTIES = {
  hs_sales_email_last_replied: "replied",
  engagements_last_meeting_booked: "meeting_booked",
} as const;

/** HubSpot's deletion events, and what the suppression says of each. */
export const HUBSPOT_DELETIONS: Record<string, string> = {
  "contact.deletion": "deleted in HubSpot",
  "contact.privacyDeletion":
    "deleted in HubSpot on a privacy request: erase their data here too (POST /v1/people/{id}/erase)",
};

/** The contact property HubSpot sets to "true" when the contact unsubscribed from all its email. */
export const EMAIL_OPT_OUT = "hs_email_optout";

/**
 * What an event is to the harness: a contact's deletion, a merge, an email opt-out, or a reply or
 * meeting time, or a company's deletion; undefined for any other event an app's subscriptions send
 * (any other property change, deals, other company events). The webhook queues only the kinds
 * (hubspot-webhook.ts); its worker records each by its kind (hubspot-webhook-events.ts).
 */
export function webhookEventKind(
  e: HubSpotWebhookEvent,
): "deletion" | "merge" | "optOut" | "outcome" | "companyDeletion" | undefined {
  if (Object.hasOwn(HUBSPOT_DELETIONS, e.subscriptionType)) return "deletion";
  if (e.subscriptionType === "company.deletion") return "companyDeletion";
  if (e.subscriptionType === "contact.merge") return "merge";
  if (e.subscriptionType !== "contact.propertyChange" || e.propertyName === undefined) return undefined;
  if (e.propertyName === EMAIL_OPT_OUT) return "optOut";
  return Object.hasOwn(OUTCOME_PROPERTIES, e.propertyName) ? "outcome" : undefined;
}

/** The webhook names contacts by id only: their email, read through the CRM. */
export interface ContactEmails {
  emailOf(contactId: string): Promise<string | undefined>;
}
