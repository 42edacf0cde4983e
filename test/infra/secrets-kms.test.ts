/**
 * Secrets encrypted with a customer-managed KMS key (harness:secretsKmsKeyArns): GetSecretValue on
 * such a secret is refused unless the caller may also kms:Decrypt its key. With every configured
 * secret in use (live connectors and their webhook, an MCP server's headers, the model's and the
 * embeddings' keys) each role that may read one may decrypt exactly the configured keys, only through
 * Secrets Manager in the stack's region, and no other role may. One synthesis without bundling, cdk-nag
 * on (it fails synthesis on a finding); the config's own check and an env-agnostic stack without it.
 */
import { App, Stack } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import { beforeAll, describe, expect, it } from "vitest";
import { configFromContext } from "../../infra/config.ts";
import { agentRoleName } from "../../infra/constructs/agent-functions.ts";
import { grantSecretRead } from "../../infra/constructs/secret-read.ts";
import { MODEL_AGENT_IDS } from "../../shared/agents/builtin.ts";
import {
  LIVE_SECRETS,
  liveConnectorsContext,
  type Synthesized,
  settleBeforeBlocking,
  synthHarness,
  TEST_ENV,
} from "./synth.ts";

const secretArn = (name: string) =>
  `arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-${name}-AbCdEf`;
