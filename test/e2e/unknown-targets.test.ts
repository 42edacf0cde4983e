/**
 * Writes about things the harness does not know are 404s that write nothing (issue 7: an outcome for
 * an unknown person answered 201 and wrote a record; trust could be pinned for any agent id).
 */

import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { suppressionsFor } from "../../shared/adapters/dynamo/kb-store.ts";
import { streams } from "../../shared/domain/decision.ts";
import {
  emailProposal,
  expectStatus,
  type Harness,
  proposeOk,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  await seedAccount(h, "acme");
});
afterEach(() => h.close());

const pauses = async () => expectStatus(await h.call("GET", "/v1/pauses", h.viewer), 200).items;
const trustOf = (agentId: string, actionType = "email.send") => h.rt.deps.trust.get(agentId, actionType);

describe("POST /v1/outcomes", () => {
  it("404s for a person who does not exist, and writes nothing", async () => {
    for (const type of ["replied", "unsubscribed", "meeting_booked"]) {
      const res = await h.call("POST", "/v1/outcomes", h.admin, { personId: "ghost", type });
      expectStatus(res, 404);
      expect(res.body.message).toBe("person ghost does not exist");
    }
    expect(await h.rt.deps.decisions.events(streams.personOutcomes("ghost"))).toEqual([]);
    expect(await suppressionsFor(h.rt.db, "acme", "ghost")).toEqual([]);
    expect(await pauses()).toEqual([]);
  });

  it("404s for an unknown person even alongside a real decision, which stays untouched", async () => {
    const d = await proposeOk(h, emailProposal("outreach-writer"));
    const res = await h.call("POST", "/v1/outcomes", h.admin, {
      decisionId: d.decisionId,
      personId: "ghost",
      type: "replied",
    });
    expectStatus(res, 404);
    const after = expectStatus(await h.call("GET", `/v1/decisions/${d.decisionId}`, h.viewer), 200);
    expect(after.outcomes).toEqual([]);
    expect(await pauses()).toEqual([]);
  });

  it("404s for an unknown decision or email, as before", async () => {
    expectStatus(
      await h.call("POST", "/v1/outcomes", h.admin, { decisionId: "d-none", type: "replied" }),
      404,
    );
    expectStatus(
      await h.call("POST", "/v1/outcomes", h.admin, { email: "ghost@acme.io", type: "replied" }),
      404,
    );
    expect(await pauses()).toEqual([]);
  });

  it("still records an outcome for a known person with no touch to attribute it to", async () => {
    const res = await h.call("POST", "/v1/outcomes", h.admin, { personId: "acme-jane", type: "replied" });
    expect(expectStatus(res, 201).attributedTo).toBeNull();
    expect(await h.rt.deps.decisions.events(streams.personOutcomes("acme-jane"))).toHaveLength(1);
  });
});

describe("PUT /v1/trust/{agentId}/{actionType}", () => {
  const pinBody = { level: 3, reason: "trusted" };

  it("404s for an agent the harness does not know, saying what it knows, and writes nothing", async () => {
    const res = await h.call("PUT", "/v1/trust/outreach-writr/email.send", h.admin, pinBody);
    expectStatus(res, 404);
    expect(res.body.message).toMatch(/^agent outreach-writr is unknown: /);
    expect(res.body.message).toMatch(/agent credential/);
    expect(await trustOf("outreach-writr")).toBeUndefined();
  });

  it("pins a built-in agent before it has proposed anything", async () => {
    expect(
      expectStatus(await h.call("PUT", "/v1/trust/outreach-writer/email.send", h.admin, pinBody), 200),
    ).toMatchObject({ agentId: "outreach-writer", pinnedLevel: 3 });
  });

  it("pins an agent that holds an agent credential", async () => {
    await h.agent("my-bot");
    expectStatus(await h.call("PUT", "/v1/trust/my-bot/email.send", h.admin, pinBody), 200);
    expect((await trustOf("my-bot"))?.pinnedLevel).toBe(3);
  });

  it("pins an agent known by its decisions or its trust record, once its credential is gone", async () => {
    await proposeOk(h, emailProposal("old-bot"));
    for (const [hash, r] of h.rt.tokens.records)
      if (r.subject === "agent:old-bot") h.rt.tokens.records.delete(hash);
    expectStatus(await h.call("PUT", "/v1/trust/old-bot/email.send", h.admin, pinBody), 200);
    // Now it has a trust record too, which is enough on its own for another action type.
    expectStatus(await h.call("PUT", "/v1/trust/old-bot/linkedin.message", h.admin, pinBody), 200);
  });

  it("refuses an action type the spec does not define, and writes nothing", async () => {
    const res = await h.call("PUT", "/v1/trust/outreach-writer/fax.send", h.admin, pinBody);
    expectStatus(res, 400);
    expect(res.body.issues.map((i: { path: string }) => i.path)).toEqual(["actionType"]);
    expect(await trustOf("outreach-writer", "fax.send")).toBeUndefined();
  });
});
