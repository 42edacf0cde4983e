/**
 * The knowledge API function in AWS adds to memory and searches it (keyword search: no embeddings
 * model in that function yet), behind API Gateway's authorizers: an admin's JWT adds a transcript,
 * an agent's IAM role its own note and not a transcript.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KNOWLEDGE_TABLE } from "../../shared/http/groups/knowledge.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { awsMemory } from "../../shared/runtime/aws-memory.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { seedAcme } from "../helpers/world.ts";
import { awsRuntimeFor, fixture, lambdaContext } from "./lambda.ts";

let rt: TestRuntime;
beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
  await seedAcme(rt.deps, "acme");
});
afterAll(() => rt?.close());

const ctx = lambdaContext("dev-harness-api-knowledge");
const handler = () => apiHandler(KNOWLEDGE_TABLE, () => awsRuntimeFor(rt, { extras: { memory: awsMemory } }));

/** An API Gateway v2 event for the knowledge routes, by an admin (JWT) or an agent (IAM role). */
function event(
  method: "GET" | "POST",
  path: string,
  by: "admin" | "agent",
  body?: unknown,
  query?: Record<string, string>,
) {
  const e = fixture(by === "admin" ? "api-v2-jwt-approve.json" : "api-v2-iam-proposal.json");
  const routeKey = `${method} ${path}`;
  Object.assign(e, {
    routeKey,
    rawPath: path,
    rawQueryString: new URLSearchParams(query).toString(),
    body: body ? JSON.stringify(body) : undefined,
  });
  if (query) e.queryStringParameters = query;
  Object.assign(e.requestContext, { routeKey });
  Object.assign(e.requestContext.http, { method, path });
  if (by === "admin") e.requestContext.authorizer.jwt.claims["cognito:groups"] = "[admin]";
  else
    e.requestContext.authorizer.iam.userArn =
      "arn:aws:sts::123456789012:assumed-role/dev-harness-agent-h-writer/dev-harness-agents-agent-h-writer";
  return e;
}

describe("knowledge API function: memory", () => {
  it("an admin adds a transcript, an agent its own note; both are found with their provenance", async () => {
    const h = handler();
    const transcript = {
      accountId: "acme",
      kind: "transcript",
      id: "call-1",
      text: "They plan to migrate off Salesforce next quarter.",
      source: { system: "gong", url: "https://gong.example/calls/1" },
    };
    const added = await h(event("POST", "/v1/memory", "admin", transcript), ctx);
    expect(added.statusCode, added.body).toBe(201);
    expect(JSON.parse(added.body)).toMatchObject({ docId: "call-1", chunks: 1, embedded: false });

    const refused = await h(event("POST", "/v1/memory", "agent", { ...transcript, id: "call-2" }), ctx);
    expect(refused.statusCode).toBe(403);
    const note = await h(
      event("POST", "/v1/memory", "agent", {
        accountId: "acme",
        kind: "note",
        text: "Salesforce admin is Jane.",
        source: { system: "agent" },
      }),
      ctx,
    );
    expect(note.statusCode, note.body).toBe(201);

    const found = await h(
      event("GET", "/v1/memory/search", "agent", undefined, { accountId: "acme", query: "salesforce" }),
      ctx,
    );
    expect(found.statusCode, found.body).toBe(200);
    const items = JSON.parse(found.body).items as { provenance: { docId: string; author: string } }[];
    expect(items.map((i) => i.provenance.docId)).toEqual(expect.arrayContaining(["call-1"]));
    expect(items.find((i) => i.provenance.docId !== "call-1")?.provenance.author).toBe("h-writer");
  });
});
