import type { APIGatewayProxyEventV2 } from "aws-lambda";
import type { Principal } from "../usecases/principal.ts";

type Authorizer = {
  jwt?: { claims?: Record<string, unknown> };
  iam?: { userArn?: string; principalOrgId?: string | null; userId?: string };
  lambda?: { subject?: string; roles?: string[]; rejected?: string };
};

/**
 * The role name an agent's code runs as (infra/constructs/agent-functions.ts names its roles so). IAM
 * allows 64 characters: a longer one is refused, not cut, since a cut name reads back as another,
 * shorter agent id (which may be another agent's).
 */
export const agentRoleName = (stage: string, agentId: string) => {
  const name = `${stage}-harness-agent-${agentId}`;
  if (name.length > 64)
    throw new Error(
      `agent id ${agentId}: its role name ${name} is longer than IAM's 64 characters (on stage ${stage}, agent ids of at most ${64 - name.length + agentId.length} characters)`,
    );
  return name;
};

const ROLE_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;

/**
 * The agent an IAM caller is, if it is one: its ARN must be exactly an assumed-role session of
 * `<stage>-harness-agent-<id>` in the API's own account (API Gateway puts the account the API is in
 * on the request context). Another stage's or another account's role of the same name is no agent
 * here; without the stage (the local server, where IAM never applies) no IAM caller is an agent.
 */
function agentOfIamCaller(userArn: string, accountId: string | undefined, stage: string | undefined) {
  if (!stage || !accountId) return undefined;
  const m = /^arn:aws[a-z-]*:sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(userArn);
  if (!m || m[1] !== accountId || !ROLE_NAME.test(m[2] as string)) return undefined;
  const prefix = `${stage}-harness-agent-`;
  const roleName = m[2] as string;
  if (!roleName.startsWith(prefix)) return undefined;
  const agentId = roleName.slice(prefix.length);
  return /^[A-Za-z0-9._-]+$/.test(agentId) && agentRoleName(stage, agentId) === roleName
    ? agentId
    : undefined;
}

/**
 * The caller, from the authorizer context API Gateway puts on the event: a Cognito JWT for people
 * (groups approver, admin, viewer), IAM for agents (an assumed-role session of the stage's
 * `<stage>-harness-agent-<agentId>` role in this account), or the local server's token check, which
 * fills the same context. Handlers never see credentials.
 */
export function principalFromEvent(
  event: APIGatewayProxyEventV2,
  options: { stage?: string | undefined } = {},
): Principal | undefined {
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
    // A person is their email, as Cognito verified it: an address marked unverified names nobody (the
    // pool keeps the original until a change is verified, and its clients may not write it), and
    // an access token, which carries no email, names them by username.
    const verified = String(claims.email_verified ?? "true") !== "false";
    const subject = String(
      (verified ? claims.email : undefined) ??
        claims["cognito:username"] ??
        claims.username ??
        claims.sub ??
        "",
    );
    return subject
      ? { subject, roles: groups.filter((g) => ["approver", "admin", "viewer"].includes(g)) }
      : undefined;
  }
  if (auth.iam?.userArn) {
    const agentId = agentOfIamCaller(auth.iam.userArn, event.requestContext?.accountId, options.stage);
    return agentId
      ? { subject: `agent:${agentId}`, roles: [`agent:${agentId}`] }
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
