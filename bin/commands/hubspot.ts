/**
 * `harness hubspot setup [--check]`: creates, in the portal of the private app whose token is in
 * HUBSPOT_ACCESS_TOKEN, the custom properties the HubSpot connector writes
 * (shared/adapters/connectors/hubspot-properties.ts). The token comes from the environment, never an
 * option: a token on the command line stays in the shell's history and in the process list.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import {
  ensureHubSpotProperties,
  type PropertyStatus,
} from "../../shared/adapters/connectors/hubspot-properties.ts";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** https, or http to this machine only (a local stand-in): the token goes to whatever this names. */
function apiUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError("expected a URL");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && LOOPBACK.has(url.hostname)))
    throw new InvalidArgumentError("expected an https:// URL (http only to this machine)");
  return url.href.replace(/\/$/, "");
}

export function formatStatuses(statuses: PropertyStatus[]): string[] {
  return statuses.map((s) =>
    `  ${s.status.padEnd(8)} ${`${s.objectType}.${s.name}`.padEnd(40)}${s.why ? ` ${s.why}` : ""}`.trimEnd(),
  );
}

export function registerHubSpot(program: Command) {
  const hubspot = program.command("hubspot").description("HubSpot portal setup");
  hubspot
    .command("setup")
    .description(
      "create the custom properties the HubSpot connector writes (idempotent; token from HUBSPOT_ACCESS_TOKEN)",
    )
    .option("--check", "only say what is missing; create nothing")
    .addOption(
      new Option("--api-url <url>", "HubSpot's API").default("https://api.hubapi.com").argParser(apiUrl),
    )
    .action(async (o: { check?: boolean; apiUrl: string }) => {
      const token = process.env.HUBSPOT_ACCESS_TOKEN;
      if (!token) {
        console.error(
          "HUBSPOT_ACCESS_TOKEN is not set: the token of the private app the connector uses (it must be allowed to change property settings)",
        );
        process.exitCode = 2;
        return;
      }
      let statuses: PropertyStatus[];
      try {
        statuses = await ensureHubSpotProperties(
          { accessToken: token, basePath: o.apiUrl },
          o.check ? { check: true } : {},
        );
      } catch (err) {
        const e = err as { code?: unknown; body?: { message?: unknown }; message?: string };
        const said = typeof e.body?.message === "string" ? e.body.message : e.message;
        console.error(
          typeof e.code === "number" ? `HubSpot answered ${e.code}: ${said}` : `HubSpot not reached: ${said}`,
        );
        process.exitCode = 1;
        return;
      }
      for (const line of formatStatuses(statuses)) console.log(line);
      const unusable = statuses.filter((s) => s.status === "unusable").length;
      const missing = statuses.filter((s) => s.status === "missing").length;
      if (unusable > 0)
        console.error(
          `${unusable} existing propert${unusable === 1 ? "y" : "ies"} cannot serve the connector`,
        );
      if (missing > 0) console.error(`${missing} missing: run without --check to create them`);
      process.exitCode = unusable > 0 || missing > 0 ? 1 : 0;
    });
}
