/**
 * `harness trust [list]`, `harness trust pin|unpin`: trust and autonomy per agent × action type, and an
 * admin's pin (a level held whatever the evidence says, e.g. to hold a new agent at level 1).
 */
import { type Command, InvalidArgumentError } from "commander";
import { allItems, type ClientOptions, client, output, type WithClient } from "./client.ts";

// biome-ignore lint/suspicious/noExplicitAny: trust views as the API returns them (describeTrust)
type T = any;

export const trustLine = (t: T) =>
  `${String(t.agentId).padEnd(24)} ${String(t.actionType).padEnd(24)} level ${t.effectiveLevel}${t.pinnedLevel ? " (pinned)" : ""}  score ${Number(t.score).toFixed(2)}  lower bound ${Number(t.lowerBound).toFixed(2)}  n=${t.sample}`;

const level = (v: string) => {
  if (!["1", "2", "3"].includes(v)) throw new InvalidArgumentError("expected 1, 2 or 3");
  return Number(v) as 1 | 2 | 3;
};

export function registerTrust(program: Command, withClient: WithClient): void {
  const trust = program.command("trust").description("trust and autonomy level per agent × action type");
  withClient(
    trust.command("list", { isDefault: true }).description("every agent × action type (the default)"),
  )
    .option("--json", "print the API's JSON")
    .action(async (opts: ClientOptions & { json?: boolean }) => {
      const items = await allItems<T>(client(opts), "/v1/trust?limit=100");
      output(opts.json, { items }, () =>
        items.length === 0
          ? ["no outcomes recorded yet: every agent is at its spec's starting level"]
          : items.map(trustLine),
      );
    });
  withClient(
    trust
      .command("history <agentId> <actionType>")
      .description("level changes and pins of one agent × action type, oldest first, with their evidence"),
  )
    .option("--json", "print the API's JSON (with the score points)")
    .action(async (agentId: string, actionType: string, opts: ClientOptions & { json?: boolean }) => {
      const res = await client(opts)(
        "GET",
        `/v1/trust/${encodeURIComponent(agentId)}/${encodeURIComponent(actionType)}/history`,
      );
      output(opts.json, res, () => [
        ...(res.current ? [trustLine(res.current)] : []),
        ...(res.changes ?? []).map(
          (c: T) =>
            `  ${c.at}  ${String(c.type).padEnd(16)} ${c.from ?? "-"} → ${c.to ?? "-"}  by ${c.actor}: ${c.reason}`,
        ),
      ]);
    });
  withClient(
    trust
      .command("pin <agentId> <actionType> <level>")
      .description("hold an agent × action type at a level (1, 2 or 3) whatever its trust; admin"),
  )
    .requiredOption("--reason <text>", "why (kept in the ledger)")
    .action(
      async (agentId: string, actionType: string, lvl: string, opts: ClientOptions & { reason: string }) => {
        const res = await client(opts)(
          "PUT",
          `/v1/trust/${encodeURIComponent(agentId)}/${encodeURIComponent(actionType)}`,
          { level: level(lvl), reason: opts.reason },
        );
        console.log(`pinned: ${trustLine(res)}`);
      },
    );
  withClient(
    trust
      .command("unpin <agentId> <actionType>")
      .description("let the level follow the evidence again; admin"),
  )
    .requiredOption("--reason <text>", "why (kept in the ledger)")
    .action(async (agentId: string, actionType: string, opts: ClientOptions & { reason: string }) => {
      const res = await client(opts)(
        "PUT",
        `/v1/trust/${encodeURIComponent(agentId)}/${encodeURIComponent(actionType)}`,
        { level: null, reason: opts.reason },
      );
      console.log(`unpinned: ${trustLine(res)}`);
    });
}
