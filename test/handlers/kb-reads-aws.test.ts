/**
 * The built-in agents' knowledge-base reads (shared/http/kb-read-routes.ts) on the deployed knowledge
 * API function, through its Lambda handler with API Gateway v2 events: the function's knowledge view
 * (aws-memory.ts) answers them from the same tables, a person's JWT reads everything, an agent's IAM
 * role reads what its handler reads and gets a 403 for another role's reads.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoAgentKnowledgeStore } from "../../shared/adapters/dynamo/agent-kb-store.ts";
import { KNOWLEDGE_TABLE } from "../../shared/http/groups/knowledge.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { awsMemory } from "../../shared/runtime/aws-memory.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { seedAcme } from "../helpers/world.ts";
import { apiEvent, awsRuntimeFor, lambdaContext } from "./lambda.ts";

let rt: TestRuntime;
beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
  await seedAcme(rt.deps, "acme");
  // The directory the KB watcher keeps (its function is not part of this test).
  const agentKb = new DynamoAgentKnowledgeStore(rt.db);
  await agentKb.indexAccount("acme");
  await agentKb.indexPerson("acme", "acme-jane");
});
afterAll(() => rt?.close());

const ctx = lambdaContext("dev-harness-api-knowledge");
const handler = () => apiHandler(KNOWLEDGE_TABLE, () => awsRuntimeFor(rt, { extras: { memory: awsMemory } }));

describe("knowledge API function: the built-in agents' reads", () => {
  it("a viewer's JWT pages the account directory", async () => {
    const res = await handler()(apiEvent("GET", "/v1/kb/accounts", { groups: ["viewer"] }), ctx);
    expect(res.statusCode, res.body).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ items: [{ accountId: "acme" }], cursor: null });
  });

  it("the persona classifier's role reads people; List Sync's role is refused them", async () => {
    const h = handler();
    const people = await h(
      apiEvent("GET", "/v1/kb/accounts/acme/people", { agent: "persona-classifier" }),
      ctx,
    );
    expect(people.statusCode, people.body).toBe(200);
    expect(JSON.parse(people.body).items.map((p: { personId: string }) => p.personId)).toEqual(["acme-jane"]);
    const query = { accountIds: "acme", personIds: "acme-jane" };
    const records = await h(apiEvent("GET", "/v1/kb/records", { agent: "persona-classifier" }, query), ctx);
    expect(records.statusCode, records.body).toBe(200);
    expect(JSON.parse(records.body)).toMatchObject({
      accounts: [{ accountId: "acme" }],
      people: [{ personId: "acme-jane" }],
    });
    const refused = await h(apiEvent("GET", "/v1/kb/records", { agent: "list-sync" }, query), ctx);
    expect(refused.statusCode, refused.body).toBe(403);
  });
});
