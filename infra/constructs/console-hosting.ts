import { Aws, Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import {
  AllowedMethods,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from "aws-cdk-lib/aws-cloudfront";
import { S3BucketOrigin } from "aws-cdk-lib/aws-cloudfront-origins";
import {
  OAuthScope,
  type UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
} from "aws-cdk-lib/aws-cognito";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { ack } from "../nag-suppressions.ts";
import { PERSON_WRITABLE } from "./auth.ts";

export interface ConsoleHostingProps {
  stage: string;
}

/** Derived, not generated, so the assets stack can name it (and scope its grants) without an import. */
export const consoleBucketName = (stage: string) =>
  `${stage}-harness-console-${Aws.ACCOUNT_ID}-${Aws.REGION}`;

/** How long a console sign-in lasts (its refresh token's validity): a working day, with margin. */
export const CONSOLE_SIGN_IN_VALIDITY = Duration.hours(12);

/** The hosted UI's domain prefix: fixed from the stage and account, so it is known before deployment. */
export const cognitoDomainPrefix = (stage: string) => `${stage}-harness-${Aws.ACCOUNT_ID}`;

/**
 * The web console's hosting (issue 10): its static files in a private bucket that only this
 * CloudFront distribution may read (Origin Access Control, signed SigV4 requests; no public access, no
 * website endpoint), served over HTTPS with security headers. The files and their config.json are
 * put there by ConsoleAssets (a stack of its own, console-assets.ts); the API stays on API Gateway and
 * allows this origin by CORS.
 */
export class ConsoleHosting extends Construct {
  readonly bucket: Bucket;
  readonly distribution: Distribution;
  /** https://<distribution>/ : the console, and the one sign-in callback. */
  readonly url: string;
  readonly origin: string;
  readonly cognitoDomain: string;
  private readonly stage: string;

  constructor(scope: Construct, id: string, props: ConsoleHostingProps) {
    super(scope, id);
    this.stage = props.stage;
    const region = Stack.of(this).region;
    this.cognitoDomain = `https://${cognitoDomainPrefix(props.stage)}.auth.${region}.amazoncognito.com`;
    const logs = new Bucket(this, "Logs", {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      // CloudFront's standard logs are delivered with an ACL grant.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
    });
    ack(
      logs,
      "AwsSolutions-S1",
      "This is the bucket the console's bucket and distribution log to; logging it into itself would loop.",
    );
    this.bucket = new Bucket(this, "Assets", {
      bucketName: consoleBucketName(props.stage),
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: BucketEncryption.S3_MANAGED,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: "console-bucket/",
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
    });
    const headers = new ResponseHeadersPolicy(this, "Headers", {
      comment: "Agent harness console: security headers",
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // Scripts and styles from the console's own files only; the API and the hosted UI's token
          // endpoint are the only other origins it talks to.
          contentSecurityPolicy: [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            `connect-src 'self' https://*.execute-api.${region}.amazonaws.com ${this.cognitoDomain}`,
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "object-src 'none'",
          ].join("; "),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });
    this.distribution = new Distribution(this, "Distribution", {
      comment: `${props.stage} agent harness console`,
      defaultRootObject: "index.html",
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        responseHeadersPolicy: headers,
      },
      minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: "console-cdn/",
    });
    ack(
      this.distribution,
      "AwsSolutions-CFR1",
      "The console is for the workspace's own staff wherever they work; it holds no data itself (every read goes through the API, which requires a Cognito sign-in), so geo restriction would only lock out travelling users.",
    );
    ack(
      this.distribution,
      "AwsSolutions-CFR2",
      "The distribution serves static files only (GET/HEAD); the API it calls is throttled at its stage and authenticated. A WAF web ACL for CloudFront must live in us-east-1 and is a per-workspace choice (attach one with webAclId).",
    );
    ack(
      this.distribution,
      "AwsSolutions-CFR4",
      "With the default *.cloudfront.net certificate CloudFront cannot enforce a minimum TLS version; minimumProtocolVersion TLSv1.2_2021 applies as soon as a custom domain and ACM certificate are attached.",
    );
    this.origin = `https://${this.distribution.distributionDomainName}`;
    this.url = `${this.origin}/`;
  }

  /**
   * The console's sign-in: the user pool's hosted UI on a Cognito domain, and a public app client that
   * may use the authorization code grant only (no implicit grant, no client secret, no password
   * flows), with this distribution as its one callback. The console sends a PKCE challenge
   * (shared/console/js/auth.js), so an intercepted code is useless without the verifier.
   */
  addSignIn(userPool: UserPool, otherUrls: readonly string[] = []): UserPoolClient {
    userPool.addDomain("ConsoleDomain", {
      cognitoDomain: { domainPrefix: cognitoDomainPrefix(this.stage) },
    });
    return userPool.addClient("ConsoleWeb", {
      userPoolClientName: `${this.stage}-harness-console-web`,
      generateSecret: false,
      // Only refresh (ALLOW_REFRESH_TOKEN_AUTH, always present): no SRP or password flows on this client.
      authFlows: { custom: false },
      oAuth: {
        flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
        scopes: [OAuthScope.OPENID, OAuthScope.EMAIL],
        // The distribution, and where else the console is served (config consoleUrls): Cognito
        // refuses a sign-in whose redirect_uri is not listed here.
        callbackUrls: [this.url, ...otherUrls],
        logoutUrls: [this.url, ...otherUrls],
      },
      supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
      preventUserExistenceErrors: true,
      writeAttributes: PERSON_WRITABLE,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      // The console renews its hourly token with the refresh token (auth.js), so this is how long a
      // sign-in lasts: a working day, then the hosted UI (password and MFA) again. It sits in the
      // tab's sessionStorage, where a script injected into the page could read it: shorter than the
      // day it was, so a copy is worth less.
      refreshTokenValidity: CONSOLE_SIGN_IN_VALIDITY,
      // Signing out revokes it (/oauth2/revoke), so a copy left behind mints nothing more.
      enableTokenRevocation: true,
    });
  }
}
