import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { htmlOf, SesEmailConnector, type SesOptions } from "../../shared/adapters/connectors/ses.ts";
import { LINK } from "../../shared/domain/links.ts";
import { decision, fakeApi, instantRetries } from "./helpers/fake-api.ts";

let api: Awaited<ReturnType<typeof fakeApi>>;
let retry: ReturnType<typeof instantRetries>;
let connector: SesEmailConnector;
let n = 0;
beforeEach(async () => {
  // SES v2 SendEmail: POST /v2/email/outbound-emails, JSON in, {MessageId} out; errors named by x-amzn-ErrorType.
  api = await fakeApi((r) =>
    r.method === "POST" && r.path === "/v2/email/outbound-emails"
      ? { status: 200, body: { MessageId: `msg-${++n}` } }
      : undefined,
  );
  retry = instantRetries();
  connector = sesConnector();
});

/** The connector against this test's stand-in, with `o` on top. */
const sesConnector = (o: Partial<SesOptions> = {}) =>
  new SesEmailConnector({
    from: "sam@harness.example",
    region: "us-east-1",
    endpoint: api.url,
    credentials: { accessKeyId: "AKIDTEST", secretAccessKey: "secret" },
    retry,
    ...o,
  });
afterEach(() => api.close());

const payload = {
  to: "jane@acme.io",
  subject: "Congrats on the news",
  body: "Hi Jane, I read that Acme launched Flow Studio.",
  variant: "fact-led",
  companyName: "Acme",
  groundedOn: ["https://acme.io/news"],
  persona: "vp",
  model: "local-deterministic-model/v1",
};

describe("SES v2 email connector (AWS SDK against a local server)", () => {
  it("sends an HTML part beside the text when asked, the same words with links live, so SES can track opens and clicks", async () => {
    const html = sesConnector({ html: true });
    const text = "Hi Jane <CEO> & team,\n\nsee https://acme.io/news?a=1&b=2.\nBest,\nSam";
    await html.execute({
      idempotencyKey: "d_2:exec:1",
      decision: decision("email.send"),
      payload: { ...payload, body: text },
    });
    const body = api.requests.at(-1)?.body.Content.Simple.Body;
    expect(body.Text.Data).toBe(text);
    expect(body.Html.Data).toBe(
      '<html><body><p>Hi Jane &lt;CEO&gt; &amp; team,</p><p>see <a href="https://acme.io/news?a=1&amp;b=2">https://acme.io/news?a=1&amp;b=2</a>.<br>Best,<br>Sam</p></body></html>',
    );
    // Without it, text only (a deployment's `ses.html: false`).
    await connector.execute({ idempotencyKey: "d_3:exec:1", decision: decision("email.send"), payload });
    expect(api.requests.at(-1)?.body.Content.Simple.Body.Html).toBeUndefined();
  });

  it("sends with the idempotency key as a header and a tag", async () => {
    const res = await connector.execute({
      idempotencyKey: "d_1:exec:1",
      decision: decision("email.send"),
      payload,
    });
    expect(res.externalId).toMatch(/^ses:msg-\d+$/);
    const body = api.requests[0]?.body;
    expect(body).toMatchObject({
      FromEmailAddress: "sam@harness.example",
      Destination: { ToAddresses: ["jane@acme.io"] },
      Content: {
        Simple: {
          Subject: { Data: "Congrats on the news" },
          Headers: [{ Name: "X-Harness-Idempotency-Key", Value: "d_1:exec:1" }],
        },
      },
    });
    expect(body.EmailTags).toContainEqual({ Name: "idempotency_key", Value: "d_1_exec_1" });
    // SES events name their decision by this tag (functions/outcomes/ses-events.ts).
    expect(body.EmailTags).toContainEqual({ Name: "decision_id", Value: "d_test" });
    expect(api.requests[0]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDTEST/);
  });

  it("retries throttling (429) and unavailability (503), then succeeds; a 400 is refused without retry", async () => {
    api.failNext(
      {
        status: 429,
        headers: { "x-amzn-errortype": "TooManyRequestsException" },
        body: { message: "slow down" },
      },
      { status: 503, headers: { "x-amzn-errortype": "ServiceUnavailable" }, body: { message: "busy" } },
    );
    await connector.execute({ idempotencyKey: "k2", decision: decision("email.send"), payload });
    expect(retry.waits).toEqual([100, 200]);
    expect(api.requests).toHaveLength(3);
    expect(new Set(api.requests.map((r) => r.body.Content.Simple.Headers[0].Value))).toEqual(new Set(["k2"]));
    api.failNext({
      status: 400,
      headers: { "x-amzn-errortype": "MessageRejected" },
      body: { message: "Email address is not verified." },
    });
    const err = await connector
      .execute({ idempotencyKey: "k3", decision: decision("email.send"), payload })
      .catch((e) => e);
    expect(err.name).toBe("ConnectorError");
    expect(err.outcomeUnknown).toBe(false);
    expect(err.message).toMatch(/not verified/);
  });

  it("AWS's throttle answered with a 400 (ThrottlingException) is retried; throughout, handed back to try later", async () => {
    const throttle = {
      status: 400,
      headers: { "x-amzn-errortype": "ThrottlingException" },
      body: { message: "Rate exceeded" },
    };
    api.failNext(throttle);
    await connector.execute({ idempotencyKey: "k5", decision: decision("email.send"), payload });
    expect(api.requests).toHaveLength(2);
    // Before: refused at the first 400, the email failed for good and its reservation given back.
    api.failNext(throttle, throttle, throttle, throttle);
    const err = await connector
      .execute({ idempotencyKey: "k6", decision: decision("email.send"), payload })
      .catch((e) => e);
    expect(err.name).toBe("ConnectorError");
    expect(err.outcomeUnknown).toBe(false);
    expect(err.retryAfterMs).toBeGreaterThan(0);
    expect(err.message).toMatch(/still turned away \(400\) after 4 attempts/);
  });

  it("a 500 may come after the email went out: not sent again, its outcome unknown", async () => {
    api.failNext({
      status: 500,
      headers: { "x-amzn-errortype": "InternalFailure" },
      body: { message: "oops" },
    });
    const err = await connector
      .execute({ idempotencyKey: "k4", decision: decision("email.send"), payload })
      .catch((e) => e);
    expect(err.name).toBe("ConnectorError");
    expect(err.outcomeUnknown).toBe(true);
    expect(api.requests).toHaveLength(1);
    expect(retry.waits).toEqual([]);
  });

  it("a payload that is not an email is refused before anything is sent", async () => {
    const err = await connector
      .execute({ idempotencyKey: "k", decision: decision("email.send"), payload: { body: "x" } })
      .catch((e) => e);
    expect(err.outcomeUnknown).toBe(false);
    expect(api.requests).toHaveLength(0);
  });
});

