/**
 * An AWS account on loopback in which each call is authorized by its caller's role, for running
 * deployed functions with their template's roles enforced (deployed-flow.dynamodb.test.ts). A
 * function is run with its role's logical id as its access key id; every request it sends is checked
 * against that role's statements (deployed-roles.ts) before it is answered, and one its role does not
 * allow is refused as IAM refuses it (AccessDeniedException) and recorded. DynamoDB calls are passed
 * on to DynamoDB Local, so state is real; KMS seals and opens data keys for real (a ciphertext opens
 * only with the key that sealed it); Secrets Manager, Step Functions, EventBridge, Lambda, S3, SES,
 * SQS (whose queued messages it keeps, for the test to hand to the queue's worker) and HubSpot's API
 * are recorded and answered as they answer a successful call; the harness's own API (an agent's
 * signed proposal), once its role may invoke the route, as the test answers it.
 */
import { createHash } from "node:crypto";
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { StandInCall } from "../../bench/bundles.ts";
import type { DynamoCredentials } from "../../shared/adapters/dynamo/db.ts";
import { denied, type Statement } from "./deployed-roles.ts";

/** A call the account answered (or refused), with the role that made it. */
export interface AccountCall extends StandInCall {
  caller: string;
  refused: boolean;
}

export interface DeployedAccount {
  url: string;
  calls: AccountCall[];
  /** Every refusal, as `role: action on resource`. */
  refusals: string[];
  /** What was sent to SQS queues and not yet taken, in order. */
  queued: { queueUrl: string; body: string; group?: string; dedupe?: string }[];
  close(): void;
}

type Answer = { status: number; type: string; body: string; headers?: Record<string, string> };

const json = (value: unknown, status = 200): Answer => ({
  status,
  type: "application/x-amz-json-1.1",
  body: JSON.stringify(value),
});

