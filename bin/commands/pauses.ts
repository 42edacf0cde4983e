/**
 * `harness pause`, `harness resume`, `harness pauses`: kill switches (global, agent, channel, account)
 * from a shell, through the public API. A pause with an end defers what it catches until then; one
 * without an end blocks. Stop-on-reply pauses (made by a reply) are listed as such.
 */
import { type Command, InvalidArgumentError } from "commander";
import { parseTtl } from "../../shared/adapters/local/token-store.ts";
import { type ClientOptions, client, output, type WithClient } from "./client.ts";

const SCOPES = ["global", "agent", "channel", "account"] as const;

// biome-ignore lint/suspicious/noExplicitAny: pauses as the API returns them
type P = any;

export const pauseLine = (p: P) =>
  `${p.pauseId}  ${String(p.scope === "global" ? "everything" : `${p.scope} ${p.target}`).padEnd(36)} ${/^stop-on-reply/.test(p.reason) ? "stop-on-reply pause" : `by ${p.createdBy}`}: ${p.reason}${p.until ? ` (until ${p.until})` : " (until resumed)"}`;

const duration = (v: string) => {
  try {
    return parseTtl(v);
  } catch {
    throw new InvalidArgumentError(`expected a duration such as 90m, 12h, 3d or 2w`);
  }
};

export function registerPauses(program: Command, withClient: WithClient): void {
  withClient(
    program
      .command("pause <scope> [target]")
      .description(
        "pause outreach: global, agent <agentId>, channel <email|linkedin|...> or account <accountId>",
      ),
  )
    .requiredOption("--reason <text>", "why (shown to everyone who sees the pause)")
    .option("--until <iso>", "end time (ISO 8601 with offset); without an end the pause blocks until resumed")
    .option("--for <duration>", "end after this long on the server's clock, e.g. 90m, 12h, 3d", duration)
    .action(
      async (
        scope: string,
        target: string | undefined,
        opts: ClientOptions & { reason: string; until?: string; for?: number },
      ) => {
        if (!(SCOPES as readonly string[]).includes(scope))
          throw new InvalidArgumentError(`scope: expected one of ${SCOPES.join(", ")}`);
        if (opts.until && opts.for) throw new InvalidArgumentError("give at most one of --until, --for");
        const call = client(opts);
        const until =
          opts.until ??
          (opts.for
            ? new Date(Date.parse((await call("GET", "/v1/health")).time) + opts.for).toISOString()
            : undefined);
        const p = await call("POST", "/v1/pauses", {
          scope,
          ...(target ? { target } : {}),
          reason: opts.reason,
          ...(until ? { until } : {}),
        });
        console.log(`paused: ${pauseLine(p)}`);
        console.log(`resume with: harness resume ${p.pauseId}`);
      },
    );

  withClient(
    program
      .command("resume <what> [target]")
      .description(
        "lift a pause by its id, or every pause of a scope: resume agent <agentId>, resume global",
      ),
  ).action(async (what: string, target: string | undefined, opts: ClientOptions) => {
    const call = client(opts);
    let ids = [what];
    if ((SCOPES as readonly string[]).includes(what)) {
      const { items } = await call("GET", "/v1/pauses");
      ids = (items as P[])
        .filter((p) => p.scope === what && (what === "global" || p.target === target))
        .map((p) => p.pauseId);
      if (ids.length === 0)
        return console.log(`no pause on ${what === "global" ? "everything" : `${what} ${target ?? "?"}`}`);
    }
    for (const id of ids) {
      const res = await call("DELETE", `/v1/pauses/${encodeURIComponent(id)}`);
      console.log(`resumed: ${pauseLine(res.lifted)}`);
    }
  });

  withClient(program.command("pauses").description("pauses in force (kill switches and stop-on-reply)"))
    .option("--json", "print the API's JSON")
    .action(async (opts: ClientOptions & { json?: boolean }) => {
      const res = await client(opts)("GET", "/v1/pauses");
      output(opts.json, res, () => (res.items.length === 0 ? ["no pauses"] : res.items.map(pauseLine)));
    });
}
