/**
 * LinkedIn through its REST APIs with fetch (there is no official Node SDK):
 * - linkedin.audience.add → Matched Audiences: the DMP segment for the audience is found (finder
 *   q=account) or created, then the member is streamed in with POST /rest/dmpSegments/{id}/users
 *   (X-RestLi-Method: BATCH_CREATE, action ADD, SHA256_EMAIL). ADD is set membership: a retry
 *   cannot add anyone twice.
 * - linkedin.message → LinkedIn has no open member-messaging API; messages go to the configured
 *   sending tool's webhook (Sales Navigator partner, HeyReach, ...) with the idempotency key.
 */
import { createHash } from "node:crypto";
import { AudienceAddPayload, LinkedInMessagePayload } from "../../agents/records.ts";
import { type Connector, ConnectorError, type ConnectorRequest, type ConnectorResult } from "../../ports.ts";
import { LINKEDIN_VERSION } from "../../runtime/connector-schemas.ts";
import {
  againIfGone,
  defaultRetryPolicy,
  HttpStatusError,
  type RetryPolicy,
  retryAfterMs,
  startIfTimeFor,
  statusOf,
  withinTimeLeft,
  withRetries,
} from "./retry.ts";

export interface LinkedInOptions {
  accessToken: string;
  /** urn:li:sponsoredAccount:... */
  adAccountUrn: string;
  /** Default https://api.linkedin.com */
  baseUrl?: string;
  /** LinkedIn-Version header (YYYYMM). Default LINKEDIN_VERSION; LinkedIn retires each after about a year. */
  version?: string;
  /**
   * A new segment's `sourcePlatform`: the value LinkedIn gives a partner of its Audiences program.
   * Default LIST_UPLOAD.
   */
  sourcePlatform?: string;
  /** How to wait the 5 s LinkedIn asks between creating a segment and adding to it (tests pass their own). */
  sleep?: (ms: number) => Promise<void>;
  messageWebhookUrl?: string;
  /** How long one call may take before its outcome counts as unknown. Default 10 s. */
  timeoutMs?: number;
  retry?: RetryPolicy;
  fetch?: typeof fetch;
}

/** LinkedIn asks for 5 s between creating a DMP segment and adding members, or they may be lost. */
export const SEGMENT_READY_MS = 5_000;

export const sha256Email = (email: string) =>
  createHash("sha256").update(email.trim().toLowerCase()).digest("hex");

/**
 * The wire request for adding one member to a DMP segment (also what the sandbox records). A user
 * element's company is `company` (`companyName` is the companies endpoint's field); empty names are
 * left out rather than sent as "".
 */
export function dmpUsersRequest(payload: AudienceAddPayload) {
  const given = (v: string) => (v.trim() ? v.trim() : undefined);
  const firstName = given(payload.firstName);
  const lastName = given(payload.lastName);
  const company = given(payload.companyName);
  return {
    elements: [
      {
        action: "ADD",
        userIds: [{ idType: "SHA256_EMAIL", idValue: sha256Email(payload.email) }],
        ...(firstName ? { firstName } : {}),
        ...(lastName ? { lastName } : {}),
        ...(company ? { company } : {}),
      },
    ],
  };
}

export class LinkedInConnector implements Connector {
  private readonly segments = new Map<string, string>();
  private readonly base: string;
  private readonly fetch: typeof fetch;
  private readonly retry: RetryPolicy;

  constructor(private readonly o: LinkedInOptions) {
    this.base = (o.baseUrl ?? "https://api.linkedin.com").replace(/\/$/, "");
    this.fetch = o.fetch ?? fetch;
    this.retry = o.retry ?? defaultRetryPolicy;
  }

  execute(req: ConnectorRequest): Promise<ConnectorResult> {
    // Each call starts only if it can end in time (a new segment's 5 s wait is before its next call).
    return withinTimeLeft(req, this.o.timeoutMs ?? 10_000, async () => {
      if (req.decision.actionType === "linkedin.audience.add") return this.addToAudience(req);
      if (req.decision.actionType === "linkedin.message") return this.message(req);
      throw new ConnectorError(`the LinkedIn connector cannot ${req.decision.actionType}`, false);
    });
  }

  private headers(key: string, extra: Record<string, string> = {}) {
    return {
      authorization: `Bearer ${this.o.accessToken}`,
      "linkedin-version": this.o.version ?? LINKEDIN_VERSION,
      "x-restli-protocol-version": "2.0.0",
      "content-type": "application/json",
      "x-harness-idempotency-key": key,
      ...extra,
    };
  }

  /** `replaySafe`: the call may be sent again after no answer (a lookup, a set-membership ADD). */
  private async call(what: string, url: string, init: RequestInit, replaySafe: boolean): Promise<Response> {
    return withRetries(
      what,
      async () => {
        let res: Response;
        try {
          res = await this.fetch(url, { ...init, signal: AbortSignal.timeout(this.o.timeoutMs ?? 10_000) });
        } catch (err) {
          throw new Error(`network error: ${(err as Error).message}`, { cause: err });
        }
        // A retired version is refused for every call to LinkedIn: say which setting fixes it (the
        // message webhook is the sending tool's, which reads no LinkedIn-Version).
        if (res.status === 426 && url !== this.o.messageWebhookUrl)
          throw new HttpStatusError(
            426,
            `LinkedIn no longer serves API version ${this.o.version ?? LINKEDIN_VERSION}; set connectors.linkedin.version to a current YYYYMM`,
          );
        if (!res.ok)
          throw new HttpStatusError(
            res.status,
            await res.text().catch(() => ""),
            retryAfterMs(res.headers.get("retry-after")),
          );
        return res;
      },
      this.retry,
      // A GET changes nothing: failing throughout, it did nothing (retry.ts readOnly).
      { replaySafe, readOnly: (init.method ?? "GET") === "GET" },
    );
  }

