/**
 * `npm run screenshots`: a PNG of each console page in test/browser/screenshots/, for the README.
 * Starts its own DynamoDB Local and a local server on a simulated clock, fills a week of activity
 * through the API as agents and people would (proposals, approvals, an edit, a rejection made into a
 * rule, level-2 sends, outcomes, a pause), then visits each page in Debian's chromium.
 */
import { mkdirSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SimulatedClock } from "../../shared/adapters/local/clock.ts";
import { startDynamoLocal } from "../../shared/adapters/local/dynamodb-local.ts";
import { SandboxConnector } from "../../shared/adapters/local/sandbox-connector.ts";
import { createToken } from "../../shared/adapters/local/token-store.ts";
import type { TokenRecord } from "../../shared/ports.ts";
import { createLocalRuntime } from "../../shared/runtime/local.ts";
import { createLocalServer } from "../../shared/runtime/server.ts";
import { acme, emailProposal, jane } from "../helpers/world.ts";
import { openBrowser } from "./browser.ts";

const OUT = fileURLToPath(new URL("./screenshots/", import.meta.url));
const HOUR = 3_600_000;
/** A Tuesday, 10:00 in New York (as the tests' T0); the week of activity ends there. */
const T0 = Date.parse("2026-03-10T14:00:00Z");
const DAY = 24 * HOUR;

type Company = [id: string, name: string, person: string, title: string];
const company = (name: string, i: number): Company => [
  name.toLowerCase().replace(/[^a-z]+/g, "-"),
  name,
  FIRST[i % FIRST.length] as string,
  TITLES[i % TITLES.length] as string,
];
const FIRST = ["Jane", "Priya", "Marco", "Ana", "Tom", "Sara", "Lena", "Omar", "Mia", "Ken", "Ivy"];
const TITLES = ["VP Sales", "Head of Revenue Operations", "Chief Revenue Officer", "Director of Sales"];
/** Four new accounts a day for six days (one account is touched once: coordination holds back more). */
const ACCOUNTS: Company[] = [
  "Acme Analytics",
  "Northwind Cloud",
  "Globex Data",
  "Initech Payments",
  "Umbrella Health",
  "Hooli Labs",
  "Vandelay Imports",
  "Pied Piper",
  "Dunder Paper",
  "Wonka Foods",
  "Gringotts Finance",
  "Oceanic Air",
  "Monarch Media",
  "Virtucon Energy",
  "Aperture Science",
  "Black Mesa Labs",
  "Blue Sun Retail",
  "Nakatomi Trading",
  "Massive Dynamic",
  "Prestige Worldwide",
  "Sirius Cybernetics",
  "Bluth Homes",
  "Sterling Cooper",
  "Kramerica Industries",
].map(company);
/** Accounts first touched today: what waits in the inbox and the scheduled queue. */
const TODAY: Company[] = [
  "Stark Logistics",
  "Wayne Retail",
  "Cyberdyne Robotics",
  "Tyrell Bio",
  "Soylent Foods",
].map((name, i) => company(name, i + 6));

const SUBJECTS = [
  "Your pricing research",
  "How teams like yours roll out in two weeks",
  "A note on your Q3 pipeline goals",
  "Following up on the webinar",
];

