/**
 * Local stand-ins for the AWS and vendor APIs the world-facing functions call, on 127.0.0.1 (as
 * test/connectors): Secrets Manager's GetSecretValue (JSON protocol), SQS's SendMessageBatch (JSON
 * protocol), SES v2 SendEmail and HubSpot's contact read. Each records its requests.
 */
import { createHash, randomUUID } from "node:crypto";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import { fakeApi } from "../connectors/helpers/fake-api.ts";
import { fixture } from "../fixtures/events.ts";

export const TEST_CREDENTIALS = { accessKeyId: "AKIDTEST", secretAccessKey: "secret" };

export async function fakeSecretsManager(values: Record<string, string>) {
  const api = await fakeApi((r) => {
    if (r.method !== "POST" || r.headers["x-amz-target"] !== "secretsmanager.GetSecretValue")
      return undefined;
    const arn = String(r.body?.SecretId);
    const value = values[arn];
    if (value === undefined)
      return {
        status: 400,
        headers: { "x-amzn-errortype": "ResourceNotFoundException" },
        body: {
          __type: "ResourceNotFoundException",
          message: "Secrets Manager can't find the specified secret.",
        },
      };
    return {
      status: 200,
      body: { ARN: arn, Name: arn.split(":").pop(), SecretString: value, VersionId: "v1" },
    };
  });
  const client = new SecretsManagerClient({
    region: "us-east-1",
    endpoint: api.url,
    credentials: TEST_CREDENTIALS,
  });
  return { ...api, client, reads: () => api.requests.length };
}

interface QueuedMessage {
  body: string;
  group: string;
  dedupe: string;
}

/**
 * SQS SendMessageBatch on a FIFO queue: records each entry (its MD5 answered, which the SDK checks)
 * and turns what was sent into the event source mapping's records (the captured FIFO record of
 * sqs-fifo-record.json). It does not deduplicate: SQS does only within 5 minutes, so what a worker
 * must hold on its own is what the tests see. `refuse(n)` answers the next n entries as Failed.
 */
export async function fakeSqs() {
  const queued: QueuedMessage[] = [];
  let refusing = 0;
  const api = await fakeApi((r) => {
    if (r.method !== "POST" || r.headers["x-amz-target"] !== "AmazonSQS.SendMessageBatch") return undefined;
    const Successful: unknown[] = [];
    const Failed: unknown[] = [];
    for (const e of r.body.Entries as {
      Id: string;
      MessageBody: string;
      MessageGroupId: string;
      MessageDeduplicationId: string;
    }[]) {
      if (refusing > 0) {
        refusing--;
        Failed.push({ Id: e.Id, Code: "InternalError", SenderFault: false });
        continue;
      }
      queued.push({ body: e.MessageBody, group: e.MessageGroupId, dedupe: e.MessageDeduplicationId });
      Successful.push({
        Id: e.Id,
        MessageId: randomUUID(),
        MD5OfMessageBody: createHash("md5").update(e.MessageBody, "utf8").digest("hex"),
        SequenceNumber: String(18873177232222703872n + BigInt(queued.length)),
      });
    }
    return { status: 200, body: { Successful, Failed } };
  });
  const client = new SQSClient({ region: "us-east-1", endpoint: api.url, credentials: TEST_CREDENTIALS });
  return {
    ...api,
    client,
    queued,
    refuse: (n: number) => {
      refusing = n;
    },
    /** The queued messages not yet taken, as an SQS event's records, in the order they were queued. */
    take(): SQSRecord[] {
      const [shape] = fixture<{ Records: SQSRecord[] }>("sqs-fifo-record.json").Records;
      return queued.splice(0).map((m) => ({
        ...(shape as SQSRecord),
        messageId: randomUUID(),
        body: m.body,
        md5OfBody: createHash("md5").update(m.body, "utf8").digest("hex"),
        attributes: {
          ...(shape as SQSRecord).attributes,
          MessageGroupId: m.group,
          MessageDeduplicationId: m.dedupe,
        },
      }));
    },
  };
}

/** SES v2 SendEmail: answers a MessageId per request. */
export async function fakeSes() {
  let n = 0;
  return fakeApi((r) =>
    r.method === "POST" && r.path === "/v2/email/outbound-emails"
      ? { status: 200, body: { MessageId: `0100019a-test-${++n}-000000` } }
      : undefined,
  );
}

/** A contact as HubSpot's CRM v3 returns it. */
const contact = (id: string, properties: Record<string, string>) => ({
  id,
  properties,
  createdAt: "2026-01-05T10:00:00.000Z",
  updatedAt: "2026-03-10T15:00:00.000Z",
  archived: false,
});

/**
 * HubSpot CRM: contacts by id (GET /crm/v3/objects/contacts/{id}) and, for the poll, contact search
 * (POST /crm/v3/objects/contacts/search) answering `search` whatever the filters.
 */
export async function fakeHubSpotContacts(
  emails: Record<string, string>,
  search: { id: string; properties: Record<string, string> }[] = [],
) {
  return fakeApi((r) => {
    if (r.method === "POST" && r.path === "/crm/v3/objects/contacts/search")
      return {
        status: 200,
        body: { total: search.length, results: search.map((c) => contact(c.id, c.properties)) },
      };
    const m = /^\/crm\/v3\/objects\/contacts\/(\d+)/.exec(r.path);
    if (r.method !== "GET" || !m) return undefined;
    const email = emails[m[1] as string];
    if (!email) return { status: 404, body: { status: "error", message: "resource not found" } };
    // A contact HubSpot refuses to read (a scope the app lost): "!403".
    if (email === "!403") return { status: 403, body: { status: "error", message: "missing scopes" } };
    return { status: 200, body: contact(m[1] as string, { email }) };
  });
}

/** SES's event record carries the send's EmailTags as `{name: [value]}`. */
export const tagsOf = (emailTags: { Name: string; Value: string }[]) =>
  Object.fromEntries(emailTags.map((t) => [t.Name, [t.Value]]));
