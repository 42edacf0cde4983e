import { Duration, RemovalPolicy } from "aws-cdk-lib";
import {
  AccountRecovery,
  CfnUserPoolGroup,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  UserPool,
  type UserPoolClient,
} from "aws-cdk-lib/aws-cognito";
import { Construct } from "constructs";
import { ROLES } from "../../shared/usecases/principal.ts";
import { ack } from "../nag-suppressions.ts";

export interface HarnessAuthProps {
  stage: string;
}

/**
 * People sign in with a Cognito user pool; their groups (approver, admin, viewer) arrive in the JWT's
 * `cognito:groups` claim, which shared/http/principal-from-event.ts turns into roles. Sign-up is
 * admin-only: the first admin is created with the CLI (docs/deployment.md).
 */
/** What a signed-in user may change of themselves through a client: their names, never their email. */
export const PERSON_WRITABLE = new ClientAttributes().withStandardAttributes({
  givenName: true,
  familyName: true,
});

export class HarnessAuth extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;

  constructor(scope: Construct, id: string, props: HarnessAuthProps) {
    super(scope, id);
    this.userPool = new UserPool(this, "Users", {
      userPoolName: `${props.stage}-harness-users`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { sms: false, otp: true },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // A person is their email in the ledger (principal-from-event.ts): a changed address stays
      // the old one until the new one is verified.
      keepOriginal: { email: true },
      featurePlan: FeaturePlan.ESSENTIALS,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    ack(
      this.userPool,
      "AwsSolutions-COG8",
      "The Plus tier's threat protection is priced per active user; this pool has admin-created users only (no self sign-up), TOTP MFA required and a 14-character password policy. Regulated users can switch featurePlan to PLUS.",
    );
    this.client = this.userPool.addClient("Console", {
      userPoolClientName: `${props.stage}-harness-console`,
      // SRP for browsers; admin password auth lets an operator with IAM credentials sign in from the CLI.
      authFlows: { userSrp: true, adminUserPassword: true },
      // No OAuth on this client (CDK would otherwise allow the implicit grant with a placeholder
      // callback): browsers sign in through the console's own code-flow client (console-hosting.ts).
      disableOAuth: true,
      preventUserExistenceErrors: true,
      // Signed-in users may write their names only: with the default (every standard attribute) an
      // approver could set their email to another's, and act under that name. Admins change emails.
      writeAttributes: PERSON_WRITABLE,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(7),
    });
    for (const group of ROLES) {
      new CfnUserPoolGroup(this, `Group${group[0]?.toUpperCase()}${group.slice(1)}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group,
        description: `Harness ${group}s`,
      });
    }
  }
}
