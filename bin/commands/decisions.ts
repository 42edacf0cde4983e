/**
 * `harness decisions list|show`, `harness scheduled`, `harness veto`, `harness settle`: what an operator reads and does
 * about decisions from a shell, through the public API (the same calls the console makes).
 */
import { type Command, InvalidArgumentError } from "commander";
import { STATUSES } from "../../shared/domain/vocabulary.ts";
import { allItems, type Call, type ClientOptions, client, output, type WithClient } from "./client.ts";

// biome-ignore lint/suspicious/noExplicitAny: decisions as the API returns them (PublicDecision)
type D = any;

/** Who an action goes to: the address when the payload has one, else the person or account id. */
export const recipientOf = (d: { payload?: Record<string, unknown>; personId?: string; accountId: string }) =>
  String(
    d.payload?.to ??
      d.payload?.linkedinUrl ??
      d.payload?.email ??
      (d.payload?.contact as { email?: string } | undefined)?.email ??
      d.personId ??
      d.accountId,
  );

/** "12m 05s" / "1h 02m" / "due" */
export function timeLeft(ms: number): string {
  if (ms <= 0) return "due";
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h ${String(m).padStart(2, "0")}m` : `${m}m ${String(s % 60).padStart(2, "0")}s`;
}

export const decisionLine = (d: D) =>
  `${d.decidedAt}  ${d.decisionId}  ${String(d.agentId).padEnd(24)} ${String(d.actionType).padEnd(22)} ${String(d.status).padEnd(16)} ${recipientOf(d)}`;

/** A decision as a page: the action, every check, the ledger timeline and outcomes. */
export function formatDecision(d: D): string[] {
  const lines = [
    `${d.decisionId}: ${d.agentId} ${d.actionType} for account ${d.accountId}${d.personId ? `, person ${d.personId}` : ""}`,
    `  verdict ${d.verdict}, status ${d.status}, level ${d.autonomyLevel} (${d.autonomySource}), spec v${d.specVersion}`,
    `  to ${recipientOf(d)}${d.executeAt ? `; executes at ${d.executeAt}` : ""}${d.expiresAt ? `; approval expires ${d.expiresAt}` : ""}`,
    `  reasoning (confidence ${d.confidence}): ${d.reasoning}`,
  ];
  for (const [k, v] of Object.entries(d.payload ?? {}))
    if (typeof v !== "object") lines.push(`  ${k}: ${String(v).replace(/\n/g, "\n    ")}`);
  lines.push("Checks");
  for (const c of d.checks ?? [])
    lines.push(
      `  ${String(c.result).padEnd(5)} ${`${c.check}${c.rule ? ` (${c.rule})` : ""}`.padEnd(48)} ${c.shadow ? "[shadow] " : ""}${c.detail}`,
    );
  if (d.events?.length) {
    lines.push("Timeline");
    for (const e of d.events)
      lines.push(`  ${e.at}  ${String(e.type).padEnd(20)} ${e.actor}  ${e.detail ?? ""}`);
  }
  if (d.outcomes?.length) lines.push(`Outcomes: ${d.outcomes.map((o: D) => `${o.type} ${o.at}`).join(", ")}`);
  return lines.map((l) => l.trimEnd());
}

/** The server's clock: under `npm start` it is simulated, so time left is judged on it, not the wall. */
async function serverNow(call: Call): Promise<number> {
  const health = await call("GET", "/v1/health");
  return Date.parse(health.time);
}

export function registerDecisions(program: Command, withClient: WithClient): void {
  const decisions = program.command("decisions").description("decisions the gate made");
  withClient(
    decisions
      .command("list")
      .description("decisions by account, person, agent or status (newest first); give at least one"),
  )
    .option("--account <id>", "account id")
    .option("--person <id>", "person id")
    .option("--agent <id>", "agent id")
    .option("--status <status>", STATUSES.join(", "))
    .option("--limit <n>", "at most this many (follows pages)", (v) => Number(v), 25)
    .option("--json", "print the API's JSON")
    .action(async (opts: ClientOptions & Record<string, string | number | boolean | undefined>) => {
      if (!opts.account && !opts.person && !opts.agent && !opts.status)
        throw new InvalidArgumentError("give at least one of --account, --person, --agent, --status");
      if (opts.status && !(STATUSES as readonly string[]).includes(String(opts.status)))
        throw new InvalidArgumentError(`--status: expected one of ${STATUSES.join(", ")}`);
      const q = new URLSearchParams();
      if (opts.account) q.set("accountId", String(opts.account));
      if (opts.person) q.set("personId", String(opts.person));
      if (opts.agent) q.set("agentId", String(opts.agent));
      if (opts.status) q.set("status", String(opts.status));
      const limit = Number(opts.limit);
      q.set("limit", String(Math.min(100, limit)));
      const items = await allItems<D>(client(opts), `/v1/decisions?${q}`, limit);
      output(opts.json as boolean | undefined, { items }, () =>
        items.length === 0 ? ["no decisions match"] : items.map(decisionLine),
      );
    });
  withClient(decisions.command("show <decisionId>").description("one decision: checks, timeline, outcomes"))
    .option("--json", "print the API's JSON")
    .action(async (id: string, opts: ClientOptions & { json?: boolean }) => {
      const d = await client(opts)("GET", `/v1/decisions/${encodeURIComponent(id)}`);
      output(opts.json, d, () => formatDecision(d));
    });

  withClient(
    program
      .command("scheduled")
      .description("level-2 actions inside their override window, with the time left to veto them"),
  )
    .option("--json", "print the decisions as JSON, each with msLeft")
    .action(async (opts: ClientOptions & { json?: boolean }) => {
      const call = client(opts);
      const now = await serverNow(call);
      const items = (await allItems<D>(call, "/v1/decisions?status=scheduled&limit=100"))
        .map((d) => ({ ...d, msLeft: Date.parse(d.executeAt) - now }))
        .sort((a, b) => a.msLeft - b.msLeft);
      output(opts.json, { items, now: new Date(now).toISOString() }, () =>
        items.length === 0
          ? ["nothing scheduled: no level-2 action is inside its override window"]
          : [
              `${items.length} scheduled (server time ${new Date(now).toISOString()}); veto with: harness veto <decisionId>`,
              ...items.map(
                (d) =>
                  `${timeLeft(d.msLeft).padStart(8)} left  ${d.decisionId}  ${String(d.agentId).padEnd(24)} ${String(d.actionType).padEnd(22)} ${recipientOf(d)}`,
              ),
            ],
      );
    });

  withClient(
    program.command("veto <decisionId>").description("stop a scheduled (level-2) action inside its window"),
  )
    .option("--note <note>", "why (kept in the ledger)")
    .action(async (id: string, opts: ClientOptions & { note?: string }) => {
      const res = await client(opts)(
        "POST",
        `/v1/decisions/${encodeURIComponent(id)}/veto`,
        opts.note ? { note: opts.note } : {},
      );
      console.log(`${res.decisionId}: ${res.status}`);
    });

  withClient(
    program
      .command("settle <decisionId>")
      .description(
        "settle an action left in doubt, having looked in the vendor's records: it went out, or it did not",
      ),
  )
    .option("--went-out", "it went out: executed")
    .option("--not-sent", "it did not go out: failed, its reservation given back")
    .option("--external-id <id>", "the vendor's id of what was done (with --went-out)")
    .requiredOption("--note <note>", "what you looked at (kept in the ledger)")
    .action(
      async (
        id: string,
        opts: ClientOptions & { wentOut?: boolean; notSent?: boolean; externalId?: string; note: string },
      ) => {
        if (opts.wentOut === opts.notSent) throw new InvalidArgumentError("say --went-out or --not-sent");
        const res = await client(opts)("POST", `/v1/decisions/${encodeURIComponent(id)}/settle`, {
          wentOut: opts.wentOut === true,
          ...(opts.externalId ? { externalId: opts.externalId } : {}),
          note: opts.note,
        });
        console.log(`${res.decisionId}: ${res.status}`);
      },
    );
}
