import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { LinkedInConnector, sha256Email } from "../../shared/adapters/connectors/linkedin.ts";
import { LINKEDIN_VERSION } from "../../shared/runtime/connector-schemas.ts";
import { decision, fakeApi, instantRetries, linkedInMessage, type Recorded } from "./helpers/fake-api.ts";

/** DMP segments (finder q=account, create) and segment users (BATCH_CREATE), as documented. */
function linkedin() {
  const segments: { id: number; name: string }[] = [];
  const members = new Map<number, Set<string>>();
  let created = 0;
  return {
    segments,
    members,
    handle: (r: Recorded) => {
      if (r.method === "GET" && r.path.startsWith("/rest/dmpSegments?q=account")) {
        // Paged as LinkedIn pages it: `start`, and `count` 10 unless asked for more.
        const q = new URL(r.path, "http://x").searchParams;
        const start = Number(q.get("start") ?? 0);
        const count = Number(q.get("count") ?? 10);
        return {
          status: 200,
          body: {
            elements: segments.slice(start, start + count),
            paging: { start, count, total: segments.length },
          },
        };
      }
      if (r.method === "POST" && r.path === "/rest/dmpSegments") {
        const id = 900 + created++;
        segments.push({ id, name: r.body.name });
        return { status: 201, headers: { "x-restli-id": String(id) } };
      }
      const users = /^\/rest\/dmpSegments\/(\d+)\/users$/.exec(r.path);
      if (r.method === "POST" && users) {
        // A segment deleted (in Campaign Manager) is not found.
        if (!segments.some((x) => x.id === Number(users[1]))) return { status: 404, body: { status: 404 } };
        const set = members.get(Number(users[1])) ?? new Set();
        for (const e of r.body.elements) for (const u of e.userIds) set.add(u.idValue);
        members.set(Number(users[1]), set);
        return { status: 200, body: { elements: r.body.elements.map(() => ({ status: 201 })) } };
      }
      if (r.method === "POST" && r.path === "/hooks/messages") return { status: 200, body: { id: "msg-1" } };
      return undefined;
    },
  };
}

let api: Awaited<ReturnType<typeof fakeApi>>;
let li: ReturnType<typeof linkedin>;
let retry: ReturnType<typeof instantRetries>;
let connector: LinkedInConnector;
/** The connector's waits, each with the number of requests made before it. */
let waits: { ms: number; after: number }[];
beforeEach(async () => {
  li = linkedin();
  api = await fakeApi(li.handle);
  retry = instantRetries();
  waits = [];
  connector = new LinkedInConnector({
    accessToken: "li-token",
    adAccountUrn: "urn:li:sponsoredAccount:123",
    baseUrl: api.url,
    messageWebhookUrl: `${api.url}/hooks/messages`,
    retry,
    sleep: async (ms) => void waits.push({ ms, after: api.requests.length }),
  });
});
afterEach(() => api.close());

const add = {
  audienceId: "harness-vp",
  personId: "acme.jane",
  email: "Jane@Acme.io",
  firstName: "Jane",
  lastName: "Doe",
  companyName: "Acme Analytics",
  persona: "vp",
};

