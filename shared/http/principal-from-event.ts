import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { Principal } from "../usecases/principal.ts";

type Authorizer = {
  jwt?: { claims?: Record<string, unknown> };
  iam?: { userArn?: string; principalOrgId?: string | null; userId?: string };
  lambda?: { subject?: string; roles?: string[]; rejected?: string };
};

/**
 * The caller, from the authorizer context API Gateway puts on the event: a Cognito JWT for people
 * (groups approver, admin, viewer), IAM for agents (role session `harness-agent-<agentId>`), or the
 * local server's token check, which fills the same context. Handlers never see credentials.
 */
export function principalFromEvent(event: APIGatewayProxyEventV2): Principal | undefined {
  const auth = (event.requestContext as unknown as { authorizer?: Authorizer }).authorizer;
  if (!auth) return undefined;
  if (auth.lambda?.subject && Array.isArray(auth.lambda.roles))
    return { subject: auth.lambda.subject, roles: auth.lambda.roles };
  if (auth.jwt?.claims) {
    const claims = auth.jwt.claims;
    const rawGroups = claims["cognito:groups"];
    const groups = Array.isArray(rawGroups)
      ? rawGroups.map(String)
      : typeof rawGroups === "string"
        ? rawGroups
            .replace(/^\[|\]$/g, "")
            .split(/[ ,]+/)
            .filter(Boolean)
        : [];
    const subject = String(claims.email ?? claims["cognito:username"] ?? claims.sub ?? "");
    return subject
      ? { subject, roles: groups.filter((g) => ["approver", "admin", "viewer"].includes(g)) }
      : undefined;
  }
  if (auth.iam?.userArn) {
    const match =
      /assumed-role\/[^/]*harness-agent-([A-Za-z0-9._-]+)\//.exec(auth.iam.userArn) ??
      /role\/[^/]*harness-agent-([A-Za-z0-9._-]+)$/.exec(auth.iam.userArn);
    return match?.[1]
      ? { subject: `agent:${match[1]}`, roles: [`agent:${match[1]}`] }
      : { subject: auth.iam.userArn, roles: [] };
  }
  return undefined;
}

/**
 * Why the local server refused the credential a request carried (an unknown or revoked token), if
 * it did. The API decides what that means once it knows the route: nothing on a public route, 401
 * elsewhere. In AWS, API Gateway's authorizers reject such requests before the handler.
 */
export function credentialRejection(event: APIGatewayProxyEventV2): string | undefined {
  const auth = (event.requestContext as unknown as { authorizer?: Authorizer }).authorizer;
  const rejected = auth?.lambda?.rejected;
  return typeof rejected === "string" && rejected ? rejected : undefined;
}
