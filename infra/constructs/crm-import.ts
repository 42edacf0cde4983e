import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import type { IEventBus } from "aws-cdk-lib/aws-events";
import { Effect, PolicyStatement } from "aws-cdk-lib/aws-iam";
import type { DeployedConnectorsConfig } from "../../shared/runtime/connector-schemas.ts";
import { DDB } from "./data-access.ts";
import type { HarnessFunction } from "./harness-function.ts";
import { grantSecretRead } from "./secret-read.ts";

/** The crm-import agent's own entry: the common agent handler plus the CRM (its bundle alone has the SDK). */
export const CRM_IMPORT_ENTRY = "functions/agents/crm-import.ts";
export const CRM_IMPORT_AGENT = "crm-import";
/** The connectorSecretArns entry whose token it reads (shared/runtime/crm-import-aws.ts HUBSPOT_SECRET). */
const HUBSPOT_SECRET = "hubspot";

/**
 * The state table partitions the import writes: accounts and people with their domain and email
 * indexes and inherited suppressions (the KB store's upserts), deals, the CRM links and its own
 * checkpoints. Nothing else: not the ledger, specs, trust, counters or tokens.
 */
export const CRM_IMPORT_PARTITIONS = [
  "ACCOUNT#*",
  "PERSON#*",
  "EMAIL#*",
  "DOMAIN#*",
  "SUPPRESS#*",
  "ACCOUNTDEALS#*",
  `CRMLINK#${HUBSPOT_SECRET}#*`,
  "CHECKPOINT#crm-import:*",
];

/**
 * Of those, the only partitions it deletes from: a domain's or an email's index entry when an upsert
 * moves the account or person to another one (kb-store.ts), and a deal's row under the account it
 * moved away from (crm-import-store.ts). Accounts, people, suppressions, links and checkpoints are
 * only ever put or updated, so a bug or a stolen role cannot delete them. It can still rewrite them:
 * a suppression is one item whose entries the import adds to (an address unsubscribed in the CRM, a
 * merged contact, what a new person inherits), and IAM has no condition on an update's expression, so
 * a grant that adds an entry also lets an update empty them. What keeps the import to adding is its
 * code (kb-store.ts addEntry), not this policy.
 */
export const CRM_IMPORT_DELETES = ["EMAIL#*", "DOMAIN#*", "ACCOUNTDEALS#*"];

export interface CrmImportAccessProps {
  state: ITable;
  /** The import publishes the KB's change events (kb.account.put, kb.person.put) as every KB write does. */
  bus: IEventBus;
  /** `connectorSecretArns.hubspot`. Absent: the function finds no CRM and does nothing. */
  hubspotSecretArn?: string;
  /** The KMS keys the secret may be encrypted with (HarnessConfig.secretsKmsKeyArns). */
  secretsKmsKeyArns: string[];
  /** The deployment's connectors config (the HubSpot base path, if any); no secrets in it. */
  connectors: DeployedConnectorsConfig;
}

/**
 * What the crm-import agent's function may do beyond any agent's (infra/constructs/agent-functions.ts:
 * read the KB, propose): read the HubSpot token (no other function but the executors can), write the
 * KB partitions above, and put the change events on the bus.
 */
export function grantCrmImport(f: HarnessFunction, props: CrmImportAccessProps): void {
  f.fn.addEnvironment("EVENT_BUS_NAME", props.bus.eventBusName);
  props.bus.grantPutEventsTo(f.role);
  f.role.addToPolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: DDB.write.filter((a) => a !== "dynamodb:DeleteItem"),
      resources: [props.state.tableArn],
      conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": CRM_IMPORT_PARTITIONS } },
    }),
  );
  f.role.addToPolicy(
    new PolicyStatement({
      effect: Effect.ALLOW,
      actions: ["dynamodb:DeleteItem"],
      resources: [props.state.tableArn],
      conditions: { "ForAllValues:StringLike": { "dynamodb:LeadingKeys": CRM_IMPORT_DELETES } },
    }),
  );
  if (!props.hubspotSecretArn) return;
  f.fn.addEnvironment("CONNECTOR_SECRET_ARNS", JSON.stringify({ [HUBSPOT_SECRET]: props.hubspotSecretArn }));
  // HubSpot's settings alone (its base path and portal): the rest of the config (every downstream MCP
  // server) is the executors', and took this function's environment past Lambda's 4 KB with them.
  const { hubspot } = props.connectors;
  f.fn.addEnvironment("CONNECTORS_CONFIG", JSON.stringify(hubspot ? { hubspot } : {}));
  grantSecretRead(f.role, [props.hubspotSecretArn], props.secretsKmsKeyArns);
}
