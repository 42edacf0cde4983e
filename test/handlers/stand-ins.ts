/**
 * Local stand-ins for the AWS and vendor APIs the world-facing functions call, on 127.0.0.1 (as
 * test/connectors): Secrets Manager's GetSecretValue (JSON protocol), SES v2 SendEmail and HubSpot's
 * contact read. Each records its requests.
 */
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { fakeApi } from "../connectors/helpers/fake-api.ts";

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
