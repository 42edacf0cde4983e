import type { Template } from "aws-cdk-lib/assertions";

export const FAKE = { region: "us-east-1", account: "123456789012", partition: "aws" };

/** The ARN a placeholder-resolved `Fn::GetAtt [<logicalId>, Arn]` of a function becomes. */
export const functionArn = (logicalId: string) =>
  `arn:aws:lambda:${FAKE.region}:${FAKE.account}:function:${logicalId}`;

/** Resolve the intrinsics CDK puts in a state machine definition, with placeholder values. */
export function resolveIntrinsics(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolveIntrinsics);
  if (value && typeof value === "object") {
    const o = value as Record<string, unknown>;
    if ("Fn::Join" in o) {
      const [sep, parts] = o["Fn::Join"] as [string, unknown[]];
      return parts.map((p) => String(resolveIntrinsics(p))).join(sep);
    }
    if ("Fn::GetAtt" in o) {
      const [id, attr] = o["Fn::GetAtt"] as [string, string];
      if (attr !== "Arn") throw new Error(`unexpected GetAtt ${id}.${attr}`);
      return functionArn(id);
    }
    if ("Ref" in o) {
      const ref = o.Ref as string;
      if (ref === "AWS::Partition") return FAKE.partition;
      if (ref === "AWS::Region") return FAKE.region;
      if (ref === "AWS::AccountId") return FAKE.account;
      return `ref-${ref}`;
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolveIntrinsics(v)]));
  }
  return value;
}

/** The state machine's Amazon States Language definition, read from the synthesized template. */
export function stateMachineDefinition(template: Template): Record<string, any> {
  const machines = Object.values(template.findResources("AWS::StepFunctions::StateMachine"));
  if (machines.length !== 1) throw new Error(`expected one state machine, found ${machines.length}`);
  const props = machines[0]?.Properties as Record<string, unknown>;
  const raw = props.DefinitionString ?? props.Definition;
  const resolved = resolveIntrinsics(raw);
  return typeof resolved === "string" ? JSON.parse(resolved) : (resolved as Record<string, any>);
}

/** Task state name -> the logical id of the function it invokes (directly or via lambda:invoke). */
export function taskFunctions(definition: Record<string, any>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, state] of Object.entries(definition.States as Record<string, any>)) {
    if (state.Type !== "Task") continue;
    const arn: string = state.Resource.startsWith("arn:aws:states:::")
      ? state.Parameters.FunctionName
      : state.Resource;
    out[name] = arn.split(":function:")[1] as string;
  }
  return out;
}
