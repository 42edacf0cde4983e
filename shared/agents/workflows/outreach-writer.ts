import { DependencyError } from "../../domain/errors.ts";
import type { Person } from "../../domain/kb.ts";
import type { LearningSettings } from "../../domain/spec-learning.ts";
import { DAY } from "../../domain/time.ts";
import type { TemplateStat } from "../../kb/types.ts";
import { learningOf } from "../../learning/switch.ts";
import { chooseVariant, seededRandom } from "../../learning/variants.ts";
import { type AgentContext, OutOfTime } from "../context.ts";
import { defineAgent } from "../definition.ts";
import { ModelError, VARIANTS, type Variant } from "../ports.ts";
import { CONTACTABLE, targetable, workspaceDate } from "./common.ts";

const ROLE_ORDER: Record<string, number> = { champion: 0, decision_maker: 1, influencer: 2 };
const MAX_ACCOUNTS_PER_RUN = 400;
/**
 * What one account may take: two model drafts (each with the model client's own retries) and the
 * proposals. The run stops when less is left, between accounts rather than mid-draft.
 */
export const ACCOUNT_BUDGET_MS = 45_000;
export const SENDER = { name: "Sam Rivera", company: "Harness Demo Co", product: "pipeline analytics" };

/**
 * Outreach Writer: on weekday mornings, work the day's lead lists. Per account it picks the best
 * committee member for an email and a second one for a LinkedIn message, chooses the message variant
 * by Thompson sampling over replies and meetings pooled across persona × industry cells (the variants
 * loop, shared/learning/variants.ts; uniform when the spec turns learning off), drafts with the model grounded only in research
 * facts, and proposes both. The harness decides which goes first: the LinkedIn path on an account
 * just emailed is deferred to the next day, and the runtime re-proposes it then.
 */
export const outreachWriter = defineAgent({
  id: "outreach-writer",
  usesModel: true,
  // A day's lists can take longer than one function's time: a run stopped at its deadline goes on.
  continues: true,
  description:
    "Weekdays 9:00: email and LinkedIn message drafts for the lead lists, grounded in research facts, with the variant used.",
  trigger: {
    kind: "schedule",
    cron: "0 9 * * 1-5",
    description: "weekdays at 09:00 in the workspace time zone",
  },
  actions: ["email.send", "linkedin.message"],
  handler: async (inv, ctx) => {
    if (inv.kind === "event") return;
    const spec = await ctx.kb.spec();
    const now = ctx.clock.now();
    // A continued run works the day its schedule fired, also past midnight.
    // (A manual run's continuation too.)
    const date = workspaceDate(spec, inv.continuedFrom ?? now);
    const list = (await ctx.kb.leadList(date)).sort(
      (a, b) => a.rank - b.rank || a.accountId.localeCompare(b.accountId),
    );
    if (list.length === 0) return ctx.log("no lead list for today", { date });
    const learning = learningOf(spec);
    // With learning off the evidence is not even read: the choice must not depend on it.
    const stats = learning.enabled ? await ctx.kb.templateStats() : [];
    const listed = list.slice(0, MAX_ACCOUNTS_PER_RUN);
    // A continuation starts where the stopped run got to, and comes back to the accounts before it
    // last: those were proposed (skipped cheaply) or failed, and a failing one at the head of every
    // continuation would spend each one's time before the accounts not yet tried.
    const from = inv.resumeAt ? listed.findIndex((e) => e.accountId === inv.resumeAt) : -1;
    const todo = from > 0 ? [...listed.slice(from), ...listed.slice(0, from)] : listed;
    /** Accounts whose failure may pass (the API, the store or the model unavailable for now). */
    const later: string[] = [];
    for (const [done, entry] of todo.entries()) {
      // A list longer than a run's time: stop before the deadline, so the due retries still run and
      // the invocation's retry continues (what was proposed is a touch that account is then skipped for).
      if (ctx.timeLeft() < ACCOUNT_BUDGET_MS)
        throw new OutOfTime(
          `wrote for ${done} of ${todo.length} accounts on the ${date} lead list before the run's deadline${from > 0 ? `, in this run, which began at account ${from + 1} (${todo[0]?.accountId})` : ""}`,
          entry.accountId,
        );
      try {
        await writeForAccount(ctx, entry.accountId, date, now, stats, learning);
      } catch (err) {
        // One account's failure (the model, a missing record) must not stop the rest of the list.
        ctx.log("could not write for account", { accountId: entry.accountId, error: (err as Error).message });
        if (err instanceof DependencyError || (err instanceof ModelError && err.transient))
          later.push(entry.accountId);
      }
    }
    // The run fails after working the list, so that its retry (Lambda's, a minute on) writes for them:
    // the accounts proposed are skipped there. Before, a minute of the API or the model unavailable
    // at 09:00 lost those accounts their day, said only in a log line.
    if (later.length > 0)
      throw new DependencyError(
        `could not write for ${later.length} of ${todo.length} accounts for now (${later.slice(0, 5).join(", ")}${later.length > 5 ? ", ..." : ""}): the API, the store or the model was unavailable; a retry of the run (in AWS, Lambda's) writes for them`,
      );
  },
});

