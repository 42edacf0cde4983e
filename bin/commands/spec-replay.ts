import { readFileSync } from "node:fs";
import type { Command } from "commander";
import type { ReplayFlip, ReplayTotals } from "../../shared/domain/replay.ts";
import { checkReason } from "../../shared/domain/verdict.ts";
import type { ReplayAnswer } from "../../shared/usecases/replay.ts";

type Call = (method: string, path: string, body?: unknown) => Promise<unknown>;
type ClientOptions = { dataDir: string; url?: string; token?: string };

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const padL = (s: string | number, n: number) => String(s).padStart(n);
const change = (a: number, b: number) => (a === b ? String(a) : `${a} → ${b}`);

/** The replay's answer as a readable report: counts, totals per agent × action type, then each flip. */
export function formatReplay(r: ReplayAnswer): string[] {
  const lines = [
    `Replay of spec ${r.specHash} over ${r.since} .. ${r.until}${r.currentVersion ? ` (current: v${r.currentVersion})` : ""}`,
    `${r.decisions} decisions: ${r.replayed} re-decided, ${r.flipped} change verdict, ${r.notProposed} would not have been proposed, ${r.notReplayable.noFacts + r.notReplayable.erased} not replayable (${r.notReplayable.noFacts} recorded without facts, ${r.notReplayable.erased} erased)`,
    "",
    `${pad("agent", 24)} ${pad("action", 22)} ${padL("proposed", 9)} ${padL("sent", 12)} ${padL("review", 12)} ${padL("deferred", 12)} ${padL("blocked", 12)}`,
  ];
  for (const t of r.totals as ReplayTotals[]) {
    const { before: b, after: a } = t;
    lines.push(
      `${pad(t.agentId, 24)} ${pad(t.actionType, 22)} ${padL(change(b.proposed, a.proposed), 9)} ${padL(change(b.sent, a.sent), 12)} ${padL(change(b.review, a.review), 12)} ${padL(change(b.deferred, a.deferred), 12)} ${padL(change(b.blocked, a.blocked), 12)}`,
    );
  }
  if (r.flips.length === 0) {
    lines.push("", "No decision changes verdict.");
    return lines;
  }
  lines.push(
    "",
    `${pad("decided at", 25)} ${pad("decision", 28)} ${pad("agent", 18)} ${pad("action", 18)} ${pad("account", 16)} verdict`,
  );
  for (const f of r.flips as ReplayFlip[]) {
    lines.push(
      `${pad(f.decidedAt, 25)} ${pad(f.decisionId, 28)} ${pad(f.agentId, 18)} ${pad(f.actionType, 18)} ${pad(f.accountId, 16)} ${f.actual} → ${f.replayed}`,
    );
    for (const c of f.changedBy)
      lines.push(`${" ".repeat(27)}${c.now === "fail" ? "now fails" : "now passes"}: ${checkReason(c)}`);
  }
  if (r.flipsListed < r.flipped + r.notProposed) lines.push(`(first ${r.flipsListed} listed)`);
  return lines;
}

/** `harness spec replay FILE [--since ISO] [--until ISO] [--json]`: POST /v1/specs/replay. */
export function registerSpecReplay(
  spec: Command,
  withClient: (cmd: Command) => Command,
  client: (opts: ClientOptions) => Call,
): void {
  withClient(
    spec
      .command("replay <file>")
      .description("re-decide recorded proposals under a proposed spec (YAML or JSON); nothing is written"),
  )
    .option("--since <iso>", "start of the window (default: 30 days before --until)")
    .option("--until <iso>", "end of the window (default: now)")
    .option("--json", "print the whole answer as JSON")
    .action(
      async (file: string, opts: ClientOptions & { since?: string; until?: string; json?: boolean }) => {
        const body = {
          spec: readFileSync(file, "utf8"),
          ...(opts.since ? { since: opts.since } : {}),
          ...(opts.until ? { until: opts.until } : {}),
        };
        const res = (await client(opts)("POST", "/v1/specs/replay", body)) as ReplayAnswer;
        console.log(opts.json ? JSON.stringify(res, null, 2) : formatReplay(res).join("\n"));
      },
    );
}
