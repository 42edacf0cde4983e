/**
 * The fault suite as a longer run: `npm run faults -- --minutes 5` keeps starting rounds (each with a
 * `kill -9` of harness serve and one of DynamoDB Local) until the time is up, then prints the figures
 * and the invariants; exits 1 when one does not hold. Without --minutes it runs the CI test's size.
 *
 *   npm run faults -- [--minutes N] [--rounds N] [--seed N] [--accounts N] [--fault-rate 0.15] [--keep]
 *
 * --keep leaves the run's temp folder (harness data dir, connectors file) in place and prints where.
 */
import { parseArgs } from "node:util";
import * as z from "zod";
import { CI_CONFIG } from "./helpers/config.ts";
import { runFaults } from "./helpers/fault-run.ts";
import { report } from "./helpers/figures.ts";
import { checkInvariants } from "./helpers/invariants.ts";

const Args = z
  .object({
    minutes: z.coerce
      .number()
      .positive()
      .max(24 * 60)
      .optional(),
    rounds: z.coerce.number().int().positive().default(CI_CONFIG.rounds),
    seed: z.coerce.number().int().nonnegative().default(CI_CONFIG.seed),
    accounts: z.coerce.number().int().positive().max(1_000).default(CI_CONFIG.accounts),
    "fault-rate": z.coerce.number().min(0).max(0.9).default(CI_CONFIG.faultRate),
    keep: z.boolean().default(false),
  })
  .strict();

const { values } = parseArgs({
  options: {
    minutes: { type: "string" },
    rounds: { type: "string" },
    seed: { type: "string" },
    accounts: { type: "string" },
    "fault-rate": { type: "string" },
    keep: { type: "boolean" },
  },
});
const parsed = Args.safeParse(values);
if (!parsed.success) {
  for (const i of parsed.error.issues) console.error(`--${i.path.join(".")}: ${i.message}`);
  process.exit(2);
}
const args = parsed.data;
const t0 = Date.now();
const run = await runFaults({
  ...CI_CONFIG,
  seed: args.seed,
  rounds: args.rounds,
  accounts: args.accounts,
  faultRate: args["fault-rate"],
  keep: args.keep,
  ...(args.minutes ? { minutes: args.minutes } : {}),
  log: (line) => console.error(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}`),
});
console.log(report(run));
process.exitCode = Object.values(checkInvariants(run)).some((v) => v.length > 0) ? 1 : 0;
