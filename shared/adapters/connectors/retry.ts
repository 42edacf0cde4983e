/**
 * Retries for connector calls. A 429, or a 503 where it is known to mean so (turnedAwayBy), is an
 * answer that says the vendor did not do it, so any call is retried with backoff. A call with no answer (a timeout, a dropped connection), or a 500,
 * 502 or 504 (a gateway that gave up on a backend which may have carried on, a server that failed
 * part way), may have been carried out: it is sent again only when the vendor applies it once however
 * often it arrives (an upsert on a unique key, a set-membership add); a send (an email, a message) is
 * not, its outcome is unknown at once and the decision goes to in_doubt for a human (never silently
 * re-sent). A Retry-After longer than the policy's longest wait is not waited for: the call stops
 * there, refused (nothing was done), rather than outliving its function. What is still failing after
 * the retries is a ConnectorError: refused (4xx, or turned away throughout: nothing happened) or
 * outcome unknown (it may have happened, including a refusal after an earlier attempt that may have).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { causedBy } from "../../domain/errors.ts";
import { withoutAddresses } from "../../domain/vendor-text.ts";
import { ConnectorError, type ConnectorRequest } from "../../ports.ts";

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
}

export const defaultRetryPolicy: RetryPolicy = {
  attempts: 4,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
};

/** An HTTP failure with the status the connector saw (and a Retry-After, when the API sent one). */
export class HttpStatusError extends Error {
  override readonly name = "HttpStatusError";
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/**
 * The HTTP status a failed call carries: ours, the HubSpot SDK's `code`, or the AWS SDK's metadata.
 * A success status is no refusal: the vendor answered yes and the answer was lost on the way in (a
 * body cut short by the call's deadline, one that would not parse). The AWS SDK reports such a
 * failure with the 2xx it read (its Deserialization error since @smithy/core 3.41.1; before, the
 * abort carried no status), so it is read as a call with no answer: its outcome unknown for a send,
 * never "refused" with a reservation given back for something that went out.
 */
export const statusOf = (err: unknown): number | undefined => {
  const status = rawStatusOf(err);
  return status !== undefined && status >= 200 && status < 300 ? undefined : status;
};
const rawStatusOf = (err: unknown): number | undefined => {
  if (err instanceof HttpStatusError) return err.status;
  const e = err as { code?: unknown; $metadata?: { httpStatusCode?: number } };
  if (typeof e?.code === "number") return e.code;
  return e?.$metadata?.httpStatusCode;
};

export interface CallOptions {
  /** The vendor applies this call once however often it arrives, so it may be sent again after no answer. */
  replaySafe: boolean;
  /**
   * The call changes nothing (a lookup, a batch read): however it failed, nothing was done, so failing
   * throughout it hands the action back to be tried later rather than leaving it in doubt.
   */
  readOnly?: boolean;
}

/**
 * The code of a failure before a request was made that may pass: the credentials it needed could not
 * be read for now (Secrets Manager throttled, timed out, or answered 5xx). Nothing left this process.
 */
export const CREDENTIALS_UNREADABLE = "EHARNESS_CREDENTIALS_UNREADABLE";

/**
 * Failures of connecting at all: the request never reached the vendor, so sending it again is safe.
 * With them, credentials unreadable in passing: before, a throttled secret read as a cold executor's
 * first MCP call connected failed the approved action instead of handing it back.
 */
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  CREDENTIALS_UNREADABLE,
]);
export const neverSent = (err: unknown): boolean => causedBy(err, NOT_SENT);

/** The time left to the action being executed (ConnectorRequest.timeLeft), and how long one call may take. */
interface ActionTime {
  timeLeft: () => number;
  callMs: number;
}

/**
 * Why a request-scoped store and not a parameter: the calls of one action are made by many helpers of
 * a connector (HubSpot's upserts, associations and list changes; LinkedIn's segment lookups), and the
 * time left belongs to the action as a whole, as an AbortSignal would. One connector serves
 * concurrent actions locally, so it cannot be a field of the connector.
 */
const actionTime = new AsyncLocalStorage<ActionTime>();

/**
 * Run a connector's action so that each of its calls starts only if it can end within the time the
 * executor has left (`req.timeLeft`; none locally): a call that would be cut off by the function's
 * timeout is not started (see withRetries).
 */
