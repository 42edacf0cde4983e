import type { Command } from "commander";
import type { CheckResult } from "../../shared/domain/decision-types.ts";
import { checkReason } from "../../shared/domain/verdict.ts";
import { allItems, type Call, type ClientOptions, client, output, type WithClient } from "./client.ts";
import { recipientOf } from "./decisions.ts";

/**
 * What a review answered, in a line: `id: status`, and for an approval the harness stopped (its
 * checks no longer pass: the person unsubscribed while it waited, a block rule confirmed since) why,
 * read from the decision's `revalidation_failed` event. The API answers such an approval 200 with the
 * decision rejected; a reviewer who saw only "rejected" could not tell it from someone else's reject.
 */
export async function reviewed(call: Call, res: { decisionId: string; status: string }): Promise<string> {
  if (res.status !== "rejected") return `${res.decisionId}: ${res.status}`;
  const d = await call("GET", `/v1/decisions/${encodeURIComponent(res.decisionId)}`);
  const stop = [...(d.events ?? [])]
    .reverse()
    .find((e: { type: string }) => e.type === "revalidation_failed");
  const failed: CheckResult[] = stop?.data?.checks ?? [];
  if (!stop || failed.length === 0) return `${res.decisionId}: rejected`;
  const why = failed.map(checkReason).join("; ");
  return `${res.decisionId}: rejected, its checks no longer pass (${why}); nothing was sent`;
}

export function registerApprovals(program: Command, withClient: WithClient): void {
  const approvals = program.command("approvals").description("the approval queue");
  withClient(approvals.command("list").description("actions waiting for a human"))
    .option("--json", "print the API's JSON")
    .action(async (opts: ClientOptions & { json?: boolean }) => {
      // biome-ignore lint/suspicious/noExplicitAny: decisions as the API returns them
      const items = await allItems<any>(client(opts), "/v1/approvals?limit=100");
      output(opts.json, { items }, () =>
        items.length === 0
          ? ["nothing waiting for approval"]
          : items.flatMap((d) => [
              `${d.decisionId}  ${d.agentId}  ${d.actionType}  to ${recipientOf(d)}  account ${d.accountId}  expires ${d.expiresAt}`,
              `    ${d.payload?.subject ? `subject: ${d.payload.subject}; ` : ""}reasoning: ${d.reasoning}`,
            ]),
      );
    });
  withClient(approvals.command("approve <decisionId>").description("approve exactly the payload shown"))
    .option("--note <note>")
    .action(async (id: string, opts: ClientOptions & { note?: string }) => {
      const call = client(opts);
      const d = await call("GET", `/v1/decisions/${encodeURIComponent(id)}`);
      console.log(`approving ${d.actionType} to ${d.personId ?? d.accountId}: ${JSON.stringify(d.payload)}`);
      const res = await call("POST", `/v1/decisions/${encodeURIComponent(id)}/approve`, {
        digest: d.payloadDigest,
        ...(opts.note ? { note: opts.note } : {}),
      });
      console.log(await reviewed(call, res));
    });
  withClient(approvals.command("reject <decisionId>").description("reject; the reservation is released"))
    .option("--note <note>")
    .action(async (id: string, opts: ClientOptions & { note?: string }) => {
      const res = await client(opts)(
        "POST",
        `/v1/decisions/${encodeURIComponent(id)}/reject`,
        opts.note ? { note: opts.note } : {},
      );
      console.log(`${res.decisionId}: ${res.status}`);
    });
}