export async function deployedAccount(o: {
  dynamo: { endpoint: string; credentials: DynamoCredentials };
  /** Each role's statements, by its logical id (the access key id its functions run with). */
  roles: Map<string, Statement[]>;
  /** What every secret holds. */
  secret: Record<string, string>;
  /** HubSpot's API (paths under /crm/): the test's answer, else an empty search. */
  hubspot?: (call: StandInCall) => { status: number; body?: unknown } | undefined;
  /**
   * The harness's HTTP API (paths under /v1/, as agents call it signed with their role), once its
   * caller's role may invoke the route: the test's answer. Its API id names the route's resource.
   */
  api?: {
    id: () => string;
    answer: (caller: string, call: StandInCall) => Promise<{ status: number; body: string }>;
  };
}): Promise<DeployedAccount> {
  const calls: AccountCall[] = [];
  const refusals: string[] = [];
  const queued: DeployedAccount["queued"] = [];
  let seq = 0;

  const answer = (call: StandInCall): Answer => {
    const [service = "", op = ""] = call.target.split(".");
    const body = call.target ? (JSON.parse(call.body || "{}") as Record<string, any>) : {};
    if (service === "TrentService" && op === "Encrypt")
      return json({
        KeyId: body.KeyId,
        CiphertextBlob: Buffer.from(`sealed:${body.KeyId}:${body.Plaintext}`).toString("base64"),
      });
    if (service === "TrentService" && op === "Decrypt") {
      const m = /^sealed:(.+):([^:]+)$/.exec(Buffer.from(body.CiphertextBlob, "base64").toString());
      if (!m || m[1] !== body.KeyId)
        return json({ __type: "InvalidCiphertextException", message: "not sealed with this key" }, 400);
      return json({ KeyId: m[1], Plaintext: m[2] });
    }
    if (service === "secretsmanager")
      return json({ ARN: body.SecretId, Name: "secret", SecretString: JSON.stringify(o.secret) });
    if (service === "AWSStepFunctions" && op === "StartExecution")
      return json({
        executionArn: `${String(body.stateMachineArn).replace(":stateMachine:", ":execution:")}:${body.name}`,
        startDate: Date.now() / 1000,
      });
    if (service === "AWSEvents")
      return json({
        FailedEntryCount: 0,
        Entries: (body.Entries as unknown[]).map(() => ({ EventId: `event-${++seq}` })),
      });
    if (service === "AmazonSQS" && op === "SendMessageBatch")
      return json({
        Successful: (
          body.Entries as {
            Id: string;
            MessageBody: string;
            MessageGroupId?: string;
            MessageDeduplicationId?: string;
          }[]
        ).map((e) => {
          queued.push({
            queueUrl: body.QueueUrl,
            body: e.MessageBody,
            group: e.MessageGroupId,
            dedupe: e.MessageDeduplicationId,
          });
          return {
            Id: e.Id,
            MessageId: `sqs-${++seq}`,
            MD5OfMessageBody: createHash("md5").update(e.MessageBody, "utf8").digest("hex"),
            SequenceNumber: String(seq),
          };
        }),
        Failed: [],
      });
    if (call.target) return json({});
    const url = new URL(call.url, "http://account");
    if (url.pathname.startsWith("/2015-03-31/functions/"))
      return { status: 202, type: "application/json", body: "" };
    if (url.pathname === "/v2/email/outbound-emails")
      return { status: 200, type: "application/json", body: JSON.stringify({ MessageId: `ses-${++seq}` }) };
    if (url.pathname.startsWith("/crm/")) {
      const a = o.hubspot?.(call) ?? { status: 200, body: { total: 0, results: [] } };
      return { status: a.status, type: "application/json", body: JSON.stringify(a.body ?? {}) };
    }
    if (call.method === "GET" && url.searchParams.get("list-type") === "2")
      return {
        status: 200,
        type: "application/xml",
        body: '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>false</IsTruncated><KeyCount>0</KeyCount></ListBucketResult>',
      };
    return { status: 200, type: "application/xml", body: "", headers: { etag: `"${++seq}"` } };
  };

  /** DynamoDB Local keeps one database per access key: the call goes on with the run's key. */
  const forward = (
    call: StandInCall,
    headers: IncomingHttpHeaders,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const target = new URL(o.dynamo.endpoint);
      const req = httpRequest(
        {
          host: target.hostname,
          port: target.port,
          method: call.method,
          path: call.url,
          headers: {
            ...headers,
            host: target.host,
            authorization: String(headers.authorization ?? "").replace(
              /Credential=[^/]+\//,
              `Credential=${o.dynamo.credentials.accessKeyId}/`,
            ),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        },
      );
      req.on("error", reject);
      req.end(Buffer.from(call.body, "latin1"));
    });

  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("latin1");
    req.on("data", (c: string) => {
      body += c;
    });
    req.on("end", async () => {
      const path = req.url ?? "/";
      const toApi = o.api !== undefined && path.startsWith("/v1/");
      const call: StandInCall = {
        method: req.method ?? "GET",
        // Named as deployed-roles.ts reads the route's resource.
        url: toApi ? `/execute-api/${o.api?.id()}${path}` : path,
        target: String(req.headers["x-amz-target"] ?? ""),
        body,
      };
      if (call.url.startsWith("/crm/")) {
        // HubSpot's API: its bearer token, not IAM.
        calls.push({ ...call, caller: "hubspot", refused: false });
        const a = answer(call);
        res.writeHead(a.status, { "content-type": a.type });
        res.end(a.body);
        return;
      }
      const caller = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ""))?.[1] ?? "anonymous";
      const statements = o.roles.get(caller);
      const refused = statements ? denied(statements, call) : [`any call (no role ${caller})`];
      calls.push({ ...call, caller, refused: refused.length > 0 });
      try {
        if (refused.length) {
          refusals.push(...refused.map((r) => `${caller}: ${r}`));
          const message = `${caller} is not authorized to perform: ${refused.join(", ")}`;
          res.writeHead(call.target ? 400 : 403, {
            "content-type": "application/x-amz-json-1.0",
            "x-amzn-errortype": "AccessDeniedException",
          });
          res.end(JSON.stringify({ __type: "AccessDeniedException", message }));
          return;
        }
        if (toApi && o.api) {
          const a = await o.api.answer(caller, { ...call, url: path });
          res.writeHead(a.status, { "content-type": "application/json" });
          res.end(a.body);
          return;
        }
        if (call.target.startsWith("DynamoDB_20120810.")) {
          const r = await forward(call, req.headers);
          res.writeHead(r.status, r.headers);
          res.end(r.body);
          return;
        }
        const a = answer(call);
        res.writeHead(a.status, { "content-type": a.type, ...a.headers });
        res.end(a.body);
      } catch (err) {
        res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: String(err) }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, calls, refusals, queued, close: () => server.close() };
}
