import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DefaultStackSynthesizer, Stack, type StackProps, Token } from "aws-cdk-lib";
import type { IDistribution } from "aws-cdk-lib/aws-cloudfront";
import { Bucket } from "aws-cdk-lib/aws-s3";
import { BucketDeployment, Source } from "aws-cdk-lib/aws-s3-deployment";
import type { Construct } from "constructs";
import { ackArn } from "../nag-suppressions.ts";
import { consoleBucketName } from "./console-hosting.ts";

/** shared/console/: the console's files as C3 builds them (vendor/ by `npm ci`'s prepare script). */
export const CONSOLE_DIR = join(
  fileURLToPath(new URL(".", import.meta.url)),
  "..",
  "..",
  "shared",
  "console",
);

/** What the console reads from config.json beside index.html (shared/console/js/api.js, auth.js). */
export interface ConsoleConfig {
  apiBase: string;
  region: string;
  cognito: { domain: string; clientId: string; redirectUri: string; scope: string; tokenUse: "id" };
}

/** Where the policy goes: first thing in <head>, before any script or style the page loads. */
const CHARSET = '<meta charset="utf-8" />';

/**
 * index.html as the deployment serves it: with a Content-Security-Policy <meta> allowing connections
 * to this deployment's API and hosted UI only. The distribution's header policy cannot name the API
 * (the API's CORS names the distribution, so the distribution cannot name the API: a cycle), and
 * allows every execute-api host of the region: a script injected into the page could send the
 * tokens it reads to an API of anyone's. A browser enforces both policies, so the meta narrows it.
 */
export function consoleIndexHtml(html: string, connectTo: string[]): string {
  if (!html.includes(CHARSET)) throw new Error(`index.html has no ${CHARSET} to put the policy after`);
  const policy = `connect-src 'self' ${connectTo.join(" ")}`;
  return html.replace(
    CHARSET,
    `${CHARSET}\n    <meta http-equiv="Content-Security-Policy" content="${policy}" />`,
  );
}

export interface ConsoleAssetsProps extends StackProps {
  stage: string;
  distribution: IDistribution;
  config: ConsoleConfig;
}

/**
 * Deploys the console's files and its config.json (API URL, hosted UI domain, client id, region:
 * deploy-time values) into the hosting bucket, and invalidates the distribution's cache. A stack of its
 * own: BucketDeployment brings CDK's own custom-resource function (Python, with its role), kept apart
 * from the service stack's functions and their least-privilege checks.
 */
export class ConsoleAssetsStack extends Stack {
  constructor(scope: Construct, id: string, props: ConsoleAssetsProps) {
    super(scope, id, props);
    new BucketDeployment(this, "Files", {
      sources: [
        Source.asset(CONSOLE_DIR, { exclude: ["index.html"] }),
        Source.data(
          "index.html",
          consoleIndexHtml(readFileSync(join(CONSOLE_DIR, "index.html"), "utf8"), [
            props.config.apiBase,
            props.config.cognito.domain,
          ]),
        ),
        Source.jsonData("config.json", props.config),
      ],
      destinationBucket: Bucket.fromBucketName(this, "Bucket", consoleBucketName(props.stage)),
      distribution: props.distribution,
      distributionPaths: ["/*"],
      // Files removed from shared/console/ are removed from the bucket too.
      prune: true,
      memoryLimit: 256,
    });
    // CDK's singleton handler of BucketDeployment, created at the stack's root.
    const handler = this.node.children.find((c) => c.node.id.startsWith("Custom::CDKBucketDeployment"));
    if (!handler)
      throw new Error("BucketDeployment's handler was not found: cdk-nag acknowledgments need it");
    const why = (s: string) => `CDK's BucketDeployment custom resource (runs at deploy time only): ${s}`;
    const bucketArn = `arn:<AWS::Partition>:s3:::${props.stage}-harness-console-<AWS::AccountId>-<AWS::Region>`;
    // cdk-nag names an unresolved account or region by its pseudo parameter; a token in the key would
    // not resolve to a string (`npm run synth` without an account in the environment failed so).
    const account = Token.isUnresolved(this.account) ? "<AWS::AccountId>" : this.account;
    const region = Token.isUnresolved(this.region) ? "<AWS::Region>" : this.region;
    // The bootstrap stack's asset bucket is named from its qualifier: a team bootstrapped with its own
    // (`cdk bootstrap --qualifier`, with "@aws-cdk/core:bootstrapQualifier" in the context) has the
    // files read from cdk-<qualifier>-assets-..., which an acknowledgment naming CDK's default missed.
    const qualifier = this.synthesizer.bootstrapQualifier ?? DefaultStackSynthesizer.DEFAULT_QUALIFIER;
    const assets = `arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-${account}-${region}`;
    const findings: [string, string][] = [
      [
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        "the AWS managed basic execution role only lets it write its own CloudWatch logs",
      ],
      [
        "AwsSolutions-IAM5[Action::s3:GetObject*]",
        "reads the staged console files (CDK's grantRead action set)",
      ],
      [
        "AwsSolutions-IAM5[Action::s3:GetBucket*]",
        "reads the buckets' locations and settings (CDK's grantRead set)",
      ],
      [
        "AwsSolutions-IAM5[Action::s3:List*]",
        "lists the source asset and the console bucket to sync them (prune)",
      ],
      [
        "AwsSolutions-IAM5[Action::s3:DeleteObject*]",
        "removes console files deleted from shared/console/ (prune), in the console bucket only",
      ],
      ["AwsSolutions-IAM5[Action::s3:Abort*]", "aborts its own multipart uploads to the console bucket"],
      [
        `AwsSolutions-IAM5[Resource::${assets}/*]`,
        "reads the console's zipped files from CDK's bootstrap asset bucket; nothing else there is touched",
      ],
      [
        `AwsSolutions-IAM5[Resource::${bucketArn}/*]`,
        "writes the console's files: every object of the console bucket, and no other bucket",
      ],
      [
        "AwsSolutions-IAM5[Resource::*]",
        "cloudfront:CreateInvalidation and GetInvalidation after each deployment, which CDK grants on *",
      ],
      ["AwsSolutions-L1", "its Python runtime is pinned by aws-cdk-lib and moves with CDK upgrades"],
      ["Serverless-LambdaTracing", "one run per deployment; CloudFormation's events already trace it"],
      [
        "Serverless-LambdaDLQ",
        "CloudFormation invokes it and fails the deployment on error; there is no asynchronous event to keep",
      ],
      ["Serverless-LambdaDefaultMemorySize", "its memory is set by memoryLimit on the deployment"],
      ["Serverless-LambdaLatestVersion", "its runtime is pinned by aws-cdk-lib and moves with CDK upgrades"],
    ];
    for (const [finding, reason] of findings) ackArn(handler, finding, why(`${reason}.`));
  }
}
