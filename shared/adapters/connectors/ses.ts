/**
 * email.send through Amazon SES v2 SendEmail. SES has no idempotency key of its own: the decision's
 * key travels as a message header (X-Harness-Idempotency-Key) and an email tag, so a downstream
 * duplicate is recognisable, and the lifecycle's in_doubt state stops an unknown outcome from being
 * re-sent. Throttling (429) and SES's ServiceUnavailable (503) are retried by our policy (the SDK's own
 * retries are off); any other 5xx may come after the email went out, so it is an unknown outcome.
 */

import { SESv2Client, SendEmailCommand, type SendEmailCommandInput } from "@aws-sdk/client-sesv2";
import { EmailPayload } from "../../agents/records.ts";
import { LINK } from "../../domain/links.ts";
import { type Connector, ConnectorError, type ConnectorRequest, type ConnectorResult } from "../../ports.ts";
import { awsClientConfig } from "../aws/client-config.ts";
import { defaultRetryPolicy, type RetryPolicy, withinTimeLeft, withRetries } from "./retry.ts";
import { SES_TAGS } from "./ses-tags.ts";

export interface SesOptions {
  from: string;
  configurationSetName?: string;
  /** An HTML part beside the text (htmlOf), so SES can track opens and clicks. Default: text only. */
  html?: boolean;
  /** SES subscription management (connector-schemas.ts SesSettings): SES adds the unsubscribe headers. */
  listManagement?: { contactListName: string; topicName?: string };
  region?: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** How long one SendEmail may take before its outcome counts as unknown. Default: the SDK's (none). */
  timeoutMs?: number;
  retry?: RetryPolicy;
}

/** SES tag values allow only letters, digits, _ and -. */
const tagValue = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 256);

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

const escaped = (t: string) => t.replace(/[&<>"']/g, (c) => ESCAPES[c] as string);

/** A paragraph with its links live: the gate's links (domain/links.ts), less a sentence's last stop. */
function linked(p: string): string {
  let out = "";
  let at = 0;
  for (const m of p.matchAll(LINK)) {
    const url = m[0].replace(/[.,;:!?]+$/, "");
    out += `${escaped(p.slice(at, m.index))}<a href="${escaped(url)}">${escaped(url)}</a>`;
    at = m.index + url.length;
  }
  return out + escaped(p.slice(at));
}

/**
 * The text as HTML, saying nothing more: escaped, its paragraphs and line breaks kept, its links live
 * (so SES can rewrite them to track clicks; its open pixel needs an HTML part at all).
 */
export const htmlOf = (text: string) =>
  `<html><body>${text
    .split(/\n{2,}/)
    .map((p) => `<p>${linked(p).replace(/\n/g, "<br>")}</p>`)
    .join("")}</body></html>`;

/** The SendEmail request for a decision (also what the sandbox records). */
export function sendEmailInput(
  payload: EmailPayload,
  key: string,
  o: Pick<SesOptions, "from" | "configurationSetName" | "html" | "listManagement">,
  /** Tagged so SES's events (bounce, complaint, open) find their decision (functions/outcomes/ses-events.ts). */
  decisionId?: string,
): SendEmailCommandInput {
  return {
    FromEmailAddress: o.from,
    Destination: { ToAddresses: [payload.to] },
    Content: {
      Simple: {
        Subject: { Data: payload.subject, Charset: "UTF-8" },
        Body: {
          Text: { Data: payload.body, Charset: "UTF-8" },
          ...(o.html ? { Html: { Data: htmlOf(payload.body), Charset: "UTF-8" } } : {}),
        },
        Headers: [{ Name: "X-Harness-Idempotency-Key", Value: key }],
      },
    },
    EmailTags: [
      { Name: SES_TAGS.idempotencyKey, Value: tagValue(key) },
      // The harness's writer names its variant; an agent of your own may not.
      ...(payload.variant ? [{ Name: SES_TAGS.variant, Value: tagValue(payload.variant) }] : []),
      ...(decisionId ? [{ Name: SES_TAGS.decisionId, Value: tagValue(decisionId) }] : []),
      // The topic it went out on: its Subscription event is an opt-out only if they left this topic
      // or the whole list (ses-events.ts optedOut), not another topic of a shared list.
      ...(o.listManagement?.topicName
        ? [{ Name: SES_TAGS.listTopic, Value: tagValue(o.listManagement.topicName) }]
        : []),
    ],
    ...(o.configurationSetName ? { ConfigurationSetName: o.configurationSetName } : {}),
    ...(o.listManagement
      ? {
          ListManagementOptions: {
            ContactListName: o.listManagement.contactListName,
            ...(o.listManagement.topicName ? { TopicName: o.listManagement.topicName } : {}),
          },
        }
      : {}),
  };
}

export class SesEmailConnector implements Connector {
  private readonly client: SESv2Client;

  constructor(private readonly o: SesOptions) {
    this.client = new SESv2Client({
      ...(o.region ? { region: o.region } : {}),
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      ...(o.credentials ? { credentials: o.credentials } : awsClientConfig()),
      // Without throwOnRequestTimeout the SDK only logs a warning and keeps waiting.
      ...(o.timeoutMs
        ? {
            requestHandler: {
              connectionTimeout: o.timeoutMs,
              requestTimeout: o.timeoutMs,
              throwOnRequestTimeout: true,
            },
          }
        : {}),
      maxAttempts: 1,
    });
  }

  execute(req: ConnectorRequest): Promise<ConnectorResult> {
    // Each attempt starts only if it can end in time: an email cut off by the function's timeout is in doubt.
    return withinTimeLeft(req, this.o.timeoutMs ?? 10_000, () => this.send(req));
  }

  private async send(req: ConnectorRequest): Promise<ConnectorResult> {
    if (req.decision.actionType !== "email.send")
      throw new ConnectorError(`the SES connector cannot ${req.decision.actionType}`, false);
    const p = EmailPayload.safeParse(req.payload);
    if (!p.success) throw new ConnectorError(`bad email.send payload: ${p.error.message}`, false);
    const input = sendEmailInput(p.data, req.idempotencyKey, this.o, req.decision.decisionId);
    const res = await withRetries(
      "SES SendEmail",
      // The handler's requestTimeout is an idle timeout: an answer trickling in would outlast it, and
      // the executor's time is budgeted per attempt (executorTimeout). The signal bounds the whole call.
      () =>
        this.client.send(
          new SendEmailCommand(input),
          this.o.timeoutMs ? { abortSignal: AbortSignal.timeout(this.o.timeoutMs) } : {},
        ),
      this.o.retry ?? defaultRetryPolicy,
      // SES has no idempotency key of its own: a repeated SendEmail is a second email.
      { replaySafe: false },
    );
    return { externalId: `ses:${res.MessageId ?? "unknown"}` };
  }
}
