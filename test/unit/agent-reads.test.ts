/**
 * The reads each agent credential may make of the knowledge base (shared/http/agent-reads.ts): every
 * registry agent has an entry (an agent added without one could not run out of process, and one
 * listed that the registry lacks would be a grant to nobody's code), and the check lets people
 * through, an agent only for its own reads.
 */
import { describe, expect, it } from "vitest";
import { agentRegistry } from "../../shared/agents/registry.ts";
import { AGENT_READS, assertMayRead, READS } from "../../shared/http/agent-reads.ts";

const agent = (id: string) => ({ subject: `agent:${id}`, roles: [`agent:${id}`] });

describe("agent reads", () => {
  it("names exactly the registry's agents, each with known reads", () => {
    expect(Object.keys(AGENT_READS).sort()).toEqual(agentRegistry.map((a) => a.id).sort());
    for (const reads of Object.values(AGENT_READS)) for (const r of reads) expect(READS).toContain(r);
  });

  it("lets a person read anything and an agent only its own reads", () => {
    expect(() => assertMayRead({ subject: "victor", roles: ["viewer"] }, "ledger")).not.toThrow();
    expect(() => assertMayRead(agent("outreach-writer"), "lead-lists")).not.toThrow();
    expect(() => assertMayRead(agent("list-sync"), "people")).toThrow(/agent list-sync may not read people/);
    expect(() => assertMayRead(agent("persona-classifier"), "ledger")).toThrow(
      expect.objectContaining({ name: "ForbiddenError" }),
    );
    // An agent of another framework has no entry: the context packet and memory search only.
    expect(() => assertMayRead(agent("my-crew"), "accounts")).toThrow(/my-crew may not read accounts/);
    // Ids that are names of an object's own machinery are agents like any other: refused, not a crash.
    for (const id of ["constructor", "toString", "__proto__", "hasOwnProperty"])
      expect(() => assertMayRead(agent(id), "accounts"), id).toThrow(
        expect.objectContaining({ name: "ForbiddenError" }),
      );
  });
});
