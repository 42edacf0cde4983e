/**
 * Steering through the HTTP API (issue 8, deliverables 2 and 3): a shadow rule's flip set, a
 * correction that becomes a draft rule, drafts confirmed or discarded, and the harness's own
 * repeated-rejection drafts.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  emailProposal,
  expectStatus,
  type Harness,
  linkedinProposal,
  proposeOk,
  seedAccount,
  startHarness,
} from "./helpers/harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
});
afterEach(() => h.close());

const WRITER = "outreach-writer";

async function publishWithRule(rule: Record<string, unknown>) {
  const current = expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200);
  const spec = { ...current.spec, rules: [...(current.spec.rules ?? []), rule] };
  return expectStatus(await h.call("POST", "/v1/specs", h.admin, spec), 201);
}

async function rejectedDecision(accountId: string, note = "no") {
  await seedAccount(h, accountId);
  const d = await proposeOk(h, emailProposal(WRITER, accountId));
  expect(d.status).toBe("pending_approval");
  expectStatus(await h.call("POST", `/v1/decisions/${d.decisionId}/reject`, h.approver, { note }), 200);
  return d;
}

const correct = (decisionId: string, body: unknown, token = h.approver) =>
  h.call("POST", `/v1/decisions/${decisionId}/corrections`, token, body);
const current = async () => expectStatus(await h.call("GET", "/v1/specs/current", h.viewer), 200);
const drafts = async (q = "") => expectStatus(await h.call("GET", `/v1/specs/drafts${q}`, h.admin), 200);

describe("flip sets", () => {
  it("list exactly the decisions a shadow rule would have changed, with totals, paginated, counted once", async () => {
    const rule = "no-software-email";
    const v = await publishWithRule({
      name: rule,
      when: { actionTypes: ["email.send"], industries: ["Software"] },
      effect: "block",
      mode: "shadow",
    });
    for (const id of ["acme", "beta", "delta", "eps"]) await seedAccount(h, id);
    await seedAccount(h, "gamma", { industry: "Internet" });
    expectStatus(
      await h.call("PUT", "/v1/people/eps-ian", h.admin, {
        accountId: "eps",
        email: "ian@eps.io",
        firstName: "Ian",
        lastName: "Roe",
        title: "Sales Intern",
      }),
      200,
    );
    const acme = await proposeOk(h, emailProposal(WRITER, "acme"));
    const beta = await proposeOk(h, emailProposal(WRITER, "beta"));
    const gamma = await proposeOk(h, emailProposal(WRITER, "gamma")); // another industry
    const delta = await proposeOk(h, linkedinProposal(WRITER, "delta")); // another action
    const eps = await proposeOk(h, emailProposal(WRITER, "eps", "eps-ian")); // blocked anyway
    for (const d of [acme, beta, gamma, delta]) expect(d.verdict).toBe("require_approval");
    // The rule fired on the intern's email, but the verdict was block already: no flip.
    expect(eps.verdict).toBe("block");
    expect(eps.shadow).toContainEqual({ rule, check: "rule", verdict: "block" });
    expect(acme.shadow).toContainEqual({ rule, check: "rule", verdict: "block" });
    // A retried proposal is the same decision: nothing counted again.
    const retry = await h.call("POST", "/v1/proposals", await h.agent(WRITER), {
      ...emailProposal(WRITER, "acme"),
      proposalId: acme.proposalId,
    });
    expect(expectStatus(retry, 200).replay).toBe(true);

    const path = `/v1/specs/${v.version}/flips?rule=${rule}`;
    const all = expectStatus(await h.call("GET", path, h.viewer), 200);
    expect(all.items.map((f: { decisionId: string }) => f.decisionId).sort()).toEqual(
      [acme.decisionId, beta.decisionId].sort(),
    );
    for (const f of all.items)
      expect(f).toMatchObject({ actual: "require_approval", wouldBe: "block", check: "rule" });
    expect(all.totals).toEqual({
      total: 2,
      byAgent: { [WRITER]: 2 },
      byActionType: { "email.send": 2 },
      byDay: { "2026-03-10": 2 },
    });
    expect(JSON.stringify(all)).not.toMatch(/jane|Jane|pricing/);

    const first = expectStatus(await h.call("GET", `${path}&limit=1`, h.viewer), 200);
    expect(first.items).toHaveLength(1);
    expect(first.cursor).toEqual(expect.any(String));
    const second = expectStatus(
      await h.call("GET", `${path}&limit=1&cursor=${encodeURIComponent(first.cursor)}`, h.viewer),
      200,
    );
    expect([...first.items, ...second.items].map((f: { decisionId: string }) => f.decisionId).sort()).toEqual(
      all.items.map((f: { decisionId: string }) => f.decisionId).sort(),
    );
  });

  it("a rule the version does not have or does not shadow is a 400 naming rule; an unknown version a 404", async () => {
    const unknown = await h.call("GET", "/v1/specs/1/flips?rule=nope", h.viewer);
    expect(expectStatus(unknown, 400).issues).toContainEqual({
      path: "rule",
      message: expect.stringMatching(/unknown rule/),
    });
    const enforced = await h.call("GET", "/v1/specs/1/flips?rule=one-touch-per-account-per-day", h.viewer);
    expect(expectStatus(enforced, 400).issues[0]).toMatchObject({
      path: "rule",
      message: expect.stringMatching(/not in shadow/),
    });
    expectStatus(await h.call("GET", "/v1/specs/99/flips?rule=nope", h.viewer), 404);
    expectStatus(await h.call("GET", "/v1/specs/1/flips", h.viewer), 400);
  });
});

describe("corrections become draft rules", () => {
  it("a rejection with makeRule drafts a shadow rule; confirmed, it blocks the next such proposal and not an unrelated one", async () => {
    const rejected = await rejectedDecision("acme");
    const body = { makeRule: true, note: 'Never promise "two weeks" to Jane Doe' };
    const draft = expectStatus(await correct(rejected.decisionId, body), 201);
    expect(draft).toMatchObject({
      status: "shadow",
      baseVersion: 1,
      shadowVersion: 2,
      rule: {
        when: { actionTypes: ["email.send"], phrases: ["two weeks"] },
        effect: "block",
        mode: "shadow",
      },
      correction: { kind: "review", decisionId: rejected.decisionId, action: "rejected", by: "alice" },
      createdBy: "alice",
    });
    // The reviewer's note is kept without the person's name.
    expect(draft.correction.reason).not.toMatch(/Jane|Doe/);
    const shadowSpec = await current();
    expect(shadowSpec).toMatchObject({ version: 2, draftId: draft.draftId });
    expect(shadowSpec.spec.rules).toContainEqual(
      expect.objectContaining({ name: draft.rule.name, mode: "shadow" }),
    );
    // A retried correction finds the draft it made.
    const again = expectStatus(await correct(rejected.decisionId, body), 200);
    expect(again.draftId).toBe(draft.draftId);
    expect((await current()).version).toBe(2);

    // In shadow it changes nothing, and accumulates its flip set.
    await seedAccount(h, "beta");
    const during = await proposeOk(h, emailProposal(WRITER, "beta"));
    expect(during).toMatchObject({ verdict: "require_approval", specVersion: 2 });
    const shown = expectStatus(await h.call("GET", `/v1/specs/drafts/${draft.draftId}`, h.admin), 200);
    expect(shown.flips.totals.total).toBe(1);
    expect(shown.flips.items.map((f: { decisionId: string }) => f.decisionId)).toEqual([during.decisionId]);
    expect((await drafts()).items.map((d: { draftId: string }) => d.draftId)).toEqual([draft.draftId]);
    expectStatus(await h.call("GET", "/v1/specs/drafts", h.approver), 403);

    const confirmed = expectStatus(
      await h.call("POST", `/v1/specs/drafts/${draft.draftId}/confirm`, h.admin, {
        reason: "agreed in review",
      }),
      200,
    );
    expect(confirmed).toMatchObject({
      status: "confirmed",
      confirmedVersion: 3,
      changed: true,
      closedBy: "root",
    });
    expect(
      expectStatus(await h.call("POST", `/v1/specs/drafts/${draft.draftId}/confirm`, h.admin), 200).changed,
    ).toBe(false);
    expectStatus(await h.call("POST", `/v1/specs/drafts/${draft.draftId}/discard`, h.admin), 409);
    const enforced = await current();
    expect(enforced.version).toBe(3);
    expect(enforced.spec.rules).toContainEqual(
      expect.objectContaining({ name: draft.rule.name, mode: "enforce" }),
    );

    await seedAccount(h, "gamma");
    const next = await proposeOk(h, emailProposal(WRITER, "gamma"));
    expect(next.verdict).toBe("block");
    expect(next.checks).toContainEqual(
      expect.objectContaining({ check: "rule", rule: draft.rule.name, result: "fail" }),
    );
    await seedAccount(h, "delta");
    const unrelated = await proposeOk(
      h,
      emailProposal(WRITER, "delta", "delta-jane", {
        payload: {
          subject: "Your pricing research",
          body: "Hi Jane, saw your team comparing plans this week. Worth a talk?",
        },
      }),
    );
    expect(unrelated.verdict).toBe("require_approval");
    expect(unrelated.checks.some((c: { rule?: string }) => c.rule === draft.rule.name)).toBe(false);

    // The spec stream names who and why, and its chain still verifies.
    const events = await h.rt.deps.decisions.events("SPEC");
    expect(events.find((e) => e.seq === 2)).toMatchObject({
      actor: "alice",
      detail: expect.stringMatching(/correction of decision/),
      data: { draftId: draft.draftId, draft: "created" },
    });
    expect(events.find((e) => e.seq === 3)).toMatchObject({
      actor: "root",
      detail: expect.stringMatching(/confirmed by root.*agreed in review/),
      data: { draftId: draft.draftId, draft: "confirmed" },
    });
    expect(JSON.stringify(events)).not.toMatch(/Jane|Doe/);
    expect(expectStatus(await h.call("GET", "/v1/ledger/verify", h.admin), 200).ok).toBe(true);
  });

  it("an edit's correction is made from what the agent proposed: the phrase the reviewer took out is the rule", async () => {
    /** A decision whose reviewer took "two weeks" out of the agent's email and approved it. */
    const editedDecision = async (accountId: string) => {
      await seedAccount(h, accountId);
      const d = await proposeOk(h, emailProposal(WRITER, accountId));
      expect(d.status).toBe("pending_approval");
      const body = "Hi Jane, saw your team comparing plans this week. Happy to help.";
      const sent = expectStatus(
        await h.call("POST", `/v1/decisions/${d.decisionId}/approve`, h.approver, {
          digest: d.payloadDigest,
          payload: { ...d.payload, body },
        }),
        200,
      );
      expect(sent.review.action).toBe("edited");
      return d.decisionId;
    };
    const note = 'Took out "two weeks": we never promise a timeline';
    const proposed = expectStatus(await correct(await editedDecision("acme"), { makeRule: true, note }), 201);
    expect(proposed.rule.when).toEqual({ actionTypes: ["email.send"], phrases: ["two weeks"] });
    // Given explicitly, the condition matches the decision as its agent proposed it.
    const when = { actionTypes: ["email.send"], phrases: ["two weeks"] };
    const explicit = expectStatus(
      await correct(await editedDecision("beta"), { makeRule: true, note, rule: { when, effect: "block" } }),
      201,
    );
    expect(explicit.rule).toMatchObject({ when, effect: "block" });
  });

  it("discarding publishes the spec as it was before the draft", async () => {
    const rejected = await rejectedDecision("acme");
    const draft = expectStatus(
      await correct(rejected.decisionId, { makeRule: true, note: "too pushy" }),
      201,
    );
    expect(draft.rule.when).toEqual({ actionTypes: ["email.send"], personas: ["vp"] });
    const discarded = expectStatus(
      await h.call("POST", `/v1/specs/drafts/${draft.draftId}/discard`, h.admin),
      200,
    );
    expect(discarded).toMatchObject({ status: "discarded", discardedVersion: 3 });
    const v1 = expectStatus(await h.call("GET", "/v1/specs/1", h.viewer), 200);
    const v3 = await current();
    expect(v3.version).toBe(3);
    expect(v3.hash).toBe(v1.hash);
    expectStatus(await h.call("POST", `/v1/specs/drafts/${draft.draftId}/confirm`, h.admin), 409);
    expect((await drafts("?status=shadow")).items).toEqual([]);
    expect((await drafts("?status=discarded")).items).toHaveLength(1);
  });

  it("drafts list newest first, paginated; a status filter still fills its page", async () => {
    const first = expectStatus(
      await correct((await rejectedDecision("a1")).decisionId, { makeRule: true, note: "no" }),
      201,
    );
    h.rt.clock.advance(1000);
    const second = expectStatus(
      await correct((await rejectedDecision("a2")).decisionId, { makeRule: true, note: "no" }),
      201,
    );
    expectStatus(await h.call("POST", `/v1/specs/drafts/${first.draftId}/discard`, h.admin), 200);
    const page1 = await drafts("?limit=1");
    expect(page1.items.map((d: { draftId: string }) => d.draftId)).toEqual([second.draftId]);
    const page2 = await drafts(`?limit=1&cursor=${encodeURIComponent(page1.cursor)}`);
    expect(page2.items.map((d: { draftId: string }) => d.draftId)).toEqual([first.draftId]);
    // The newest draft is in shadow: the filtered page reads past it instead of coming back empty.
    const discarded = await drafts("?status=discarded&limit=1");
    expect(discarded.items.map((d: { draftId: string }) => d.draftId)).toEqual([first.draftId]);
  });

  it("the same correction sent twice at once makes one draft", async () => {
    const rejected = await rejectedDecision("acme");
    const body = { makeRule: true, note: "no" };
    const [a, b] = await Promise.all([
      correct(rejected.decisionId, body),
      correct(rejected.decisionId, body),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);
    expect(a.body.draftId).toBe(b.body.draftId);
    expect((await current()).version).toBe(2);
    expect((await drafts()).items).toHaveLength(1);
  });

  it("confirm and discard racing: one wins, one version is published", async () => {
    const rejected = await rejectedDecision("acme");
    const draft = expectStatus(await correct(rejected.decisionId, { makeRule: true, note: "no" }), 201);
    const [a, b] = await Promise.all([
      h.call("POST", `/v1/specs/drafts/${draft.draftId}/confirm`, h.admin),
      h.call("POST", `/v1/specs/drafts/${draft.draftId}/discard`, h.admin),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    expect((await current()).version).toBe(3);
    const won = a.status === 200 ? a.body : b.body;
    const stored = expectStatus(await h.call("GET", `/v1/specs/drafts/${draft.draftId}`, h.admin), 200);
    expect(stored.status).toBe(won.status);
  });

  it("bad input is a 400 naming the path, and nothing is written", async () => {
    await seedAccount(h, "acme");
    const pending = await proposeOk(h, emailProposal(WRITER, "acme"));
    expectStatus(await correct(pending.decisionId, { makeRule: true, note: "no" }), 409);
    expectStatus(await h.call("POST", `/v1/decisions/${pending.decisionId}/reject`, h.approver, {}), 200);
    const id = pending.decisionId;
    const cases: [unknown, string][] = [
      [{ makeRule: false, note: "x" }, "makeRule"],
      [{ makeRule: true }, "note"],
      [{ makeRule: true, note: "x", rule: { when: { weekdays: ["funday"] } } }, "rule.when.weekdays[0]"],
      [{ makeRule: true, note: "x", rule: { when: { countries: ["DE"] } } }, "rule.when"],
      [{ makeRule: true, note: "x", rule: { effect: "explode" } }, "rule.effect"],
    ];
    for (const [body, path] of cases) {
      const res = expectStatus(await correct(id, body), 400);
      expect(
        res.issues.map((i: { path: string }) => i.path),
        JSON.stringify(body),
      ).toContain(path);
    }
    expectStatus(await correct(id, { makeRule: true, note: "x" }, h.viewer), 403);
    expectStatus(await correct("d_nosuchdecision", { makeRule: true, note: "x" }), 404);
    expectStatus(await h.call("POST", "/v1/specs/drafts/dr_nope/confirm", h.admin), 404);
    expect(
      expectStatus(await h.call("GET", "/v1/specs/drafts?status=bogus", h.admin), 400).issues[0].path,
    ).toBe("status");
    expect((await current()).version).toBe(1);
    expect((await drafts()).items).toEqual([]);
  });
});

describe("repeated rejections feed the same drafts", () => {
  it("the third rejection in one action × persona × industry cell drafts a rule by the harness, once", async () => {
    await rejectedDecision("a1");
    await rejectedDecision("a2");
    expect((await drafts()).items).toEqual([]);
    await rejectedDecision("a3");
    const [draft, ...rest] = (await drafts()).items;
    expect(rest).toEqual([]);
    expect(draft).toMatchObject({
      status: "shadow",
      createdBy: "harness",
      correction: {
        kind: "pattern",
        cell: { actionType: "email.send", persona: "vp", industry: "Software" },
        rejected: 3,
        reviewed: 3,
      },
      rule: {
        when: { actionTypes: ["email.send"], personas: ["vp"], industries: ["Software"] },
        effect: "block",
        mode: "shadow",
      },
    });
    expect((await current()).version).toBe(2);
    // While that draft is in shadow, more rejections make no second one.
    await rejectedDecision("a4");
    expect((await drafts()).items).toHaveLength(1);
  });
});