const MODEL_KEY = secretArn("model-key");
const EMBEDDINGS_KEY = secretArn("embeddings-key");
const MCP_HEADERS = secretArn("crm-mcp");
/** Every secret the config can name, so every site that grants one is exercised. */
const CONFIGURED = [...Object.values(LIVE_SECRETS), MODEL_KEY, EMBEDDINGS_KEY, MCP_HEADERS];
/** A single-region key and a multi-region one. */
const KEYS = [
  "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  "arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab",
];
const VIA_SECRETS_MANAGER = { StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com" } };

let s: Synthesized;
beforeAll(async () => {
  await settleBeforeBlocking();
  const live = liveConnectorsContext();
  s = synthHarness({
    bundle: false,
    context: {
      ...live,
      "harness:connectors": JSON.stringify({
        ...JSON.parse(live["harness:connectors"]),
        mcp: [{ name: "crm", url: "https://mcp.crm.example.com/mcp", headersSecretArn: MCP_HEADERS }],
      }),
      "harness:model": JSON.stringify({
        provider: "openai-compatible",
        baseUrl: "https://llm.example.com/v1",
        model: "gpt-4o-mini",
        keySecretArn: MODEL_KEY,
      }),
      "harness:embeddings": JSON.stringify({
        provider: "openai-compatible",
        baseUrl: "https://embed.example.com/v1",
        model: "text-embedding-3-small",
        keySecretArn: EMBEDDINGS_KEY,
      }),
      "harness:secretsKmsKeyArns": JSON.stringify(KEYS),
    },
  });
});

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

/** Each role's policy statements, by the role's logical id. */
function statementsByRole(t: Template): Map<string, Statement[]> {
  const out = new Map<string, Statement[]>();
  for (const p of Object.values(t.findResources("AWS::IAM::Policy")))
    for (const { Ref } of p.Properties.Roles as { Ref: string }[])
      out.set(Ref, [...(out.get(Ref) ?? []), ...(p.Properties.PolicyDocument.Statement as Statement[])]);
  return out;
}
const allows = (st: Statement, action: string) => [st.Action].flat().includes(action);
const readsConfiguredSecret = (st: Statement) =>
  allows(st, "secretsmanager:GetSecretValue") &&
  CONFIGURED.some((arn) => JSON.stringify(st.Resource).includes(arn));
const decryptsConfiguredKey = (st: Statement) =>
  allows(st, "kms:Decrypt") && KEYS.some((arn) => JSON.stringify(st.Resource).includes(arn));

/** The role of the function with this description (or of an agent, by its role's name). */
function roleOf(t: Template, description: string): string {
  const fn = Object.values(t.findResources("AWS::Lambda::Function")).find(
    (f) => f.Properties.Description === description,
  );
  if (!fn) throw new Error(`no function described ${description}`);
  return fn.Properties.Role["Fn::GetAtt"][0];
}
function agentRole(t: Template, agentId: string): string {
  const found = Object.entries(t.findResources("AWS::IAM::Role")).find(
    ([, r]) => r.Properties.RoleName === agentRoleName("dev", agentId),
  );
  if (!found) throw new Error(`no role of agent ${agentId}`);
  return found[0];
}

describe("secrets under a customer-managed KMS key", () => {
  it("every role that may read a configured secret may decrypt exactly the configured keys, through Secrets Manager only; no other role may", () => {
    const t = s.serviceTemplate;
    const roles = statementsByRole(t);
    const readers = [...roles].filter(([, st]) => st.some(readsConfiguredSecret)).map(([r]) => r);
    const decrypters = [...roles].filter(([, st]) => st.some(decryptsConfiguredKey)).map(([r]) => r);
    // Every site that grants a configured secret is in the set, so none can be missed unseen.
    const expected = [
      "Workflow task: execute a dispatched decision",
      "decision.made (dispatched) -> execute",
      "POST /v1/webhooks/hubspot",
      "HubSpot webhook events (queued) -> outcomes",
      "HubSpot replies and meetings (poll) -> outcomes",
      "HTTP API: knowledge routes",
      "HTTP API: /mcp (MCP server, streamable HTTP)",
    ].map((d) => roleOf(t, d));
    expected.push(agentRole(t, "crm-import"), ...MODEL_AGENT_IDS.map((id) => agentRole(t, id)));
    expect(readers.sort()).toEqual([...new Set(expected)].sort());
    expect(decrypters.sort()).toEqual(readers);
    for (const role of readers) {
      const decrypts = (roles.get(role) ?? []).filter(decryptsConfiguredKey);
      for (const st of decrypts) {
        expect([st.Action].flat(), role).toEqual(["kms:Decrypt"]);
        expect([st.Resource].flat().sort(), role).toEqual([...KEYS].sort());
        expect(st.Condition, role).toEqual(VIA_SECRETS_MANAGER);
      }
    }
  });

  it("the stack's own secret (the cursor key, under the AWS-managed key) brings no decrypt of the configured keys", () => {
    const t = s.serviceTemplate;
    const ownSecret = Object.keys(t.findResources("AWS::SecretsManager::Secret"))[0] as string;
    const roles = statementsByRole(t);
    const ownOnly = [...roles].filter(
      ([, st]) =>
        st.some((x) => JSON.stringify(x.Resource).includes(`{"Ref":"${ownSecret}"}`)) &&
        !st.some(readsConfiguredSecret),
    );
    expect(ownOnly.length).toBeGreaterThan(0);
    for (const [role, st] of ownOnly) expect(st.filter(decryptsConfiguredKey), role).toEqual([]);
  });

  it("the condition names the stack's region where the stack has none fixed", () => {
    const stack = new Stack(new App(), "Agnostic");
    const role = new Role(stack, "R", { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
    grantSecretRead(role, [MODEL_KEY], KEYS);
    const decrypt = Object.values(Template.fromStack(stack).findResources("AWS::IAM::Policy"))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
      .find((st) => allows(st, "kms:Decrypt"));
    expect(decrypt?.Condition).toEqual({
      StringEquals: {
        "kms:ViaService": {
          "Fn::Join": ["", ["secretsmanager.", { Ref: "AWS::Region" }, ".amazonaws.com"]],
        },
      },
    });
  });

  it("no key configured: a secret's read is granted alone, as before", () => {
    const stack = new Stack(new App(), "NoKeys", { env: TEST_ENV });
    const role = new Role(stack, "R", { assumedBy: new ServicePrincipal("lambda.amazonaws.com") });
    grantSecretRead(role, [MODEL_KEY], []);
    grantSecretRead(role, [], KEYS);
    const statements = Object.values(Template.fromStack(stack).findResources("AWS::IAM::Policy")).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Statement[],
    );
    expect(statements).toEqual([
      { Action: "secretsmanager:GetSecretValue", Effect: "Allow", Resource: MODEL_KEY },
    ]);
  });

  it("a value that is not a KMS key's ARN is refused, naming the field", () => {
    const parse = (value: unknown) =>
      configFromContext(
        (k) => (k === "harness:secretsKmsKeyArns" ? value : undefined),
        ["harness:secretsKmsKeyArns"],
      );
    expect(parse(JSON.stringify(KEYS)).secretsKmsKeyArns).toEqual(KEYS);
    expect(configFromContext(() => undefined).secretsKmsKeyArns).toEqual([]);
    for (const bad of [
      // An alias: IAM authorizes kms:Decrypt on the key's ARN, never its alias's.
      "arn:aws:kms:us-east-1:123456789012:alias/secrets",
      "1234abcd-12ab-34cd-56ef-1234567890ab",
      "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-hubspot-AbCdEf",
    ])
      expect(() => parse(JSON.stringify([bad])), bad).toThrow(
        /harness\.secretsKmsKeyArns\.0: a KMS key's ARN/,
      );
    expect(() => parse(KEYS[0])).toThrow(/harness\.secretsKmsKeyArns: /);
  });
});
