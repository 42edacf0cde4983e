/**
 * What `harness agents run` prints (bin/commands/agents.ts formatReport): one line per decision with
 * its id, action type, verdict and status, replays and retry times marked, re-proposed deferrals first.
 */
import { describe, expect, it } from "vitest";
import { formatReport } from "../../bin/commands/agents.ts";

const p = (over: Record<string, unknown>) => ({
  proposalId: "lead-list-builder:lead-list:2026-03-10:acme",
  decisionId: "d_1",
  actionType: "crm.update",
  verdict: "allow",
  status: "dispatched",
  replay: false,
  ...over,
});

describe("harness agents run's report", () => {
  it("lists each decision, marking replays and deferrals", () => {
    expect(
      formatReport({
        agentId: "outreach-writer",
        trigger: "schedule",
        retried: [p({ decisionId: "d_0", actionType: "linkedin.message" })],
        proposals: [
          p({
            decisionId: "d_1",
            actionType: "email.send",
            verdict: "require_approval",
            status: "pending_approval",
          }),
          p({
            decisionId: "d_2",
            verdict: "defer",
            status: "deferred",
            retryAfter: "2026-03-11T14:00:00.000Z",
          }),
          p({ decisionId: "d_3", replay: true }),
        ],
      }),
    ).toEqual([
      "outreach-writer (retries): 1 re-proposed",
      "  d_0  linkedin.message  allow → dispatched",
      "outreach-writer (schedule): 3 proposal(s)",
      "  d_1  email.send  require_approval → pending_approval",
      "  d_2  crm.update  defer → deferred  retry after 2026-03-11T14:00:00.000Z",
      "  d_3  crm.update  allow → dispatched  (replay)",
    ]);
  });

  it("says when the tick proposed nothing", () => {
    expect(formatReport({ agentId: "list-sync", trigger: "schedule", retried: [], proposals: [] })).toEqual([
      "list-sync (schedule): proposed nothing",
    ]);
  });
});
