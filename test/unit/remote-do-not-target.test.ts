/**
 * Out of process, the knowledge view learns who may not be targeted from the API
 * (shared/runtime/remote-agent-kb.ts): the account's people page says which of its people the
 * suppression list names and whether it names the account itself, so an account suppressed with
 * nobody on file yet is known to be one without a single request more.
 */
import { describe, expect, it } from "vitest";
import { createClient } from "../../shared/client/client.ts";
import { RemoteKnowledgeView } from "../../shared/runtime/remote-agent-kb.ts";

function view(pages: Record<string, { doNotTarget?: string[]; accountDoNotTarget?: boolean }>) {
  const asked: string[] = [];
  const client = createClient(async (method, path) => {
    asked.push(`${method} ${path}`);
    const people = /^\/v1\/kb\/accounts\/([^/]+)\/people/.exec(path);
    if (people?.[1] && pages[people[1]])
      return { status: 200, data: { items: [], classifications: [], cursor: null, ...pages[people[1]] } };
    const dnt = /^\/v1\/kb\/accounts\/([^/]+)\/do-not-target\?personIds=(.*)$/.exec(path);
    if (dnt) return { status: 200, data: { personIds: [], account: dnt[1] === "held" } };
    return { status: 404, data: { error: "not_found", message: path } };
  });
  return { kb: new RemoteKnowledgeView(client, { now: () => 0 }), asked };
}

describe("who may not be targeted, read over the API", () => {
  it("an account the suppression list names, with nobody on file, is known from its people page", async () => {
    const { kb, asked } = view({
      held: { doNotTarget: [], accountDoNotTarget: true },
      open: { doNotTarget: [] },
    });
    expect(await kb.peopleAt("held")).toEqual([]);
    expect(await kb.doNotTargetAt("held", [])).toEqual({ account: true, people: new Set() });
    expect(await kb.doNotTargetAt("held", ["held-x"])).toEqual({
      account: true,
      people: new Set(["held-x"]),
    });
    await kb.peopleAt("open");
    expect(await kb.doNotTargetAt("open", [])).toEqual({ account: false, people: new Set() });
    expect(asked.filter((a) => a.includes("do-not-target"))).toEqual([]);
  });

  it("without the page read, its own route says so of the people asked about", async () => {
    const { kb } = view({});
    expect((await kb.doNotTargetAt("held", ["held-x"])).account).toBe(true);
    expect((await kb.doNotTargetAt("other", ["other-x"])).account).toBe(false);
  });
});
