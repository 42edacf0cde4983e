import { type Command, InvalidArgumentError } from "commander";
import type { Rate } from "../../shared/domain/wilson.ts";
import {
  METRICS,
  type Metric,
  type OutcomeGroup,
  type OutcomesReport,
} from "../../shared/usecases/reports.ts";

type Call = (method: string, path: string, body?: unknown) => Promise<unknown>;
type ClientOptions = { dataDir: string; url?: string; token?: string };

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const padL = (s: string | number, n: number) => String(s).padStart(n);
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** "12 3.5% [2.0–6.1]": the count, its rate and the 95% interval ("—" without a denominator). */
const cell = (count: number, rate: Rate | null | undefined) =>
  rate
    ? `${count} ${pct(rate.rate)} [${(rate.low * 100).toFixed(1)}–${(rate.high * 100).toFixed(1)}]`
    : `${count} —`;

const METRIC_NAMES = Object.keys(METRICS) as Metric[];
const WIDTH = 24;

/** The report as a table: one row per version or arm; for arms a second row of rates per account. */
export function formatOutcomes(r: OutcomesReport): string[] {
  const lines = [
    `Outcomes by ${r.by === "arm" ? `arm${r.experiment ? ` (experiment ${r.experiment})` : ""}` : "spec version"}, decisions made ${r.from} .. ${r.to} (${r.decisionsRead} read)`,
    "Rates per touch with 95% Wilson intervals; for arms, the second line is per account (accounts with at least one).",
    "",
    `${pad(r.by === "arm" ? "arm" : "version", 14)} ${padL("accounts", 9)} ${padL("touches", 8)}  ${METRIC_NAMES.map((m) => pad(m, WIDTH)).join(" ")}`,
  ];
  if (r.groups.length === 0) lines.push("(no decisions in the window)");
  for (const g of r.groups as OutcomeGroup[]) {
    const label =
      r.by === "arm"
        ? `${g.key}${g.holdout ? "*" : ""}${g.specVersions?.length ? ` v${g.specVersions.join(",")}` : ""}`
        : g.key;
    lines.push(
      `${pad(label, 14)} ${padL(g.accounts, 9)} ${padL(g.touches, 8)}  ${METRIC_NAMES.map((m) => pad(cell(g.counts[m], g.perTouch[m]), WIDTH)).join(" ")}`,
    );
    const { perAccount, accountsWith } = g;
    if (perAccount && accountsWith) {
      lines.push(
        `${pad("  per account", 14)} ${padL("", 9)} ${padL(g.heldOut !== undefined ? `(${g.heldOut})` : "", 8)}  ${METRIC_NAMES.map((m) => pad(cell(accountsWith[m], perAccount[m]), WIDTH)).join(" ")}`,
      );
    }
  }
  if (r.groups.some((g) => g.holdout))
    lines.push(
      "",
      "* holdout: no outreach; (n) is the touches it held back, on which its outcomes are recorded.",
    );
  return lines.map((l) => l.trimEnd());
}

/** `harness report outcomes --by arm|specVersion [--from] [--to] [--json]`. */
export function registerReport(
  program: Command,
  withClient: (cmd: Command) => Command,
  client: (opts: ClientOptions) => Call,
): void {
  const report = program.command("report").description("reports over the ledger");
  withClient(
    report
      .command("outcomes")
      .description(
        "touches, replies, meetings, unsubscribes and complaints per spec version or experiment arm",
      ),
  )
    .requiredOption("--by <what>", "arm or specVersion", (v: string) => {
      if (v !== "arm" && v !== "specVersion") throw new InvalidArgumentError("expected arm or specVersion");
      return v;
    })
    .option("--from <date>", "decisions made from (YYYY-MM-DD or ISO; default 30 days before --to)")
    .option("--to <date>", "decisions made before (YYYY-MM-DD or ISO; default now)")
    .option("--json", "print the report's JSON")
    .action(async (opts: ClientOptions & { by: string; from?: string; to?: string; json?: boolean }) => {
      const q = new URLSearchParams({ by: opts.by });
      if (opts.from) q.set("from", opts.from);
      if (opts.to) q.set("to", opts.to);
      const res = (await client(opts)("GET", `/v1/reports/outcomes?${q}`)) as OutcomesReport;
      if (opts.json) console.log(JSON.stringify(res, null, 2));
      else for (const line of formatOutcomes(res)) console.log(line);
    });
}
