/**
 * The cold-start bench's first invocations (bench/first-events.ts) follow each function's real path:
 * every entry has a payload of its trigger, and invoked with it against the bench's AWS stand-in the
 * function gets past its input and its wiring to its AWS calls. A route renamed or a payload the
 * handler refuses would otherwise make the bench time a 400 or a 404 again, i.e. the imports only.
 * In process, from the sources: what the bundles add is bench/bundles.ts's and bundle-loads' matter.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { awsStandIn, FUNCTION_ENTRIES, FUNCTION_ENV, type StandIn } from "../../bench/bundles.ts";
import { entriesWithoutEvent, entryEnv, firstEvent } from "../../bench/first-events.ts";
import { firstRequest, NOT_A_REAL_PATH } from "./first-request.ts";

/** Functions whose first request reads nothing from AWS: the clock, and the tool list of no server. */
const NO_CALLS = new Set(["functions/api/health.ts", "functions/api/knowledge-tools.ts"]);
/** The gate answers 503 (retry) while no spec is published, which an empty stand-in never has. */
const NO_SPEC_503 = new Set(["functions/api/proposals.ts"]);

let aws: StandIn;
let calls: unknown[] = [];
beforeAll(async () => {
  aws = await awsStandIn((c) => calls.push(c));
});
afterAll(() => aws.close());

describe("the bench's first invocations", () => {
  it("every function entry has a payload of its own trigger", () => {
    expect(FUNCTION_ENTRIES.length).toBeGreaterThan(20);
    expect(entriesWithoutEvent(FUNCTION_ENTRIES)).toEqual([]);
  });

  it.each(FUNCTION_ENTRIES)("%s gets past its input and wiring to its AWS calls", async (entry) => {
    calls = [];
    const env = { ...FUNCTION_ENV, ...entryEnv(entry, aws.url), AWS_ENDPOINT_URL: aws.url };
    const { text, status } = await firstRequest(entry, env, firstEvent(entry));
    expect(text).not.toMatch(NOT_A_REAL_PATH);
    if (status !== undefined) {
      // An API function answers a bug with a 500 whose body names nothing: the status is the sign.
      expect([400, 401, 403, 405, 406, 415, 500]).not.toContain(status);
      if (status === 503) expect(NO_SPEC_503.has(entry), `${entry}: 503`).toBe(true);
    }
    if (NO_CALLS.has(entry)) expect(status).toBe(200);
    else expect(calls.length).toBeGreaterThan(0);
  });
});
