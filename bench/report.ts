import { spawnSync } from "node:child_process";
import { arch, availableParallelism, cpus, platform, release, totalmem } from "node:os";
import { CONTEXT_MODES, type ContextMode, type ThroughputResult } from "./evaluate-throughput.ts";
import type { LatencySamples } from "./gate-latency.ts";
import type { RoundTripResult } from "./round-trips.ts";
import { summarize } from "./stats.ts";

const ms = (v: number) => `${v.toFixed(2)} ms`;
const times = (v: number) => `${v.toFixed(2)}×`;
const int = (v: number) => Math.round(v).toLocaleString("en-US");

/** Rows of cells, first row the header, columns padded to their widest cell; numbers right-aligned. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) =>
    `  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("   ")}`;
  const rule = `  ${widths.map((w) => "-".repeat(w)).join("   ")}`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join("\n");
}

function javaVersion(): string {
  const res = spawnSync("java", ["-version"], { encoding: "utf8" });
  return `${res.stderr ?? ""}${res.stdout ?? ""}`.split("\n")[0]?.trim() || "unknown";
}

export function machineSection(): string {
  const cpuList = cpus();
  const model = cpuList[0]?.model.trim() ?? "unknown";
  const rows: [string, string][] = [
    ["CPUs", `${cpuList.length} × ${model} (available parallelism ${availableParallelism()})`],
    ["memory", `${(totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ["OS", `${platform()} ${release()} ${arch()}`],
    ["Node", process.version],
    ["Java", javaVersion()],
    ["DynamoDB", "DynamoDB Local, in memory, on the same machine"],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return ["Agent Harness benchmark", ...rows.map(([k, v]) => `  ${k.padEnd(width)}   ${v}`)].join("\n");
}

export function roundTripSection(r: RoundTripResult, warmUps: number): string {
  const per = (n: number) => (n / r.decisions).toFixed(2);
  const named = ["BatchGetItem", "TransactWriteItems"];
  const others = [...r.byCommand].filter(([name]) => !named.includes(name));
  const otherTotal = others.reduce((s, [, n]) => s + n, 0);
  return [
    `1. DynamoDB round trips per gated decision: happy path (allow), ${r.decisions} decisions on distinct in-ICP accounts after ${warmUps} warm-up`,
    table([
      ["", "total", "per decision"],
      ["round trips (db.roundTrips)", int(r.roundTrips), `${per(r.roundTrips)}   (target 2)`],
      ...named.map((name) => [`  ${name}`, int(r.byCommand.get(name) ?? 0), per(r.byCommand.get(name) ?? 0)]),
      [
        `  other${others.length ? ` (${others.map(([n, c]) => `${n} ${c}`).join(", ")})` : ""}`,
        int(otherTotal),
        per(otherTotal),
      ],
    ]),
  ].join("\n");
}

export function latencySection(samples: LatencySamples, warmUps: number): string {
  const gate = summarize(samples.gate);
  const bare = summarize(samples.bare);
  const inDynamo = summarize(samples.gateInDynamo);
  const inProcess = summarize(samples.gate.map((g, i) => g - (samples.gateInDynamo[i] ?? 0)));
  return [
    `2. Latency: ${gate.n} sequential happy-path decisions, each followed by a bare write (after ${warmUps} warm-up pairs)`,
    table([
      ["", "median", "p99"],
      ["gate.propose (BatchGetItem + TransactWriteItems)", ms(gate.median), ms(gate.p99)],
      ["bare TransactWriteItems (1 small Put, state table)", ms(bare.median), ms(bare.p99)],
      ["ratio gate / bare", times(gate.median / bare.median), times(gate.p99 / bare.p99)],
      ["gate.propose, inside its 2 DynamoDB requests", ms(inDynamo.median), ms(inDynamo.p99)],
      ["gate.propose, in process (checks, validation, marshalling)", ms(inProcess.median), ms(inProcess.p99)],
    ]),
    "  DynamoDB Local is slower than DynamoDB: the ratio is the figure that carries over, not the milliseconds.",
    "  Percentiles of the two gate.propose parts are taken separately: they do not add up to the total's.",
  ].join("\n");
}

export function throughputSection(
  modes: Map<ContextMode, ThroughputResult>,
  warmUpMs: number,
  blockMs: number,
  rounds: number,
): string {
  const seconds = [...modes.values()].reduce((sum, t) => sum + t.seconds, 0);
  const cpuSeconds = [...modes.values()].reduce((sum, t) => sum + t.cpuSeconds, 0);
  const gate = modes.get("gate");
  const rows = [...modes].map(([mode, t]) => [
    CONTEXT_MODES[mode],
    int(t.perSecond),
    (1e6 / t.perSecond).toFixed(2),
    int(t.perCpuSecond),
    gate ? times(t.perSecond / gate.perSecond) : "",
  ]);
  return [
    `3. Pure check evaluation: evaluate(ctx) on one core, ${seconds.toFixed(1)} s in ${rounds} interleaved rounds of ${(blockMs / 1000).toFixed(1)} s per row, after ${(warmUpMs / 1000).toFixed(1)} s warm-up`,
    "   (default spec, account with 20 signals, 4 touches in contact state, trust record; verdict allow)",
    table([["", "decisions / s", "µs / decision", "per CPU second", "vs gate"], ...rows]),
    '   The gate runs as the "gate" row: its batched read returns new objects for every proposal; it decides',
    "   with the spec object it kept while the version is the same (prepared-spec.ts keptSpec), prepared once",
    "   per spec hash, through gateContext (usecases/gate.ts). Goal (issue 8): 200,000 decisions/s on one core.",
    `   CPU time was ${(cpuSeconds / seconds).toFixed(2)}× the wall time: near 1 when the core was this process's alone;`,
    "   well below 1, other work shared it and the wall-clock rates are low by about that factor.",
  ].join("\n");
}
