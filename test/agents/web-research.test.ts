import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FetchError, type WebFetcher } from "../../shared/agents/ports.ts";
import { webResearch } from "../../shared/agents/workflows/web-research.ts";
import { type SimWebsites, startWebsites } from "../../sim/website.ts";
import { generateWorld } from "../../sim/world.ts";
import { type AgentsHarness, startAgents, T0 } from "./helpers/agents-runtime.ts";
import { putAccount } from "./helpers/seed.ts";

const world = generateWorld({ seed: 7, accounts: 40, start: T0, days: 1 });
const up = world.companies.find((c) => !c.site.down && c.account.lifecycle === "prospect");
const down = world.companies.find((c) => c !== up && c.account.lifecycle === "prospect");
if (down) down.site.down = true;
/** A site that refuses the fetcher (a bot wall): 403, whatever it is asked. */
const blocked = world.companies.find((c) => c !== up && c !== down && c.account.lifecycle === "prospect");
/** A site that asks us to slow down (429): it may answer next time. */
const throttled = world.companies.find(
  (c) => c !== up && c !== down && c !== blocked && c.account.lifecycle === "prospect",
);
/** A domain that no longer resolves: Node's fetch fails with ENOTFOUND as the cause of its cause. */
const gone = world.companies.find(
  (c) => c !== up && c !== down && c !== blocked && c !== throttled && c.account.lifecycle === "prospect",
);
let sites: SimWebsites;
let h: AgentsHarness;
beforeAll(async () => {
  sites = await startWebsites(world);
  const web: WebFetcher = {
    get: async (url) => {
      const host = new URL(url).hostname;
      if (blocked && host === blocked.account.domain)
        return { url, status: 403, contentType: "text/html", body: "<h1>Access denied</h1>" };
      if (throttled && host === throttled.account.domain)
        return { url, status: 429, contentType: "text/plain", body: "slow down" };
      if (gone && host === gone.account.domain)
        throw new FetchError(`${url}: fetch failed`, {
          cause: Object.assign(new TypeError("fetch failed"), {
            cause: Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" }),
          }),
        });
      return sites.fetcher.get(url);
    },
  };
  h = await startAgents({ agents: [webResearch], web });
});
afterAll(async () => {
  await h.close();
  await sites.close();
});

const target = (accountId: string) =>
  h.rt.bus.publish([{ type: "account.targeted", detail: { accountId, listId: "leads-sdr-1" } }]);

describe("Web Research", () => {
  it("a new target account starts it; it fetches the site over HTTP and proposes facts, each with its source URL", async () => {
    if (!up) throw new Error("world has no live site");
    await putAccount(h.rt.deps, up.accountId, up.account);
    await target(up.accountId);
    await h.agents.drain();
    const facts = await h.agents.view.facts(up.accountId);
    expect(facts.length).toBeGreaterThanOrEqual(3);
    for (const f of facts)
      expect(f.sourceUrl).toMatch(new RegExp(`^https://${up.account.domain.replace(".", "\\.")}/`));
    expect(facts.map((f) => f.text)).toContain(up.site.news[0]);
    expect(facts.some((f) => f.sourceUrl.endsWith("/news"))).toBe(true);
    // The research is also semantic memory, searchable by meaning.
    const hits = await h.agents.view.searchMemory(up.accountId, "hiring account executives");
    expect(hits[0]?.doc.kind).toBe("research");
  });

  it("a site that is down is a failed run with nothing proposed", async () => {
    if (!down) throw new Error("world has no down site");
    await putAccount(h.rt.deps, down.accountId, down.account);
    await target(down.accountId);
    await h.agents.drain();
    const run = h.runs.at(-1);
    expect(run?.error).toMatch(/503/);
    expect(run?.proposals).toHaveLength(0);
  });

  it("a site that refuses us fails the run for good; one that is down or asks us to slow down fails it to be retried", async () => {
    if (!blocked) throw new Error("world has no third prospect");
    await putAccount(h.rt.deps, blocked.accountId, blocked.account);
    await target(blocked.accountId);
    await h.agents.drain();
    const refused = h.runs.at(-1);
    expect(refused?.error).toMatch(/answered 403/);
    expect(refused?.permanent).toBe(true);
    expect(refused?.proposals).toHaveLength(0);
    // A site that is down (503) may be up on the next delivery: that run stays retryable.
    if (!down) throw new Error("world has no down site");
    await putAccount(h.rt.deps, down.accountId, down.account);
    await target(down.accountId);
    await h.agents.drain();
    expect(h.runs.at(-1)).toMatchObject({ error: expect.stringMatching(/503/) });
    expect(h.runs.at(-1)?.permanent).toBeUndefined();
    if (!throttled) throw new Error("world has no fourth prospect");
    await putAccount(h.rt.deps, throttled.accountId, throttled.account);
    await target(throttled.accountId);
    await h.agents.drain();
    expect(h.runs.at(-1)).toMatchObject({ error: expect.stringMatching(/answered 429/) });
    expect(h.runs.at(-1)?.permanent).toBeUndefined();
    if (!gone) throw new Error("world has no fifth prospect");
    await putAccount(h.rt.deps, gone.accountId, gone.account);
    await target(gone.accountId);
    await h.agents.drain();
    expect(h.runs.at(-1)).toMatchObject({ error: expect.stringMatching(/fetch failed/), permanent: true });
  });

  it("an account the KB does not have proposes nothing", async () => {
    await target("nope");
    await h.agents.drain();
    expect(h.runs.at(-1)?.proposals).toHaveLength(0);
  });
});