export function withinTimeLeft<T>(
  req: ConnectorRequest,
  callMs: number,
  action: () => Promise<T>,
): Promise<T> {
  const timeLeft = req.timeLeft;
  return timeLeft ? actionTime.run({ timeLeft, callMs }, action) : action();
}

/** The time left, when it is less than a wait of `waitMs` and one call need. */
const shortOfTime = (waitMs: number): number | undefined => {
  const t = actionTime.getStore();
  if (!t) return undefined;
  const left = t.timeLeft();
  return left < waitMs + t.callMs ? left : undefined;
};

/**
 * Not started for want of time: the executor would be stopped mid-call by its timeout, and the
 * reconciler would find an attempt with no result, in doubt for a person to check. Stopped before
 * the call instead, nothing of it was done: turned away, to be tried again (handBack), as after a 429;
 * an earlier attempt of this call that may have been carried out leaves it unknown, as ever.
 */
const outOfTime = (what: string, left: number, mayHaveHappened: boolean, cause?: unknown, hinted?: number) =>
  new ConnectorError(
    `${what}: not started, ${Math.max(0, Math.floor(left / 1000))} s left of the executor's time, less than the call may take`,
    mayHaveHappened,
    { ...(cause ? { cause } : {}), ...(mayHaveHappened ? {} : { retryAfterMs: hinted ?? 0 }) },
  );

/**
 * For a call made outside withRetries (a downstream MCP server's, through its SDK client): throws,
 * nothing started, when the time left is less than `calls` calls may take (a connection first is one).
 */
export function startIfTimeFor(what: string, calls = 1): void {
  const t = actionTime.getStore();
  if (!t) return;
  const left = t.timeLeft();
  if (left < calls * t.callMs) throw outOfTime(what, left, false);
}

/**
 * What the vendor said, as the decision records it: its addresses out (a refusal may name the
 * recipient) and at most 500 characters (HubSpot's errors, cut to 300 already, pass whole). A proxy's
 * HTML error page was recorded whole, and a body near DynamoDB's 400 KB item limit would stop the
 * decision's record being written at all.
 */
const said = (err: unknown) => withoutAddresses(String((err as Error)?.message ?? err), 500);

export async function withRetries<T>(
  what: string,
  call: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: CallOptions,
): Promise<T> {
  let last: unknown;
  // An earlier attempt with no answer, or a 500/502/504, may have been carried out: a refusal after it
  // does not mean nothing was done.
  let mayHaveHappened = false;
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    const left = shortOfTime(0);
    if (left !== undefined) throw outOfTime(what, left, mayHaveHappened, last);
    try {
      return await call(attempt);
    } catch (err) {
      last = err;
      const status = statusOf(err);
      if (status === undefined && !options.replaySafe && !neverSent(err))
        throw new ConnectorError(
          `${what}: no answer (${said(err)}); not sent again, it may have been done`,
          true,
          { cause: err },
        );
      const hinted = hintOf(err);
      const turnedAway = turnedAwayBy(status, err, hinted, options);
      if (status !== undefined && status >= 500 && !turnedAway && !options.replaySafe)
        throw new ConnectorError(
          `${what}: status ${status} (${said(err)}); not sent again, it may have been done`,
          true,
          { cause: err },
        );
      const retryable = status === undefined || turnedAway || status >= 500;
      if (!retryable)
        throw new ConnectorError(`${what} refused: ${status} ${said(err)}`, mayHaveHappened, {
          cause: err,
        });
      if (!turnedAway && !neverSent(err) && !options.readOnly) mayHaveHappened = true;
      if (attempt === policy.attempts) break;
      if (hinted !== undefined && hinted > policy.maxDelayMs && turnedAway)
        throw new ConnectorError(
          `${what}: turned away (${status}) for ${Math.ceil(hinted / 1000)} s, longer than a call may wait (${policy.maxDelayMs / 1000} s)`,
          mayHaveHappened,
          { cause: err, ...(mayHaveHappened ? {} : { retryAfterMs: hinted }) },
        );
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const wait = Math.min(hinted ?? backoff, policy.maxDelayMs);
      // Not waited for when the call after the wait could not end in time: stopped now instead.
      const short = shortOfTime(wait);
      if (short !== undefined) throw outOfTime(what, short, mayHaveHappened, err, hinted);
      await policy.sleep(wait);
    }
  }
  const status = statusOf(last);
  // Turned away on every attempt: the API said no each time, or was never reached (a DNS outage, a
  // refused connection), so nothing was done: handed back to try later, not left in doubt. So is a
  // read that failed every time (a 500, no answer): before, a LinkedIn segment lookup answered 500
  // four times left the audience add in doubt for a person to check, though nothing had been written.
  const turnedAway = status === 429 || status === 503 || throttled(last);
  if (!mayHaveHappened && (turnedAway || neverSent(last) || options.readOnly))
    throw new ConnectorError(
      `${what}: ${
        turnedAway
          ? `still turned away (${status})`
          : neverSent(last)
            ? `not reached (${said(last)})`
            : `${status ? `status ${status}` : `no answer (${said(last)})`} on every attempt of a read`
      } after ${policy.attempts} attempts`,
      false,
      {
        cause: last,
        retryAfterMs: hintOf(last) ?? policy.maxDelayMs,
      },
    );
  throw new ConnectorError(
    `${what}: ${status ? `status ${status}` : said(last)} after ${policy.attempts} attempts`,
    true,
    { cause: last },
  );
}