describe("the HTML part's links", () => {
  const unescaped = (t: string) =>
    t.replace(
      /&(amp|lt|gt|quot|#39);/g,
      (_m, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[e] as string,
    );
  const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => unescaped(m[1] as string));
  const host = (u: string) => new URL(u).hostname;

  it("link only what the gate's allowlist read, to the host it read", () => {
    const texts = [
      "Book here: https://acme.com)@evil.example/login",
      "Book here: https://acme.com'@evil.example/login",
      'Book here: https://acme.com"@evil.example/login',
      "Book here: https://acme.com]@evil.example/login",
      "Book here: https://acme.com>@evil.example/login",
      'See "https://acme.com/demo" and <https://acme.com/pricing>, or (https://acme.com/faq).',
      "Two: https://acme.com/a?x=1&y=2; https://docs.acme.com/b!",
    ];
    for (const text of texts) {
      const gate = [...text.matchAll(LINK)].map((m) => m[0]);
      const linked = hrefs(htmlOf(text));
      expect(linked.length).toBe(gate.length);
      // Each link goes where the gate read it going: before, `)@evil.example` made the first one's
      // host evil.example, though the allowlist had passed it as acme.com.
      for (const [i, href] of linked.entries()) {
        expect(host(href)).toBe(host(gate[i] as string));
        expect((gate[i] as string).startsWith(href)).toBe(true);
      }
    }
  });

  it("a quoted or bracketed link goes to the page, and the text around it reads as written", () => {
    const html = htmlOf('See "https://acme.com/demo" and <https://acme.com/pricing>.');
    // Before: href="https://acme.com/demo&quot" (a 404 at /demo%22) and a stray ";" after the link.
    expect(hrefs(html)).toEqual(["https://acme.com/demo", "https://acme.com/pricing"]);
    expect(html).toBe(
      '<html><body><p>See &quot;<a href="https://acme.com/demo">https://acme.com/demo</a>&quot; and &lt;<a href="https://acme.com/pricing">https://acme.com/pricing</a>&gt;.</p></body></html>',
    );
  });
});
