import { describe, expect, it } from "vitest";
import { callSite, formatProfile, profileCallers, targetsOf } from "../../shared/adapters/dynamo/profile.ts";

describe("round-trip profile", () => {
  it("names the store method and its caller, skipping the SDK and the DynamoDB plumbing", () => {
    const stack = [
      "Error",
      "    at /work/x/node_modules/@smithy/core/dist-cjs/index.js:118:20",
      "    at /work/x/shared/adapters/dynamo/db.ts:112:22",
      "    at async DynamoKnowledgeStore.getAccount (/work/x/shared/adapters/dynamo/kb-store.ts:80:17)",
      "    at async DynamoKnowledgeStore.upsertAccount (/work/x/shared/adapters/dynamo/kb-store.ts:60:5)",
      "    at async ObservedKnowledgeStore.putAccount (/work/x/shared/kb/observed-store.ts:31:9)",
      "    at async putAccount (/work/x/shared/usecases/admin.ts:70:3)",
    ].join("\n");
    expect(callSite(stack)).toBe(
      "shared/adapters/dynamo/kb-store.ts:DynamoKnowledgeStore.getAccount < shared/kb/observed-store.ts:ObservedKnowledgeStore.putAccount",
    );
    expect(callSite("Error\n    at node:internal/process/task_queues:95:5")).toBe("?");
  });

  it("names as many callers past the store method as asked, and fewer when the stack ends", () => {
    const stack = [
      "Error",
      "    at /work/x/shared/adapters/dynamo/db.ts:112:22",
      "    at async DynamoKnowledgeStore.getAccount (/work/x/shared/adapters/dynamo/kb-store.ts:80:17)",
      "    at async ObservedKnowledgeStore.getAccount (/work/x/shared/kb/observed-store.ts:40:9)",
      "    at async KnowledgeView.account (/work/x/shared/kb/view.ts:66:5)",
      "    at async handler (/work/x/shared/agents/workflows/crm-sync.ts:23:3)",
    ].join("\n");
    expect(callSite(stack, 3)).toBe(
      "shared/adapters/dynamo/kb-store.ts:DynamoKnowledgeStore.getAccount < shared/kb/observed-store.ts:ObservedKnowledgeStore.getAccount < shared/kb/view.ts:KnowledgeView.account < shared/agents/workflows/crm-sync.ts:handler",
    );
    expect(callSite(stack, 8).split(" < ")).toHaveLength(4);
    expect(profileCallers({ HARNESS_DB_PROFILE_CALLERS: "3" })).toBe(3);
    expect(profileCallers({ HARNESS_DB_PROFILE_CALLERS: "lots" })).toBe(1);
    expect(profileCallers({})).toBe(1);
  });

  it("reduces each request to table:key kind, never the id behind the kind", () => {
    expect(targetsOf({ TableName: "p-state", Key: { pk: "ACCOUNT#acme", sk: "PROFILE" } })).toEqual([
      "state:ACCOUNT",
    ]);
    expect(
      targetsOf({
        TransactItems: [
          { Put: { TableName: "p-ledger", Item: { pk: "DEC#d1", sk: "DECISION" } } },
          { ConditionCheck: { TableName: "p-state", Key: { pk: "PKEY#jane", sk: "KEY" } } },
        ],
      }),
    ).toEqual(["ledger:DEC", "state:PKEY"]);
    expect(
      targetsOf({ RequestItems: { "p-state": { Keys: [{ pk: "PERSON#jane" }, { pk: "PERSON#bob" }] } } }),
    ).toEqual(["state:PERSON"]);
    const text = formatProfile(
      {
        total: 4,
        byCommand: new Map([["GetItem", 4]]),
        bySite: new Map([["GetItem a.ts:f", 4]]),
        byTarget: new Map([["GetItem state:ACCOUNT", 4]]),
      },
      2,
    );
    expect(text).toContain("2.00 per proposal over 2");
    expect(text).not.toMatch(/acme|jane/);
  });
});
