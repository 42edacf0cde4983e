import type { Command } from "commander";
import type { FlipTotals, SpecDraft } from "../../shared/domain/drafts.ts";
import type { FlipSet } from "../../shared/usecases/flips.ts";

type Call = (method: string, path: string, body?: unknown) => Promise<unknown>;
type ClientOptions = { dataDir: string; url?: string; token?: string };
export type DraftView = SpecDraft & {
  flips: { totals: FlipTotals; versions: { version: number; totals: FlipTotals }[] };
};

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const counts = (r: Record<string, number>) =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k} ${v}`)
    .join(", ") || "none";

export function formatTotals(t: FlipTotals): string[] {
  return [
    `  by agent:       ${counts(t.byAgent)}`,
    `  by action type: ${counts(t.byActionType)}`,
    `  by day:         ${counts(t.byDay)}`,
  ];
}

export function formatFlips(f: FlipSet): string[] {
  const lines = [
    `Rule "${f.rule}" (${f.check}) in spec v${f.version}: ${f.totals.total} decisions would flip`,
  ];
  lines.push(...formatTotals(f.totals), "");
  if (f.items.length > 0)
    lines.push(
      `${pad("decided at", 25)} ${pad("decision", 28)} ${pad("agent", 20)} ${pad("action", 18)} verdict`,
    );
  for (const i of f.items)
    lines.push(
      `${pad(i.decidedAt, 25)} ${pad(i.decisionId, 28)} ${pad(i.agentId, 20)} ${pad(i.actionType, 18)} ${i.actual} → ${i.wouldBe}`,
    );
  if (f.cursor) lines.push(`(more: --cursor ${f.cursor})`);
  return lines;
}

export function formatDraft(d: SpecDraft): string {
  const closed = d.confirmedVersion ?? d.discardedVersion;
  return `${pad(d.draftId, 34)} ${pad(d.status, 10)} v${d.shadowVersion}${closed ? ` → v${closed}` : ""}  ${d.rule ? `${d.rule.effect} "${d.rule.name}"` : "intent weights"} (${d.correction.kind === "review" ? `correction of ${d.correction.decisionId} by ${d.correction.by}` : d.correction.kind === "refit" ? `refit on ${d.correction.touches} touches, ${d.correction.meetings} meetings` : "repeated rejections"})`;
}

export function formatDraftView(d: DraftView): string[] {
  const c = d.correction;
  return [
    formatDraft(d),
    ...(d.rule
      ? [`  rule: ${JSON.stringify({ when: d.rule.when, effect: d.rule.effect, mode: d.rule.mode })}`]
      : []),
    ...(d.rule?.note ? [`  why: ${d.rule.note}`] : []),
    ...Object.entries(d.weights?.to ?? {}).map(
      ([t, w]) =>
        `  ${t}: ${d.weights?.from[t] ?? 0} -> ${w} points (fitted ${d.weights?.fitted[t]?.logOdds.toFixed(3)} ± ${d.weights?.fitted[t]?.se.toFixed(3)} log-odds)`,
    ),
    ...(d.weights
      ? [
          d.weights.scaledBy
            ? `  scale: keeps ${d.weights.scaledBy.accountsOver} of ${d.weights.scaledBy.icpAccounts} ICP accounts over minIntent${d.weights.scaledBy.inForceOver === undefined ? ", as the weights in force do" : ` (under the weights in force: ${d.weights.scaledBy.inForceOver})`}`
            : "  scale: the touches' mean intent (the account directory could not set it)",
        ]
      : []),
    c.kind === "review"
      ? `  correction: ${c.action} decision ${c.decisionId}, by ${c.by} at ${c.at}: ${c.reason}`
      : c.kind === "refit"
        ? `  evidence: ${c.meetings} meetings in ${c.touches} touches`
        : `  evidence: ${c.rejected} of ${c.reviewed} reviews rejected (${c.cell.actionType} × ${c.cell.persona} × ${c.cell.industry})`,
    `  flips so far: ${d.flips.totals.total} in ${d.flips.versions.map((v) => `v${v.version}`).join(", ") || "no version yet"}`,
    ...formatTotals(d.flips.totals),
  ];
}

/** `harness spec flips VERSION --rule NAME` and `harness spec drafts [list|show|confirm|discard]`. */
export function registerSpecSteer(
  spec: Command,
  withClient: (cmd: Command) => Command,
  client: (opts: ClientOptions) => Call,
): void {
  withClient(
    spec
      .command("flips <version>")
      .description("the decisions a shadow rule would have changed in a version"),
  )
    .requiredOption("--rule <name>", "the shadow rule")
    .option("--limit <n>", "flips per page", "50")
    .option("--cursor <cursor>", "the next page, from a previous answer")
    .option("--json", "print the answer as JSON")
    .action(
      async (
        version: string,
        opts: ClientOptions & { rule: string; limit: string; cursor?: string; json?: boolean },
      ) => {
        const q = new URLSearchParams({
          rule: opts.rule,
          limit: opts.limit,
          ...(opts.cursor ? { cursor: opts.cursor } : {}),
        });
        const res = (await client(opts)(
          "GET",
          `/v1/specs/${encodeURIComponent(version)}/flips?${q}`,
        )) as FlipSet;
        console.log(opts.json ? JSON.stringify(res, null, 2) : formatFlips(res).join("\n"));
      },
    );

  const drafts = spec
    .command("drafts")
    .description("draft spec versions: a new rule in shadow, to confirm or discard");
  const list = withClient(drafts.command("list", { isDefault: true }).description("drafts, newest first"))
    .option("--status <status>", "shadow, confirmed or discarded")
    .option("--json", "print the answer as JSON");
  list.action(async (opts: ClientOptions & { status?: string; json?: boolean }) => {
    const res = (await client(opts)(
      "GET",
      `/v1/specs/drafts${opts.status ? `?status=${encodeURIComponent(opts.status)}` : ""}`,
    )) as { items: SpecDraft[] };
    if (opts.json) return console.log(JSON.stringify(res, null, 2));
    if (res.items.length === 0) console.log("no drafts");
    for (const d of res.items) console.log(formatDraft(d));
  });
  withClient(
    drafts.command("show <id>").description("a draft: its rule, its flip set so far, its correction"),
  )
    .option("--json", "print the answer as JSON")
    .action(async (id: string, opts: ClientOptions & { json?: boolean }) => {
      const res = (await client(opts)("GET", `/v1/specs/drafts/${encodeURIComponent(id)}`)) as DraftView;
      console.log(opts.json ? JSON.stringify(res, null, 2) : formatDraftView(res).join("\n"));
    });
  for (const [verb, what] of [
    ["confirm", "publish the current spec with the draft's rule enforced"],
    ["discard", "publish the current spec without the draft's rule"],
  ] as const) {
    withClient(drafts.command(`${verb} <id>`).description(what))
      .option("--reason <text>", "why, for the ledger")
      .action(async (id: string, opts: ClientOptions & { reason?: string }) => {
        const res = (await client(opts)(
          "POST",
          `/v1/specs/drafts/${encodeURIComponent(id)}/${verb}`,
          opts.reason ? { reason: opts.reason } : {},
        )) as SpecDraft & { changed: boolean };
        console.log(`${res.changed ? "" : "(already) "}${formatDraft(res)}`);
      });
  }
}
