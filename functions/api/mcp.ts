import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { errorLog, lambdaHandler } from "../../shared/adapters/aws/powertools.ts";
import { createApi } from "../../shared/http/api.ts";
import { principalFromEvent } from "../../shared/http/principal-from-event.ts";
import type { HttpResult } from "../../shared/http/respond.ts";
import { serveMcpEvent } from "../../shared/mcp/lambda-endpoint.ts";
import { MCP_API_ROUTES } from "../../shared/mcp/routes.ts";
import type { AwsExtras, AwsRuntime } from "../../shared/runtime/aws.ts";
import type { AwsEnv } from "../../shared/runtime/aws-env.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { awsMemory } from "../../shared/runtime/aws-memory.ts";
import { MCP_STORES } from "../../shared/runtime/aws-stores.ts";
import { awsToolCatalog } from "../../shared/runtime/deployed-mcp.ts";
import { Gate } from "../../shared/usecases/gate.ts";

/**
 * POST /mcp on the HTTP API (IAM authorizer, as the agents' API routes): the caller is read from the
 * authorizer context exactly as the API reads it, and the MCP tools call the API's routes in process.
 */
export const makeHandler = (runtime: () => AwsRuntime) => {
  let api: ((event: APIGatewayProxyEventV2) => Promise<HttpResult>) | undefined;
  return lambdaHandler<APIGatewayProxyEventV2, HttpResult>(async (event, tools, context) => {
    const rt = runtime();
    api ??= createApi(rt.deps, {
      routes: MCP_API_ROUTES,
      log: errorLog(tools),
      stage: rt.env.HARNESS_STAGE,
    });
    const principal = principalFromEvent(event, { stage: rt.env.HARNESS_STAGE });
    return serveMcpEvent({
      event,
      ...(principal ? { principal } : {}),
      api,
      now: () => rt.deps.clock.now(),
      remainingMs: () => context.getRemainingTimeInMillis(),
    });
  });
};

/**
 * propose_action (and a mapped downstream tool's call) posts to /v1/proposals in process: this
 * function runs the gate, as the proposals function does. get_context and search_memory call GET
 * /v1/context and /v1/memory/search in process: the same knowledge view (and embeddings model, when
 * configured) as the knowledge API function. Downstream tools the spec maps are listed (without their
 * headers) where the deployment names servers.
 */
export const mcpExtras = (env: AwsEnv): AwsExtras => ({
  memory: awsMemory,
  gate: (deps) => new Gate(deps),
  ...awsToolCatalog(env),
});

export const handler = makeHandler(runtimeWith(MCP_STORES, mcpExtras));
