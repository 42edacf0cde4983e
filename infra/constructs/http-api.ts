import { Duration, Stack } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpStage,
  type IHttpRouteAuthorizer,
  LogGroupLogDestination,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer, HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { UserPool, UserPoolClient } from "aws-cdk-lib/aws-cognito";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import { LogGroup, type RetentionDays } from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { docOf } from "../../shared/http/route-docs.ts";
import type { Route } from "../../shared/http/routes.ts";
import { ack } from "../nag-suppressions.ts";

export interface HarnessHttpApiProps {
  stage: string;
  routes: Route[];
  /** The function serving each route group. */
  functions: Record<Route["group"], IFunction>;
  userPool: UserPool;
  client: UserPoolClient;
  /** The web console's app client (console-hosting.ts): its tokens are accepted too. */
  consoleClient?: UserPoolClient;
  /** Origins allowed by CORS: the console's CloudFront origin, which calls the API from the browser. */
  corsOrigins?: string[];
  rateLimit: number;
  burstLimit: number;
  logRetention: RetentionDays;
}

/** Agent-only routes use IAM (SigV4 with a `harness-agent-<id>` role); every other route a Cognito JWT. */
export const authorizationFor = (route: Route): "public" | "iam" | "jwt" =>
  route.roles === "public"
    ? "public"
    : route.roles.length > 0 && route.roles.every((r) => r === "agent")
      ? "iam"
      : "jwt";

/**
 * The HTTP API: one route per entry of shared/http/routes.ts, integrated with its group's function;
 * a stage with throttling and JSON access logs. The handlers re-check roles (defence in depth).
 */
export class HarnessHttpApi extends Construct {
  readonly api: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: HarnessHttpApiProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    this.api = new HttpApi(this, "Api", {
      apiName: `${props.stage}-harness`,
      description: "Agent harness API (/v1)",
      createDefaultStage: false,
      ...(props.corsOrigins?.length
        ? {
            corsPreflight: {
              allowOrigins: props.corsOrigins,
              allowMethods: [
                CorsHttpMethod.GET,
                CorsHttpMethod.POST,
                CorsHttpMethod.PUT,
                CorsHttpMethod.DELETE,
              ],
              allowHeaders: ["authorization", "content-type"],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    const accessLogs = new LogGroup(this, "AccessLogs", { retention: props.logRetention });
    this.stage = new HttpStage(this, "Stage", {
      httpApi: this.api,
      stageName: "$default",
      autoDeploy: true,
      // The stage's throttling is the deployment's rate limit (the local server's per-token buckets,
      // shared/http/rate-limit.ts, stand in for it there): excess requests get 429 before any function runs.
      throttle: { rateLimit: props.rateLimit, burstLimit: props.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            ip: "$context.identity.sourceIp",
            requestTime: "$context.requestTime",
            method: "$context.httpMethod",
            path: "$context.path",
            routeKey: "$context.routeKey",
            status: "$context.status",
            protocol: "$context.protocol",
            responseLength: "$context.responseLength",
            latency: "$context.responseLatency",
            integrationError: "$context.integrationErrorMessage",
            authorizerError: "$context.authorizer.error",
            principal: "$context.identity.userArn",
          }),
        ),
      },
    });
    const jwt = new HttpJwtAuthorizer(
      "Cognito",
      `https://cognito-idp.${region}.amazonaws.com/${props.userPool.userPoolId}`,
      {
        jwtAudience: [props.client, ...(props.consoleClient ? [props.consoleClient] : [])].map(
          (c) => c.userPoolClientId,
        ),
        identitySource: ["$request.header.Authorization"],
      },
    );
    const iam = new HttpIamAuthorizer();
    const integrations = new Map<Route["group"], HttpLambdaIntegration>();
    for (const route of props.routes) {
      let integration = integrations.get(route.group);
      if (!integration) {
        // One invoke permission per function, for any route of this API (`<api id>/*/*/*`), not one
        // per route: 65 per-route permissions left the stack too close to CloudFormation's 500
        // resources for three added agents. A per-route one kept nothing more out: only this API can
        // invoke through either, and which of its routes reaches which function is the API's own
        // configuration, which whoever may change the API can change as well.
        integration = new HttpLambdaIntegration(`${route.group}Integration`, props.functions[route.group], {
          scopePermissionToRoute: false,
        });
        integrations.set(route.group, integration);
      }
      const auth = authorizationFor(route);
      const authorizer: IHttpRouteAuthorizer | undefined =
        auth === "iam" ? iam : auth === "jwt" ? jwt : undefined;
      const added = this.api.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        ...(authorizer ? { authorizer } : {}),
      });
      if (auth === "public")
        for (const r of added)
          ack(
            r,
            "AwsSolutions-APIG4",
            `${route.method} ${route.path} is public by design (${docOf(route)?.summary ?? "liveness"}): it reads no stored data (the liveness probe, the API index, its OpenAPI description) and is throttled with the stage.`,
          );
    }
  }

  /** The ARN pattern a caller needs `execute-api:Invoke` on for one route. */
  routeArn(method: Route["method"], path: string): string {
    return this.api.arnForExecuteApi(method, path, this.stage.stageName);
  }
}