async function main() {
  const dynamo = await startDynamoLocal();
  const clock = new SimulatedClock(T0 - 6 * DAY);
  // Not test/helpers/runtime.ts: it reads vitest's state, and this script runs outside vitest.
  const records = new Map<string, TokenRecord>();
  const tokens = {
    put: async (r: TokenRecord) => void records.set(r.tokenHash, r),
    get: async (hash: string) => records.get(hash),
    list: async () => [...records.values()],
  };
  const sandbox = new SandboxConnector(undefined, () => clock.now());
  const runtime = await createLocalRuntime({
    endpoint: dynamo.endpoint,
    credentials: dynamo.credentials,
    tablePrefix: "shots",
    clock,
    simulated: true,
    tokens,
    connector: sandbox,
    log: () => {},
  });
  const rt = runtime;
  const http = createLocalServer(runtime.deps, { rateLimit: false });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const server = {
    url,
    token: (subject: string, ...roles: string[]) =>
      createToken(tokens, subject, roles, new Date().toISOString()),
    call: async (method: string, path: string, token: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    close: () => new Promise<void>((r) => http.close(() => r())),
  };
  const browser = await openBrowser({ width: 1280, height: 900 });
  try {
    const admin = await server.token("revops-lead", "admin");
    const agentTokens = new Map<string, string>();
    const agent = async (id: string) => {
      if (!agentTokens.has(id)) agentTokens.set(id, await server.token(`agent:${id}`, `agent:${id}`));
      return agentTokens.get(id) as string;
    };
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const res = await server.call(method, path, token, body);
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const tick = async () => {
      await rt.scheduler.tick();
      await rt.bus.drain();
    };

    for (const [id, name, first, title] of [...ACCOUNTS, ...TODAY]) {
      await call("PUT", `/v1/accounts/${id}`, admin, { ...acme, name, domain: `${id}.io` });
      await call("PUT", `/v1/people/${id}-lead`, admin, {
        ...jane,
        accountId: id,
        email: `${first.toLowerCase()}@${id}.io`,
        firstName: first,
        lastName: "Rivera",
        title,
      });
    }
    // A new agent starts at level 1: its proposals wait in the inbox (outreach-writer earns level 2 in the week).
    for (const id of ["outreach-writer", "event-follow-up"]) await agent(id);
    await agent("sequence-bot");
    await call("PUT", "/v1/trust/sequence-bot/email.send", admin, { level: 2, reason: "steady approvals" });

    // A week of activity: each day some proposals are approved, one edited, one rejected; the
    // level-2 agent's sends go out after their window; a few replies and a meeting come back.
    let n = 0;
    for (let day = 0; day < 6; day++) {
      const todays = ACCOUNTS.slice(day * 4, day * 4 + 4);
      // Yesterday's first account again: a second touch that coordination holds back.
      const again = day > 0 ? [ACCOUNTS[(day - 1) * 4] as Company] : [];
      const signals = [...todays, ...again, ...(day === 5 ? TODAY : [])].map(([id]) => ({
        accountId: id,
        personId: `${id}-lead`,
        type: "pricing_page_visit",
        occurredAt: new Date(clock.now() - HOUR).toISOString(),
      }));
      await call("POST", "/v1/signals", admin, { signals: [...signals, ...signals, ...signals] });
      for (const [i, [id, , first]] of [...todays, ...again].entries()) {
        const writer = i % 3 === 2 ? "sequence-bot" : "outreach-writer";
        const proposal = emailProposal(writer, id, `${id}-lead`, {
          payload: {
            subject: SUBJECTS[(i + day) % SUBJECTS.length],
            body: `Hi ${first}, saw your team comparing plans this week. Happy to share how similar teams rolled out in two weeks.`,
          },
        });
        const d = await call("POST", "/v1/proposals", await agent(writer), proposal);
        n++;
        console.log(`day ${day} ${writer} ${id}: ${d.status}`);
        if (d.status !== "pending_approval") continue;
        const review = `/v1/decisions/${d.decisionId}`;
        if (n % 5 === 0) {
          await call("POST", `${review}/reject`, admin, { note: "Too pushy for a first touch" });
        } else if (n % 4 === 0) {
          const body = `${d.payload.body} Would a short call on Thursday help?`;
          await call("POST", `${review}/approve`, admin, {
            digest: d.payloadDigest,
            payload: { ...d.payload, body },
          });
        } else await call("POST", `${review}/approve`, admin, { digest: d.payloadDigest });
        await rt.bus.drain();
        if (n % 3 === 0)
          await call("POST", "/v1/outcomes", admin, { decisionId: d.decisionId, type: "replied" });
        if (n % 7 === 0)
          await call("POST", "/v1/outcomes", admin, { decisionId: d.decisionId, type: "meeting_booked" });
      }
      await call("POST", "/v1/admin/clock", admin, { advanceMs: DAY });
      await tick();
    }
    // Today: a rejection made into a rule, what waits in the inbox and the scheduled queue, a pause.
    const fresh = async (writer: string, id: string, subject: string) => {
      const body = `Hi, ${subject.toLowerCase()}: two customers like you cut ramp time in half. Worth a look?`;
      const proposal = emailProposal(writer, id, `${id}-lead`, { payload: { subject, body } });
      const d = await call("POST", "/v1/proposals", await agent(writer), proposal);
      console.log(`today ${writer} ${id}: ${d.status}`);
      return d;
    };
    const rejected = await fresh("event-follow-up", "stark-logistics", "Quick question about your stack");
    if (rejected.status === "pending_approval") {
      await call("POST", `/v1/decisions/${rejected.decisionId}/reject`, admin, {
        note: "We do not email VPs about their stack",
      });
      await call("POST", `/v1/decisions/${rejected.decisionId}/corrections`, admin, {
        makeRule: true,
        note: "We do not email VPs about their stack",
      });
    }
    await call("POST", "/v1/admin/clock", admin, { advanceMs: 3 * HOUR });
    for (const id of ["wayne-retail", "cyberdyne-robotics", "soylent-foods"])
      await fresh("event-follow-up", id, "Your team's onboarding plan");
    await fresh("sequence-bot", "tyrell-bio", "Following up on the webinar");
    await call("POST", "/v1/pauses", admin, {
      scope: "channel",
      target: "linkedin",
      reason: "LinkedIn account under review",
      until: new Date(clock.now() + 2 * DAY).toISOString(),
    });

    console.log(
      JSON.stringify(await call("GET", "/v1/trust/outreach-writer/email.send/history", admin)).slice(0, 3000),
    );
    mkdirSync(OUT, { recursive: true });
    const page = browser.page;
    let visits = 0;
    const shot = async (name: string, hash: string, ready: string, before?: () => Promise<void>) => {
      await page.goto(`${server.url}/?visit=${++visits}#/${hash}`);
      await page.locator(ready).first().waitFor({ timeout: 20_000 });
      if (before) await before();
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(OUT, `${name}.png`) });
      console.log(`wrote ${name}.png`);
    };
    await shot("signin", "signin", "form#signin");
    await page.fill("input[name=token]", admin);
    await page.click("form#signin button[type=submit]");
    await page.locator("#inbox").waitFor();
    await shot("approvals", "approvals", "#inbox .card");
    await shot("approvals-edit", "approvals", "#inbox .card", async () => {
      const card = page.locator("#inbox .card").first();
      await card.locator("[data-act=edit]").click();
      const body = card.locator("textarea[name=body]");
      await body.fill(`${await body.inputValue()} Would Thursday suit you?`);
    });
    await shot("scheduled", "scheduled", "#scheduled .card");
    await shot("decisions", "decisions", "#decision-list tr");
    const first = await page.locator("#decision-list a").first().getAttribute("href");
    await shot("decision", (first ?? "#/decisions").slice(2), ".timeline li");
    await shot("explain", "explain", "#explain-form", async () => {
      await page.fill("#explain-form input[name=email]", "priya@northwind-cloud.io");
      await page.click("#explain-form button[type=submit]");
      await page.locator("#explanation .summary").waitFor();
    });
    await shot("trust", "trust", "#trust-table tr[data-key]", async () => {
      await page.locator('#trust-table tr[data-key="outreach-writer/email.send"] button').click();
      await page.locator("#trust-detail .chart").waitFor();
    });
    await shot("pauses", "pauses", "#pause-list tr[data-id]");
    await shot("specs", "specs", "#spec-history tr", async () => {
      await page.click("#spec-diff button[type=submit]");
      await page.locator("#spec-diff-out .diff").waitFor();
      await page.locator("#spec-diff-out").scrollIntoViewIfNeeded();
    });
    await shot("drafts", "drafts", "#draft-list .card");
    await shot("overview", "overview", "#overview-charts > *");
  } finally {
    await browser.close();
    await server.close();
    await runtime.close();
    await dynamo.stop();
  }
}

await main();
