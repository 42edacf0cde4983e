/**
 * `harness explain --email|--person-id [--details] [--json]`: "why did we contact this person?" in
 * plain words at the person's local time, the short answer one could send them, and with --details
 * per contact the rule ids and the engineering narration.
 */
import { type Command, InvalidArgumentError } from "commander";
import { type ClientOptions, client, type WithClient } from "./client.ts";

// biome-ignore lint/suspicious/noExplicitAny: explain's answer as the API returns it
export function formatExplain(res: any, details: boolean): string[] {
  const lines = [res.summary as string];
  if (res.shortAnswer) lines.push("", "A reply you could send them:", `  ${res.shortAnswer}`);
  if (details) {
    for (const c of res.contacts ?? []) {
      lines.push(
        "",
        `${c.decision.decisionId} (${c.localTime}, ${c.timeZone})`,
        `  rules: ${c.ruleIds.join(", ")}`,
        `  ${c.explanation}`,
      );
    }
    if (res.technicalSummary) lines.push("", "Technical summary:", res.technicalSummary);
  }
  return lines;
}

export function registerExplain(program: Command, withClient: WithClient): void {
  withClient(program.command("explain").description("why did we contact this person? (plain words)"))
    .option("--person-id <id>")
    .option("--email <email>")
    .option("--details", "also the rule ids and the engineering narration per contact")
    .option("--json", "print the API's JSON only")
    .action(
      async (
        opts: ClientOptions & { personId?: string; email?: string; details?: boolean; json?: boolean },
      ) => {
        if (!opts.email === !opts.personId)
          throw new InvalidArgumentError("give exactly one of --email, --person-id");
        const q = opts.personId
          ? `personId=${encodeURIComponent(opts.personId)}`
          : `email=${encodeURIComponent(opts.email ?? "")}`;
        const res = await client(opts)("GET", `/v1/explain?${q}`);
        if (opts.json) console.log(JSON.stringify(res, null, 2));
        else for (const l of formatExplain(res, opts.details ?? false)) console.log(l);
      },
    );
}