describe("LinkedIn Ads matched audiences connector (fetch against a local server)", () => {
  it("finds or creates the DMP segment, then streams the member in by SHA-256 email with the documented headers", async () => {
    const res = await connector.execute({
      idempotencyKey: "d_1:exec:1",
      decision: decision("linkedin.audience.add"),
      payload: add,
    });
    expect(res.externalId).toMatch(/^linkedin:dmpSegment:900:/);
    // Found none, created it, waited, and looked again for the oldest of its name.
    const [find, create, again, users] = api.requests;
    expect(again?.path).toBe(find?.path);
    expect(find?.path).toBe(
      "/rest/dmpSegments?q=account&account=urn%3Ali%3AsponsoredAccount%3A123&start=0&count=100",
    );
    expect(create?.body).toMatchObject({
      name: "harness-vp",
      account: "urn:li:sponsoredAccount:123",
      accessPolicy: "PRIVATE",
      sourcePlatform: "LIST_UPLOAD",
      type: "USER",
    });
    // LinkedIn asks for 5 s between creating a segment and adding to it: waited after the create.
    expect(waits).toEqual([{ ms: 5_000, after: 2 }]);
    expect(users?.headers).toMatchObject({
      authorization: "Bearer li-token",
      "x-restli-method": "BATCH_CREATE",
      "x-restli-protocol-version": "2.0.0",
      // Without a configured version, one LinkedIn still serves (202501 was sunset).
      "linkedin-version": LINKEDIN_VERSION,
      "x-harness-idempotency-key": "d_1:exec:1",
    });
    // A user element's company is `company` (companyName is the companies endpoint's).
    expect(users?.body.elements[0]).toEqual({
      action: "ADD",
      userIds: [{ idType: "SHA256_EMAIL", idValue: sha256Email("jane@acme.io") }],
      firstName: "Jane",
      lastName: "Doe",
      company: "Acme Analytics",
    });
    // The segment is known now: the next member waits for nothing.
    await connector.execute({
      idempotencyKey: "d_2:exec:1",
      decision: decision("linkedin.audience.add"),
      payload: { ...add, email: "max@acme.io", firstName: " ", lastName: "" },
    });
    expect(waits).toHaveLength(1);
    expect(api.requests.at(-1)?.body.elements[0]).toEqual({
      action: "ADD",
      userIds: [{ idType: "SHA256_EMAIL", idValue: sha256Email("max@acme.io") }],
      company: "Acme Analytics",
    });
    // The raw email never leaves: only its hash.
    expect(JSON.stringify(api.requests)).not.toMatch(/jane@acme\.io/i);
  });

  it("with too little time left for a new segment's create, wait and add, makes no segment: turned away", async () => {
    // 35 s: a lookup's 10 s fits, the create, LinkedIn's 5 s, the look again and the add (40 s) do not.
    const err = await connector
      .execute({
        idempotencyKey: "d_t:exec:1",
        decision: decision("linkedin.audience.add"),
        payload: add,
        timeLeft: () => 35_000,
      })
      .catch((e) => e);
    expect(err).toMatchObject({ outcomeUnknown: false, retryAfterMs: 0 });
    expect(err.message).toMatch(/LinkedIn create DMP segment: not started, 35 s left/);
    // Looked for the segment, found none, and stopped there: nothing created, nothing waited for.
    expect(api.requests.map((r) => r.method)).toEqual(["GET"]);
    expect(waits).toEqual([]);
  });

  it("executors that create a new audience's segment at the same moment all add to the oldest copy", async () => {
    // Cold containers of a burst of adds to a new audience each find no segment and create one.
    const arrived: (() => void)[] = [];
    const bothCreated = (ms: number) =>
      new Promise<void>((resolve) => {
        waits.push({ ms, after: api.requests.length });
        arrived.push(resolve);
        if (arrived.length === 2) for (const r of arrived) r();
      });
    const container = () =>
      new LinkedInConnector({
        accessToken: "li-token",
        adAccountUrn: "urn:li:sponsoredAccount:123",
        baseUrl: api.url,
        retry,
        sleep: bothCreated,
      });
    const [a, b] = await Promise.all([
      container().execute({
        idempotencyKey: "d_a:exec:1",
        decision: decision("linkedin.audience.add"),
        payload: add,
      }),
      container().execute({
        idempotencyKey: "d_b:exec:1",
        decision: decision("linkedin.audience.add"),
        payload: { ...add, email: "max@acme.io" },
      }),
    ]);
    expect(api.requests.filter((r) => r.method === "POST" && r.path === "/rest/dmpSegments")).toHaveLength(2);
    expect(a.externalId).toMatch(/^linkedin:dmpSegment:900:/);
    expect(b.externalId).toMatch(/^linkedin:dmpSegment:900:/);
    expect(li.members.get(900)?.size).toBe(2);
    expect(li.members.get(901)).toBeUndefined();
  });

  it("a retired API version (426) is refused naming the setting that fixes it; a configured one is sent", async () => {
    const retired = new LinkedInConnector({
      accessToken: "li-token",
      adAccountUrn: "urn:li:sponsoredAccount:123",
      baseUrl: api.url,
      version: "202406",
      sourcePlatform: "PARTNER_X",
      retry,
      sleep: async () => {},
    });
    api.failNext({ status: 426, body: { message: "version not active" } });
    const err = await retired
      .execute({ idempotencyKey: "d_3:exec:1", decision: decision("linkedin.audience.add"), payload: add })
      .catch((e) => e);
    expect(err).toMatchObject({ outcomeUnknown: false });
    expect(err.message).toMatch(/API version 202406; set connectors\.linkedin\.version/);
    expect(api.requests[0]?.headers["linkedin-version"]).toBe("202406");
    await retired.execute({
      idempotencyKey: "d_3:exec:2",
      decision: decision("linkedin.audience.add"),
      payload: add,
    });
    expect(api.requests.find((r) => r.path === "/rest/dmpSegments")?.body.sourcePlatform).toBe("PARTNER_X");
    // The sending tool's webhook reads no LinkedIn-Version: its 426 is its own refusal.
    api.failNext({ status: 426, body: { message: "upgrade your client" } });
    const hook = await connector
      .execute({
        idempotencyKey: "d_3:exec:3",
        decision: decision("linkedin.message"),
        payload: linkedInMessage,
      })
      .catch((e) => e);
    expect(hook.message).toMatch(/426/);
    expect(hook.message).not.toMatch(/connectors\.linkedin\.version/);
  });

  it("retries 429 (honouring Retry-After) and 5xx; a retried ADD never adds twice", async () => {
    await connector.execute({
      idempotencyKey: "k1",
      decision: decision("linkedin.audience.add"),
      payload: add,
    });
    api.failNext({ status: 429, headers: { "retry-after": "1" } }, { status: 502 });
    await connector.execute({
      idempotencyKey: "k1",
      decision: decision("linkedin.audience.add"),
      payload: add,
    });
    expect(retry.waits).toEqual([1000, 200]);
    expect(li.members.get(900)?.size).toBe(1);
  });

  it("a Retry-After longer than a call may wait is not waited for: refused at once, nothing done", async () => {
    api.failNext({ status: 429, headers: { "retry-after": "120" } });
    const err = await connector
      .execute({ idempotencyKey: "k5", decision: decision("linkedin.audience.add"), payload: add })
      .catch((e) => e);
    expect(err.name).toBe("ConnectorError");
    expect(err.outcomeUnknown).toBe(false);
    expect(err.message).toMatch(/120 s, longer than a call may wait/);
    // Nothing was done: the executor tries again after LinkedIn's hint (execution.ts handBack).
    expect(err.retryAfterMs).toBe(120_000);
    expect(retry.waits).toEqual([]);
  });

  it("a segment deleted since this container kept its id is found or made again, once", async () => {
    const first = await connector.execute({
      idempotencyKey: "d_s1:exec:1",
      decision: decision("linkedin.audience.add"),
      payload: add,
    });
    expect(first.externalId).toMatch(/^linkedin:dmpSegment:900:/);
    li.segments.splice(0); // deleted in Campaign Manager
    // Before, this add, and every one after it in the container, was refused 404.
    const again = await connector.execute({
      idempotencyKey: "d_s2:exec:1",
      decision: decision("linkedin.audience.add"),
      payload: { ...add, email: "bob@acme.io", personId: "acme.bob" },
    });
    expect(again.externalId).toMatch(/^linkedin:dmpSegment:901:/);
    expect(li.segments).toEqual([{ id: 901, name: "harness-vp" }]);
    expect(li.members.get(901)?.has(sha256Email("bob@acme.io"))).toBe(true);
  });

  it("persistent 429 is a refusal (nothing happened); so is a lookup that failed throughout, whatever the failure", async () => {
    api.failNext(...Array.from({ length: 4 }, () => ({ status: 429 })));
    const limited = await connector
      .execute({ idempotencyKey: "k", decision: decision("linkedin.audience.add"), payload: add })
      .catch((e) => e);
    expect(limited.outcomeUnknown).toBe(false);
    expect(limited.retryAfterMs).toEqual(expect.any(Number));
    const offline = new LinkedInConnector({
      accessToken: "t",
      adAccountUrn: "urn:li:sponsoredAccount:1",
      baseUrl: "http://127.0.0.1:1",
      retry: instantRetries(2),
    });
    // The segment lookup, a GET, got no answer: nothing was written, so the add is handed back to be
    // tried later. (A write with no answer stays unknown: unknown-outcome.test.ts.)
    const err = await offline
      .execute({ idempotencyKey: "k", decision: decision("linkedin.audience.add"), payload: add })
      .catch((e) => e);
    expect(err.outcomeUnknown).toBe(false);
    expect(err.retryAfterMs).toEqual(expect.any(Number));
    // The lookup answered 500 on every attempt. Before, the add was left in doubt for a person to
    // check, though only reads had been sent.
    const before = api.requests.length;
    api.failNext(...Array.from({ length: 4 }, () => ({ status: 500 })));
    const failing = await connector
      .execute({
        idempotencyKey: "k2",
        decision: decision("linkedin.audience.add"),
        payload: { ...add, audienceId: "fresh-audience" },
      })
      .catch((e) => e);
    expect(failing.message).toMatch(/find DMP segments: status 500 on every attempt of a read/);
    expect(failing.outcomeUnknown).toBe(false);
    expect(failing.retryAfterMs).toEqual(expect.any(Number));
    expect(api.requests.slice(before).map((r) => r.method)).toEqual(["GET", "GET", "GET", "GET"]);
  });

  it("sends LinkedIn messages through the sending tool's webhook with the idempotency key", async () => {
    const payload = linkedInMessage;
    const res = await connector.execute({
      idempotencyKey: "d_5:exec:1",
      decision: decision("linkedin.message"),
      payload,
    });
    expect(res.externalId).toBe("linkedin:message:msg-1");
    expect(api.requests[0]?.headers["idempotency-key"]).toBe("d_5:exec:1");
    // A gateway's 504 may come after the message went out: it is not posted again.
    api.failNext({ status: 504 });
    const err = await connector
      .execute({ idempotencyKey: "d_6:exec:1", decision: decision("linkedin.message"), payload })
      .catch((e) => e);
    expect(err.outcomeUnknown).toBe(true);
    expect(api.requests.filter((r) => r.path === "/hooks/messages")).toHaveLength(2);
    // A bare 503 from a web host can come after its app did the work: not posted again either.
    api.failNext({ status: 503 });
    const bare = await connector
      .execute({ idempotencyKey: "d_7:exec:1", decision: decision("linkedin.message"), payload })
      .catch((e) => e);
    expect(bare.outcomeUnknown).toBe(true);
    expect(api.requests.filter((r) => r.path === "/hooks/messages")).toHaveLength(3);
  });

  it("a refusal after an attempt that may have been carried out is an unknown outcome, not nothing done", async () => {
    await connector.execute({
      idempotencyKey: "k1",
      decision: decision("linkedin.audience.add"),
      payload: add,
    });
    api.failNext({ status: 502 }, { status: 400 });
    const err = await connector
      .execute({ idempotencyKey: "k2", decision: decision("linkedin.audience.add"), payload: add })
      .catch((e) => e);
    expect(err.name).toBe("ConnectorError");
    expect(err.outcomeUnknown).toBe(true);
  });

  it("records what LinkedIn said when it refused without addresses and at most 500 characters", async () => {
    // A gateway's error page, naming the member, as big as a page is.
    const page = `member jane@acme.io is not allowed. ${"<div>detail</div>".repeat(20_000)}`;
    api.failNext({ status: 400, body: page });
    const err = await connector
      .execute({ idempotencyKey: "k3", decision: decision("linkedin.audience.add"), payload: add })
      .catch((e) => e);
    expect(err.name).toBe("ConnectorError");
    expect(err.outcomeUnknown).toBe(false);
    // Before: the whole page (340 KB), near DynamoDB's item limit for the decision's record, address and all.
    expect(err.message).toMatch(/refused: 400 .*member \[address\] is not allowed/);
    expect(err.message).not.toContain("jane@acme.io");
    expect(err.message.length).toBeLessThan(600);
  });

  it("finds the audience's segment past the finder's first pages, instead of making another of its name", async () => {
    // An ad account with 250 segments of other tools' before this audience's.
    for (let i = 0; i < 250; i++) li.segments.push({ id: 5000 + i, name: `other-${i}` });
    li.segments.push({ id: 7000, name: "harness-vp" });
    const res = await connector.execute({
      idempotencyKey: "d_9:exec:1",
      decision: decision("linkedin.audience.add"),
      payload: add,
    });
    // Before: the first page (10) only, no segment of its name, and a new one made every cold start.
    expect(res.externalId).toMatch(/^linkedin:dmpSegment:7000:/);
    expect(api.requests.filter((r) => r.method === "POST" && r.path === "/rest/dmpSegments")).toHaveLength(0);
    expect(li.members.get(7000)?.size).toBe(1);
  });
});
