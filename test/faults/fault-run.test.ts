/**
 * The fault suite (issue 7): `harness serve` as a child process with its real SES, HubSpot and
 * LinkedIn connectors pointed at fake vendors that fail 15% of calls (errors, timeouts, 429s);
 * agents at autonomy levels 3, 2 and 1 proposing concurrently, an approver working the queue; a
 * `kill -9` of serve and then of its DynamoDB Local mid-run, each followed by a restart. Afterwards:
 * no send carried out twice, no decision lost, every uncertain send in_doubt, caps exact, and serve
 * alive. Sized for CI on 2 cores; `npm run faults -- --minutes 5` runs the same thing longer.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CI_CONFIG } from "./helpers/config.ts";
import { runFaults } from "./helpers/fault-run.ts";
import { figures, report } from "./helpers/figures.ts";
import { checkInvariants, type Observations } from "./helpers/invariants.ts";

let run: Observations;
let violations: ReturnType<typeof checkInvariants>;

beforeAll(async () => {
  run = await runFaults({ ...CI_CONFIG, log: () => {} });
  violations = checkInvariants(run);
  console.log(report(run));
}, 170_000);

describe("fault suite: failing vendors, kill -9 of serve and of DynamoDB Local", () => {
  it("the run did what it says: faults of every kind, both crashes, sends and in-doubt outcomes", () => {
    const f = figures(run);
    expect(f.serveKills).toBe(1);
    expect(f.databaseKills).toBe(1);
    expect(f.vendorFaults.error).toBeGreaterThan(0);
    expect(f.vendorFaults.throttle).toBeGreaterThan(0);
    expect(f.vendorFaults.timeout).toBeGreaterThan(0);
    expect(f.sends).toBeGreaterThan(0);
    expect(f.approvals.approved).toBeGreaterThan(0);
  });

  it("0 duplicate sends, counted by idempotency key at the vendors", () => {
    expect(violations["0 duplicate sends (by idempotency key at the vendors)"]).toEqual([]);
  });

  it("0 lost decisions: every proposal answered 2xx is in the ledger with its events; 1 decision per proposalId", () => {
    expect.soft(violations["every proposal was eventually decided (2xx)"]).toEqual([]);
    expect.soft(violations["0 lost decisions (every 2xx is in the ledger with its events)"]).toEqual([]);
    expect.soft(violations["1 decision per proposalId"]).toEqual([]);
  });

  it("every uncertain send surfaced as in_doubt: none left dispatched, none done twice, none executed unseen", () => {
    expect
      .soft(violations["every uncertain send surfaced as in_doubt (none left dispatched, none done twice)"])
      .toEqual([]);
    expect.soft(violations["every executed action reached its vendor"]).toEqual([]);
  });

  it("caps stay exact under faults: one touch per account per day, the capped writer's daily cap", () => {
    expect(violations["caps exact (1 touch per account per day, the capped writer's daily cap)"]).toEqual([]);
  });

  it("a dead database gives 503 with Retry-After (never 500), serve keeps serving, and is alive at the end", () => {
    expect
      .soft(violations["a dependency failure is a 503 with Retry-After, never a 500 or a 4xx"])
      .toEqual([]);
    expect.soft(violations["harness serve kept serving while its database was down"]).toEqual([]);
    expect.soft(violations["harness serve alive at the end and /v1/health 200"]).toEqual([]);
  });
});