async function writeForAccount(
  ctx: AgentContext,
  accountId: string,
  date: string,
  now: number,
  stats: TemplateStat[],
  learning: LearningSettings,
) {
  const spec = await ctx.kb.spec();
  const account = await ctx.kb.account(accountId);
  if (!account) return;
  const everyone = await ctx.kb.peopleAt(accountId);
  // Nobody who asked us to stop is drafted for: the gate would block it, every day, for nothing.
  const blocked = await ctx.kb.doNotTarget(
    accountId,
    everyone.map((p) => p.personId),
  );
  const people = everyone.filter((p) => !blocked.has(p.personId));
  const classes = await ctx.kb.classifications(people.map((p) => p.personId));
  const ranked = people
    .map((p) => ({ p, persona: ctx.kb.personaOf(spec, p, classes.get(p.personId)) }))
    .filter((x) => CONTACTABLE.includes(x.persona.role) && targetable(spec, x.p.title, "email.send"))
    .sort(
      (a, b) =>
        (ROLE_ORDER[a.persona.role] ?? 9) - (ROLE_ORDER[b.persona.role] ?? 9) ||
        a.p.personId.localeCompare(b.p.personId),
    );
  if (ranked.length === 0) return ctx.log("no contactable committee member yet", { accountId });
  const packet = await ctx.kb.context({ accountId, personId: ranked[0]?.p.personId }, { budgetTokens: 500 });
  // Courtesy on top of the gate's rules: nobody on this account was touched on this channel in a week.
  const recentTouch = (type: string) =>
    packet.items.some(
      (i) => i.kind === "touch" && i.text.startsWith(type) && now - Date.parse(i.provenance.at) < 7 * DAY,
    );
  const facts = packet.items
    .filter((i) => i.kind === "fact" && i.provenance.url)
    .map((i) => ({ text: i.text, sourceUrl: i.provenance.url as string }));
  const signals = packet.items.filter((i) => i.kind === "signal").map((i) => i.text);
  const intent = await ctx.kb.intent(account);
  const paths: {
    type: "email.send" | "linkedin.message";
    who: { p: Person; persona: { persona: string; role: string } };
  }[] = [];
  const emailTo = ranked[0];
  if (emailTo && !recentTouch("email.send")) paths.push({ type: "email.send", who: emailTo });
  const liTo =
    ranked.find((x) => x.p.linkedinUrl && x.p.personId !== emailTo?.p.personId) ??
    ranked.find((x) => x.p.linkedinUrl);
  if (liTo && !recentTouch("linkedin.message")) paths.push({ type: "linkedin.message", who: liTo });
  for (const path of paths) {
    const { p, persona } = path.who;
    const key = `${path.type === "email.send" ? "email" : "linkedin"}:${accountId}:${p.personId}:${date}`;
    // Proposed by an earlier attempt at this list (deferred or blocked paths are not touches): the
    // gate would only replay it.
    if (await ctx.proposed(key)) continue;
    // Seeded by the proposal's key: a re-run of the same day's list chooses the same variant.
    const choice = chooseVariant({
      variants: VARIANTS,
      stats,
      persona: persona.persona,
      industry: account.industry,
      settings: learning.variants,
      rng: seededRandom(key),
      enabled: learning.enabled,
    });
    const channel = path.type === "email.send" ? "email" : "linkedin";
    const draft = await ctx.model.draftMessage({
      channel,
      variant: choice.variant as Variant,
      recipient: {
        firstName: p.firstName,
        lastName: p.lastName,
        title: p.title,
        persona: persona.persona,
        role: persona.role as never,
      },
      company: { name: account.name, industry: account.industry, employees: account.employees },
      facts,
      signals,
      sender: SENDER,
      maxLength: channel === "email" ? 900 : 500,
    });
    // Confidence from how much the draft stands on: facts it cites, a known role, real intent.
    const confidence = Math.min(
      0.95,
      0.5 +
        0.1 * Math.min(3, draft.groundedOn.length) +
        (persona.role === "influencer" ? 0 : 0.05) +
        (intent.score >= spec.quality.minIntent ? 0.05 : 0),
    );
    const common = {
      body: draft.body,
      variant: choice.variant,
      companyName: account.name,
      groundedOn: draft.groundedOn,
      persona: persona.persona,
      model: ctx.model.modelId,
    };
    await ctx.propose({
      key,
      action: { type: path.type },
      target: { accountId, personId: p.personId },
      payload:
        path.type === "email.send"
          ? { to: p.email, subject: draft.subject ?? `${account.name} and ${SENDER.product}`, ...common }
          : { linkedinUrl: p.linkedinUrl, ...common },
      reasoning: `${account.name} is on today's lead list (intent ${intent.score}); ${p.firstName} ${p.lastName} (${p.title}) is the ${persona.role.replace("_", " ")}; ${choice.why}; grounded in ${draft.groundedOn.length} research fact(s).`,
      confidence,
      signals: intent.counted.map((c) => `${c.type} ×${c.count} in ${c.windowDays} days`),
    });
  }
}
