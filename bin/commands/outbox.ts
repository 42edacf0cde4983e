/**
 * `harness outbox [--summary] [--json]`: what the sandbox connectors would have sent. The summary
 * separates touches (messages to a person), audiences (ads) and record syncs (CRM, lists), and shows
 * the address each went to, as the real system would have been asked.
 */
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { dataDirOption, paths } from "./client.ts";
import { recipientOf } from "./decisions.ts";

export interface OutboxLine {
  at: string;
  system?: string;
  actionType: string;
  accountId: string;
  personId?: string;
  idempotencyKey: string;
  payload: Record<string, unknown>;
}

const TOUCHES = new Set(["email.send", "linkedin.message"]);
const AUDIENCES = new Set(["linkedin.audience.add", "ads.audience.push"]);

/** Lines under three headings; an erased entry (no payload) shows its person id. */
export function formatOutbox(entries: OutboxLine[]): string[] {
  const line = (e: OutboxLine) => {
    const what = e.payload.subject ?? e.payload.operation ?? e.payload.audienceId ?? e.payload.listId ?? "";
    return `  ${e.at}  ${(e.system ?? "sandbox").padEnd(8)} ${e.actionType.padEnd(22)} ${recipientOf(e).padEnd(44)} ${String(what).slice(0, 40)}`.trimEnd();
  };
  const groups: [string, OutboxLine[]][] = [
    ["Touches (messages to a person)", entries.filter((e) => TOUCHES.has(e.actionType))],
    ["Audiences (ads)", entries.filter((e) => AUDIENCES.has(e.actionType))],
    [
      "Record syncs (CRM, lists: no message to anyone)",
      entries.filter((e) => !TOUCHES.has(e.actionType) && !AUDIENCES.has(e.actionType)),
    ],
  ];
  const out: string[] = [];
  for (const [title, list] of groups) {
    out.push(`${title}: ${list.length}`);
    out.push(...list.map(line));
  }
  return out;
}

export function readOutbox(path: string): OutboxLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as OutboxLine);
}

export function registerOutbox(program: Command): void {
  program
    .command("outbox")
    .description("what the sandbox connectors would have sent")
    .addOption(dataDirOption())
    .option("--summary", "touches, audiences and record syncs apart: when, system, action, address, subject")
    .option("--json", "the entries as one JSON array")
    .action((opts: { dataDir: string; summary?: boolean; json?: boolean }) => {
      const p = paths(opts.dataDir).outbox;
      if (opts.json) return console.log(JSON.stringify(readOutbox(p), null, 2));
      if (!existsSync(p)) return console.log("the outbox is empty");
      if (!opts.summary) return void process.stdout.write(readFileSync(p, "utf8"));
      for (const l of formatOutbox(readOutbox(p))) console.log(l);
    });
}
