/**
 * agents/builtin.ts lists the built-in agents' ids for code that must not import their definitions
 * (trust's "is this agent known?"); the registry is the definitions. The two must name the same agents.
 */
import { describe, expect, it } from "vitest";
import {
  BUILTIN_AGENT_IDS,
  isBuiltinAgent,
  MODEL_AGENT_IDS,
  NOT_RUN_BY_HAND,
} from "../../shared/agents/builtin.ts";
import { agentRegistry, findAgent } from "../../shared/agents/registry.ts";
import { isKnownAgent, type KnownAgentDeps } from "../../shared/usecases/trust.ts";
import { version } from "./helpers/fixtures.ts";

describe("built-in agent ids", () => {
  it("are the registry's ids, in the registry's order, each once", () => {
    expect([...BUILTIN_AGENT_IDS]).toEqual(agentRegistry.map((a) => a.id));
    expect(new Set(BUILTIN_AGENT_IDS).size).toBe(BUILTIN_AGENT_IDS.length);
  });

  it("the model agents are the registry's agents that declare usesModel", () => {
    expect([...MODEL_AGENT_IDS].sort()).toEqual(
      agentRegistry
        .filter((a) => a.usesModel)
        .map((a) => a.id)
        .sort(),
    );
  });

  it("the agents refused a manual run are those whose handler does nothing with one", async () => {
    for (const agent of agentRegistry) {
      // A context that records whether the handler read anything at all of it.
      let touched = false;
      const ctx = new Proxy(
        {},
        {
          get: () => {
            touched = true;
            throw new Error("stop here: the handler works with a manual run");
          },
        },
      );
      await agent
        // An input every agent reads well (manual-list-sync needs its audience).
        .handler({ kind: "manual", input: { audienceId: "sdr-1" }, by: "admin@example.com" }, ctx as never)
        .catch(() => undefined);
      expect([agent.id, touched]).toEqual([agent.id, !Object.hasOwn(NOT_RUN_BY_HAND, agent.id)]);
    }
  });

  it("answer as the registry does, for its ids and for others", () => {
    for (const id of [...BUILTIN_AGENT_IDS, "field-bot", "", "List-Sync", "list-sync "])
      expect(isBuiltinAgent(id)).toBe(findAgent(id) !== undefined);
  });

  it("make a built-in agent known to trust without asking any store", async () => {
    const unasked = async () => {
      throw new Error("a built-in agent is known without asking a store");
    };
    const deps = {
      clock: { now: () => 0 },
      trust: { get: unasked },
      tokens: { list: unasked },
      decisions: { hasDecisionBy: unasked },
    } as unknown as KnownAgentDeps;
    for (const id of BUILTIN_AGENT_IDS) expect(await isKnownAgent(deps, version(), id)).toBe(true);
    await expect(isKnownAgent(deps, version(), "field-bot")).rejects.toThrow(/without asking a store/);
  });
});
