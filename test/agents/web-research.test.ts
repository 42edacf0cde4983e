import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebFetcher } from "../../shared/agents/ports.ts";
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
let sites: SimWebsites;
let h: AgentsHarness;
beforeAll(async () => {
  sites = await startWebsites(world);
  const web: WebFetcher = {
    get: async (url) =>
      blocked && new URL(url).hostname === blocked.account.domain
        ? { url, status: 403, contentType: "text/html", body: "<h1>Access denied</h1>" }
        : sites.fetcher.get(url),
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

  it("a site that is down fails the run to be retried; one that refuses us fails it for good", async () => {
    if (!blocked) throw new Error("world has no third prospect");
    await putAccount(h.rt.deps, blocked.accountId, blocked.account);
    await target(blocked.accountId);
    await h.agents.drain();
    const refused = h.runs.at(-1);
    expect(refused?.error).toMatch(/answered 403/);
    expect(refused?.permanent).toBe(true);
    expect(refused?.proposals).toHaveLength(0);
    expect(h.runs.find((r) => /503/.test(r.error ?? ""))?.permanent).toBeUndefined();
  });

  it("an account the KB does not have proposes nothing", async () => {
    await target("nope");
    await h.agents.drain();
    expect(h.runs.at(-1)?.proposals).toHaveLength(0);
  });
});
