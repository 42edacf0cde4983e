import { ArnFormat, Stack } from "aws-cdk-lib";
import { Effect, PolicyStatement, type Role } from "aws-cdk-lib/aws-iam";
import { ackArn } from "../nag-suppressions.ts";

/** The geographies of system-defined cross-region inference profiles, as a pattern's alternation. */
export const PROFILE_GEOGRAPHIES = "us|eu|apac|us-gov|ca|jp|au|global";
/** A system-defined cross-region inference profile id: `<geography>.<foundation model id>`. */
const PROFILE = new RegExp(`^(${PROFILE_GEOGRAPHIES})\\.(.+)$`);

/**
 * Let `role` call the configured model. A foundation model id (`anthropic.claude-...`) is invoked in
 * the stack's region. An inference profile id (`us.anthropic.claude-...`) is invoked through the
 * profile, which routes each request to the model in one of its regions: the profile in this account
 * and region, and the foundation model in any region but only through that profile.
 */
export function grantBedrockInvoke(
  role: Role,
  modelId: string,
  actions: string[] = ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
): void {
  const stack = Stack.of(role);
  const foundation = (id: string, region?: string) =>
    stack.formatArn({
      service: "bedrock",
      account: "",
      ...(region !== undefined ? { region } : {}),
      resource: "foundation-model",
      resourceName: id,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  const profile = PROFILE.exec(modelId);
  if (!profile) {
    role.addToPolicy(
      new PolicyStatement({ effect: Effect.ALLOW, actions, resources: [foundation(modelId)] }),
    );
    return;
  }
  const model = profile[2] as string;
  const profileArn = stack.formatArn({
    service: "bedrock",
    resource: "inference-profile",
    resourceName: modelId,
    arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
  });
  role.addToPolicy(new PolicyStatement({ effect: Effect.ALLOW, actions, resources: [profileArn] }));
  role.addToPolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions,
      resources: [foundation(model, "*")],
      // The profile picks the region per request; the condition keeps direct calls out.
      conditions: { StringEquals: { "bedrock:InferenceProfileArn": profileArn } },
    }),
  );
  ackArn(
    role,
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${model}]`,
    "A cross-region inference profile routes each request to this one model in any of its regions; the grant names the model and holds only for calls through the configured profile (bedrock:InferenceProfileArn).",
  );
}
