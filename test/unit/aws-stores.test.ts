/**
 * A function's runtime holds the stores its entry lists (shared/runtime/aws-stores.ts) and no other:
 * reading one it was not built with fails naming the store, instead of a TypeError on undefined or a
 * silent read of a store whose adapter the bundle does not carry (issue 11, item 8).
 */
import { describe, expect, it } from "vitest";
import { createAwsRuntime, STORE_KEYS } from "../../shared/runtime/aws.ts";
import { ConfigError, parseAwsEnv } from "../../shared/runtime/aws-env.ts";
import {
  ALL_STORES,
  GATE_STORES,
  LIFECYCLE_STORES,
  OUTCOME_STORES,
  WATCHER_STORES,
} from "../../shared/runtime/aws-stores.ts";

// Only parsed and used to build clients: nothing here sends a request.
const env = parseAwsEnv({ AWS_REGION: "us-east-1", STATE_TABLE: "t-state", LEDGER_TABLE: "t-ledger" });

describe("AWS runtime: the stores a function is built with", () => {
  it("ALL_STORES builds every store", () => {
    const { deps } = createAwsRuntime(env, {}, ALL_STORES);
    for (const key of STORE_KEYS) expect(deps[key], key).toBeDefined();
  });

  it.each([
    ["gate", GATE_STORES, ["decisions", "specs"]],
    ["lifecycle", LIFECYCLE_STORES, ["decisions", "specs", "trust", "drafts"]],
    ["outcomes", OUTCOME_STORES, ["decisions", "specs", "trust", "pauses", "kb"]],
    ["watchers", WATCHER_STORES, ["decisions", "specs", "kb"]],
  ] as const)("the %s set builds its stores; reading another names it", (_, stores, present) => {
    const { deps } = createAwsRuntime(env, {}, stores);
    for (const key of STORE_KEYS) {
      if ((present as readonly string[]).includes(key)) expect(deps[key], key).toBeDefined();
      else {
        expect(() => deps[key], key).toThrow(ConfigError);
        expect(() => deps[key], key).toThrow(`without the ${key} store`);
      }
    }
    // What every function has whatever its stores.
    expect(deps.clock.now()).toBeGreaterThan(0);
    expect(deps.events.publish).toBeTypeOf("function");
  });

  it("a gate built from a lean set is given the stores it reads", () => {
    let given: Record<string, unknown> | undefined;
    createAwsRuntime(
      env,
      {
        gate: (deps) => {
          given = { decisions: deps.decisions, specs: deps.specs };
          return { propose: async () => ({}) as never };
        },
      },
      GATE_STORES,
    );
    expect(given?.decisions).toBeDefined();
    expect(given?.specs).toBeDefined();
  });
});