/** The vendor said the thing a call named is not there (a 404 refusal). */
const notFound = (err: unknown): boolean =>
  err instanceof ConnectorError && !err.outcomeUnknown && statusOf(err.cause) === 404;

/**
 * `use` of an id a connector found (a LinkedIn segment, a HubSpot list); when it was one the connector
 * kept (`kept`) and the vendor says it is not there (notFound), found or made again (`findAgain`, which
 * forgets the kept one) and used once more. Before, a warm container kept a deleted id as long as its
 * token lived, and every action on it was refused 404.
 */
export async function againIfGone<T>(
  id: string,
  kept: boolean,
  findAgain: () => Promise<string>,
  use: (id: string) => Promise<T>,
): Promise<{ id: string; result: T }> {
  try {
    return { id, result: await use(id) };
  } catch (err) {
    if (!kept || !notFound(err)) throw err;
    const again = await findAgain();
    return { id: again, result: await use(again) };
  }
}

/**
 * The wait the vendor asked for: ours (HttpStatusError) or HubSpot's (hubspot-area.ts HubSpotApiError,
 * known by its name so that connectors without HubSpot do not carry its module).
 */
const hintOf = (err: unknown): number | undefined => {
  if (!(err instanceof HttpStatusError || (err instanceof Error && err.name === "HubSpotApiError")))
    return undefined;
  const ms = (err as { retryAfterMs?: unknown }).retryAfterMs;
  return typeof ms === "number" && Number.isFinite(ms) ? ms : undefined;
};

/**
 * An AWS service's throttle by its error's name, whatever its status: AWS's common ThrottlingException
 * is a 400 (SES v2's API reference, "Common errors"), and SES's "Maximum sending rate exceeded" was
 * a 400 Throttling before its v2 API. Read by status alone, such an email was refused for good, its
 * reservation given back, instead of tried again later.
 */
const AWS_THROTTLES = new Set(["ThrottlingException", "Throttling", "TooManyRequestsException"]);
const throttled = (err: unknown): boolean => fromAws(err) && AWS_THROTTLES.has((err as Error).name);

/** An AWS SDK client's error (it carries the SDK's `$metadata`). */
const fromAws = (err: unknown): boolean => typeof (err as { $metadata?: unknown })?.$metadata === "object";

/**
 * Whether an answer says the call was not carried out: a 429, or a 503 where it is known to mean so
 * (any replay-safe call; an AWS service's ServiceUnavailable; a send's 503 with a Retry-After). A
 * send's bare 503 is not: some hosts answer 503 for a request their app already carried out (a
 * router's timeout), so it is an unknown outcome.
 */
function turnedAwayBy(
  status: number | undefined,
  err: unknown,
  hinted: number | undefined,
  options: CallOptions,
): boolean {
  if (status === 429 || throttled(err)) return true;
  if (status !== 503) return false;
  return options.replaySafe || fromAws(err) || hinted !== undefined;
}

/** No answer in time: the call may still have been carried out, so its outcome is unknown. */
export class CallTimeoutError extends Error {
  override readonly name = "CallTimeoutError";
}

/** For clients without a timeout option of their own (the HubSpot SDK): stop waiting after `ms`. */
export function withTimeout<T>(call: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CallTimeoutError(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([call, timeout]).finally(() => clearTimeout(timer));
}

export const retryAfterMs = (header: string | null): number | undefined => {
  if (!header) return undefined;
  const s = Number(header);
  return Number.isFinite(s) ? s * 1000 : undefined;
};