  private async segmentId(audienceId: string, key: string): Promise<string> {
    const cached = this.segments.get(audienceId);
    if (cached) return cached;
    let id = await this.findSegment(audienceId, key);
    if (id === undefined) {
      // The create, LinkedIn's 5 s before adding (counted as a call's time), the look again and the
      // add: without the time for them all, no segment is made that this run would leave unused.
      startIfTimeFor("LinkedIn create DMP segment", 4);
      // Not repeated after no answer: a second create makes a second segment of the same name.
      const created = await this.call(
        "LinkedIn create DMP segment",
        `${this.base}/rest/dmpSegments`,
        {
          method: "POST",
          headers: this.headers(key),
          body: JSON.stringify({
            name: audienceId,
            sourcePlatform: this.o.sourcePlatform ?? "LIST_UPLOAD",
            account: this.o.adAccountUrn,
            accessPolicy: "PRIVATE",
            type: "USER",
            destinations: [{ destination: "LINKEDIN" }],
          }),
        },
        false,
      );
      id =
        created.headers.get("x-restli-id") ??
        ((await created.json().catch(() => ({}))) as { id?: string }).id;
      if (id === undefined) throw new ConnectorError("LinkedIn created the segment but returned no id", true);
      // Members streamed into a segment younger than 5 s may not be added (LinkedIn's DMP users guide).
      await (this.o.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(SEGMENT_READY_MS);
      // Executors that found no segment at the same moment each created one of this name (cold
      // containers of a burst of adds to a new audience): all of them add to the oldest, so its
      // members are not split across copies. The younger copies stay empty.
      id = (await this.findSegment(audienceId, key)) ?? String(id);
    }
    this.segments.set(audienceId, String(id));
    return String(id);
  }

  /** The audience's segment: the oldest (lowest id) of those of its name, as every executor picks it. */
  private async findSegment(audienceId: string, key: string): Promise<string | undefined> {
    // Page after page (LinkedIn pages the finder, 10 by default): an ad account with other segments
    // had this one past the first page, and every cold executor created another of its name.
    const ids: string[] = [];
    for (let start = 0; start < 5000; start += 100) {
      const found = await this.call(
        "LinkedIn find DMP segments",
        `${this.base}/rest/dmpSegments?q=account&account=${encodeURIComponent(this.o.adAccountUrn)}&start=${start}&count=100`,
        { method: "GET", headers: this.headers(key) },
        true,
      );
      const page =
        ((await found.json()) as { elements?: { id: number | string; name: string }[] }).elements ?? [];
      for (const s of page) if (s.name === audienceId) ids.push(String(s.id));
      if (page.length < 100) break;
    }
    // Ids are numbers, some past 2^53: compared as digit strings, shorter first.
    return ids.sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0))[0];
  }

  private async addToAudience(req: ConnectorRequest): Promise<ConnectorResult> {
    const p = AudienceAddPayload.safeParse(req.payload);
    if (!p.success) throw new ConnectorError(`bad linkedin.audience.add payload: ${p.error.message}`, false);
    const kept = this.segments.has(p.data.audienceId);
    const found = await this.segmentId(p.data.audienceId, req.idempotencyKey);
    const addTo = (id: string) =>
      this.call(
        "LinkedIn add segment users",
        `${this.base}/rest/dmpSegments/${id}/users`,
        {
          method: "POST",
          headers: this.headers(req.idempotencyKey, { "x-restli-method": "BATCH_CREATE" }),
          body: JSON.stringify(dmpUsersRequest(p.data)),
        },
        true,
      );
    // The segment this container kept may have been deleted since (in Campaign Manager).
    const { id: segment, result: res } = await againIfGone(
      found,
      kept,
      () => {
        this.segments.delete(p.data.audienceId);
        return this.segmentId(p.data.audienceId, req.idempotencyKey);
      },
      addTo,
    );
    const body = (await res.json().catch(() => ({}))) as { elements?: { status: number }[] };
    const status = body.elements?.[0]?.status;
    if (status !== undefined && status >= 400)
      throw new ConnectorError(`LinkedIn rejected the member: status ${status}`, false);
    return { externalId: `linkedin:dmpSegment:${segment}:${sha256Email(p.data.email).slice(0, 16)}` };
  }

  private async message(req: ConnectorRequest): Promise<ConnectorResult> {
    const p = LinkedInMessagePayload.safeParse(req.payload);
    if (!p.success) throw new ConnectorError(`bad linkedin.message payload: ${p.error.message}`, false);
    if (!this.o.messageWebhookUrl)
      throw new ConnectorError(
        "linkedin.message needs messageWebhookUrl (LinkedIn has no open messaging API)",
        false,
      );
    // Whether the sending tool drops a repeated idempotency key is up to the tool: never repeat a message.
    const res = await this.call(
      "LinkedIn message webhook",
      this.o.messageWebhookUrl,
      {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": req.idempotencyKey },
        body: JSON.stringify({
          idempotencyKey: req.idempotencyKey,
          recipient: p.data.linkedinUrl,
          body: p.data.body,
        }),
      },
      false,
    ).catch((err: unknown) => {
      // The webhook is the sending tool's and carries no LinkedIn token: its 401 says nothing of that
      // token, so it is not passed on as one (the executors read the secret again on a vendor's 401).
      if (err instanceof ConnectorError && statusOf(err.cause) === 401)
        throw new ConnectorError(`${err.message} (the message webhook's own refusal)`, err.outcomeUnknown);
      throw err;
    });
    const body = (await res.json().catch(() => ({}))) as { id?: string };
    return { externalId: `linkedin:message:${body.id ?? req.idempotencyKey}` };
  }
}
