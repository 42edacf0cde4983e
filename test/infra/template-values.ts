/**
 * The values CloudFormation would give a synthesized template's intrinsic functions, for tests that
 * run a function with its deployed environment and check its calls against its role's policy:
 * `Ref`, `Fn::GetAtt … Arn`, `Fn::Join`, `Fn::ImportValue` across the two stacks, and the pseudo
 * parameters. A resource is named as it would be: by its explicit name property, else by its logical
 * id; its ARN is built the way its service builds it. Only what the harness's templates use.
 */
export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;
/** A synthesized template, as `Template.toJSON()` gives it. */
export type TemplateJson = { [key: string]: any };
interface Stack {
  Resources: Resources;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

/** The explicit name property of each resource type the harness names, and how its ARN is built. */
const KINDS: Record<string, { name?: string; arn: (name: string) => string }> = {
  "AWS::DynamoDB::Table": {
    name: "TableName",
    arn: (n) => `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${n}`,
  },
  "AWS::S3::Bucket": { name: "BucketName", arn: (n) => `arn:aws:s3:::${n}` },
  "AWS::Events::EventBus": { name: "Name", arn: (n) => `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${n}` },
  "AWS::KMS::Key": { arn: (n) => `arn:aws:kms:${REGION}:${ACCOUNT}:key/${n}` },
  "AWS::SecretsManager::Secret": {
    name: "Name",
    arn: (n) => `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${n}-AbCdEf`,
  },
  "AWS::StepFunctions::StateMachine": {
    name: "StateMachineName",
    arn: (n) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${n}`,
  },
  "AWS::Lambda::Function": {
    name: "FunctionName",
    arn: (n) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${n}`,
  },
  "AWS::SQS::Queue": { name: "QueueName", arn: (n) => `arn:aws:sqs:${REGION}:${ACCOUNT}:${n}` },
  "AWS::SNS::Topic": { name: "TopicName", arn: (n) => `arn:aws:sns:${REGION}:${ACCOUNT}:${n}` },
};

/** What `Ref` gives per type, where it is not the name: an ARN or a URL. */
const REF_IS_ARN = new Set([
  "AWS::SecretsManager::Secret",
  "AWS::StepFunctions::StateMachine",
  "AWS::SNS::Topic",
  "AWS::KMS::Key",
]);

export class TemplateValues {
  private readonly exports = new Map<string, { value: unknown; stack: Stack }>();

  constructor(templates: TemplateJson[]) {
    for (const stack of templates as Stack[])
      for (const o of Object.values(stack.Outputs ?? {}))
        if (typeof o.Export?.Name === "string") this.exports.set(o.Export.Name, { value: o.Value, stack });
  }

  /** `value` as deployed, resolved in `stack` (the template it appears in). */
  resolve(value: unknown, stack: TemplateJson): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v, stack));
    if (value === null || typeof value !== "object") return value;
    const [[fn, arg]] = Object.entries(value) as [[string, unknown]];
    switch (fn) {
      case "Ref":
        return this.ref(String(arg), stack);
      case "Fn::GetAtt":
        return this.getAtt(arg as [string, string], stack);
      case "Fn::Join": {
        const [sep, parts] = arg as [string, unknown[]];
        return parts.map((p) => this.resolve(p, stack)).join(sep);
      }
      case "Fn::ImportValue": {
        const found = this.exports.get(String(this.resolve(arg, stack)));
        if (!found) throw new Error(`no export ${JSON.stringify(arg)}`);
        return this.resolve(found.value, found.stack);
      }
      default:
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v, stack)]));
    }
  }

  private name(id: string, stack: TemplateJson): { type: string; name: string } {
    const r = (stack as Stack).Resources[id];
    if (!r) throw new Error(`no resource ${id}`);
    const prop = KINDS[r.Type]?.name;
    const explicit = prop ? r.Properties?.[prop] : undefined;
    return { type: r.Type, name: explicit === undefined ? id : String(this.resolve(explicit, stack)) };
  }

  private ref(id: string, stack: TemplateJson): string {
    if (id === "AWS::AccountId") return ACCOUNT;
    if (id === "AWS::Region") return REGION;
    if (id === "AWS::Partition") return "aws";
    if (id === "AWS::URLSuffix") return "amazonaws.com";
    const { type, name } = this.name(id, stack);
    if (type === "AWS::SQS::Queue") return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`;
    return REF_IS_ARN.has(type) ? (KINDS[type]?.arn(name) ?? name) : name;
  }

  private getAtt([id, attr]: [string, string], stack: TemplateJson): string {
    const { type, name } = this.name(id, stack);
    const arn = KINDS[type]?.arn(name) ?? `arn:aws:${type}:${REGION}:${ACCOUNT}:${name}`;
    if (attr === "Arn") return arn;
    if (attr === "StreamArn") return `${arn}/stream/2026-03-01T00:00:00.000`;
    return `${arn}#${attr}`;
  }
}

/** Whether an IAM pattern (`*` and `?` wildcards) matches `value`. */
export const iamMatch = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
  ).test(value);
