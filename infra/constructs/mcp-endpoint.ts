import { HttpMethod } from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { HarnessHttpApi } from "./http-api.ts";

/** The MCP function's entry (shared/mcp/lambda-endpoint.ts behind it). */
export const MCP_ENTRY = "functions/api/mcp.ts";
export const MCP_ROUTE_PATH = "/mcp";

/**
 * /mcp on the HTTP API, with the authorizer of the API's agent routes (IAM: an assumed-role session of
 * `<stage>-harness-agent-<id>` is that agent, as for POST /v1/proposals), so an MCP caller is who the
 * same credential is on the API. POST carries the JSON-RPC messages; GET and DELETE reach the function
 * too, which answers them 405 as a stateless streamable-HTTP server does (no stream to resume, no
 * session to end) rather than API Gateway's 404, which clients take for a missing endpoint.
 */
export function addMcpRoutes(api: HarnessHttpApi, fn: IFunction): void {
  api.api.addRoutes({
    path: MCP_ROUTE_PATH,
    methods: [HttpMethod.POST, HttpMethod.GET, HttpMethod.DELETE],
    integration: new HttpLambdaIntegration("mcpIntegration", fn),
    authorizer: new HttpIamAuthorizer(),
  });
}
