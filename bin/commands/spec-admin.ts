/**
 * `harness spec publish|show|diff`: the spec from a shell, through the public API. A diff compares two
 * published versions ("current" for the one in force) or a version and a local file, each as the
 * canonical spec (defaults filled in), so what differs is what the gate would do differently.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { createTwoFilesPatch } from "diff";
import { parse, stringify } from "yaml";
import { parseSpecText } from "../../shared/domain/spec-text.ts";
import { type Call, type ClientOptions, client, output, type WithClient } from "./client.ts";

/** Keys sorted: a stored spec and a parsed file hold the same keys in different orders. */
const canonical = (spec: unknown) => stringify(spec, { sortMapEntries: true });

/** A version number, "current", or a path to a spec file: its canonical YAML and a label. */
async function specSide(call: Call, which: string): Promise<{ label: string; yaml: string }> {
  if (which === "current" || /^\d+$/.test(which)) {
    const v = await call("GET", `/v1/specs/${which}`);
    return { label: `v${v.version} (${v.hash})`, yaml: canonical(v.spec) };
  }
  return { label: which, yaml: canonical(parseSpecText(readFileSync(which, "utf8"))) };
}

/** A unified diff of two specs' canonical YAML; empty when they are the same. */
export function specDiff(a: { label: string; yaml: string }, b: { label: string; yaml: string }): string {
  if (a.yaml === b.yaml) return "";
  return createTwoFilesPatch(a.label, b.label, a.yaml, b.yaml, undefined, undefined, { context: 3 })
    .split("\n")
    .filter((l) => !/^=+$/.test(l) && !l.startsWith("Index:"))
    .join("\n")
    .trimEnd();
}

export function registerSpecAdmin(spec: Command, withClient: WithClient): void {
  withClient(spec.command("publish <file>").description("publish a spec file (YAML or JSON); admin"))
    .option("--json", "print the API's JSON")
    .action(async (file: string, opts: ClientOptions & { json?: boolean }) => {
      const body = parse(readFileSync(file, "utf8"));
      const res = await client(opts)("POST", "/v1/specs", body);
      output(opts.json, res, () => [
        res.created
          ? `published v${res.version} (${res.hash})`
          : `unchanged: v${res.version} already has this content (${res.hash})`,
      ]);
    });

  withClient(spec.command("show [version]").description("a published spec (default: the one in force)"))
    .option("--json", "print the API's JSON")
    .action(async (version: string | undefined, opts: ClientOptions & { json?: boolean }) => {
      const v = await client(opts)("GET", `/v1/specs/${version ?? "current"}`);
      output(opts.json, v, () => [
        `# v${v.version} ${v.hash}, published ${v.publishedAt} by ${v.publishedBy}`,
        stringify(v.spec).trimEnd(),
      ]);
    });

  withClient(
    spec
      .command("diff <from> [to]")
      .description(
        "what changed between two specs: version numbers, 'current', or a file (to defaults to current)",
      ),
  ).action(async (from: string, to: string | undefined, opts: ClientOptions) => {
    const call = client(opts);
    const [a, b] = await Promise.all([specSide(call, from), specSide(call, to ?? "current")]);
    const diff = specDiff(a, b);
    console.log(diff || `no difference between ${a.label} and ${b.label}`);
  });
}
