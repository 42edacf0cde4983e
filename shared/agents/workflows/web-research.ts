import { causedBy } from "../../domain/errors.ts";
import { httpsUrlProblem } from "../../domain/urls.ts";
import { accountOfEvent } from "../context.ts";
import { defineAgent } from "../definition.ts";
import { AGENT_EVENTS } from "../events.ts";
import { PermanentRunError } from "../ports.ts";
import { type ExtractedFact, extractFacts, parseHtml, researchLinks } from "../research/extract.ts";
import { workspaceDate } from "./common.ts";

const MAX_FACTS = 8;
const KIND_ORDER = ["news", "funding", "hiring", "customer", "product", "about"];

/**
 * Web Research: a new target account's website is fetched (home page plus its about/news/careers
 * pages) and the facts an SDR could open with are proposed as a research note on the CRM company,
 * each with its source URL. Outreach is grounded in these facts and nothing else.
 */
export const webResearch = defineAgent({
  id: "web-research",
  description:
    "New target account: fetches the company's site and extracts facts for personalization, each with its source URL.",
  trigger: { kind: "event", eventType: AGENT_EVENTS.accountTargeted },
  actions: ["crm.update"],
  handler: async (inv, ctx) => {
    if (inv.kind !== "event") return;
    const { accountId, account } = await accountOfEvent(inv.event.detail, ctx);
    if (!account) return;
    if (!ctx.web) return ctx.log("no web fetcher configured", { accountId });
    const home = `https://${account.domain}/`;
    // A failing home page throws: the run is recorded as failed and nothing is proposed. A site that
    // refuses us (403, 404…) or a domain that does not resolve will do so again: not retried.
    const first = await ctx.web.get(home).catch((err: unknown) => {
      throw causedBy(err, UNRESOLVABLE) ? new PermanentRunError((err as Error).message, { cause: err }) : err;
    });
    if (first.status >= 400)
      throw REFUSED.has(first.status)
        ? new PermanentRunError(`${home} answered ${first.status}`)
        : new Error(`${home} answered ${first.status}`);
    const page = parseHtml(first.body);
    const facts: ExtractedFact[] = extractFacts(page, first.url);
    for (const link of researchLinks(page, first.url)) {
      try {
        const sub = await ctx.web.get(link);
        if (sub.status < 400) facts.push(...extractFacts(parseHtml(sub.body), sub.url));
      } catch (err) {
        ctx.log("sub-page fetch failed", { url: link, error: (err as Error).message });
      }
    }
    // A page that ended up on http (a redirect) is not cited: a note's source URLs are https only.
    const cited = facts.filter((f) => httpsUrlProblem(f.sourceUrl) === undefined);
    if (cited.length === 0) return ctx.log("no usable facts on the website", { accountId, url: home });
    const chosen = cited
      .sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind))
      .slice(0, MAX_FACTS);
    const spec = await ctx.kb.spec();
    await ctx.propose({
      key: `research:${accountId}:${workspaceDate(spec, ctx.clock.now())}`,
      action: { type: "crm.update" },
      target: { accountId },
      payload: { operation: "research_note", accountId, domain: account.domain, facts: chosen },
      reasoning: `${chosen.length} facts from ${new Set(chosen.map((f) => f.sourceUrl)).size} pages of ${account.domain} (${[...new Set(chosen.map((f) => f.kind))].join(", ")}) for personalising outreach to ${account.name}.`,
      confidence: 0.85,
    });
  },
});

/** Answers that say the site refuses us or has no such page: not a 429 or 408, which pass. */
const REFUSED = new Set([401, 403, 404, 410, 451]);

/** A fetch that failed because the name does not resolve. */
const UNRESOLVABLE = new Set(["ENOTFOUND"]);
