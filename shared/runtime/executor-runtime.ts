/**
 * The runtime of an executor (the workflow's Execute task, `decision.made` -> execute): the executors'
 * stores (the lifecycle's, with the gate's read for the re-check at the send) and the deployed connector, live where the deployment configures a system (secrets read on
 * first use), else the S3 outbox. Each executor entry passes the connectors it is built with: none
 * beyond SES and LinkedIn (the lean entries), HubSpot (`-hubspot`), HubSpot and MCP (`-mcp`); the CDK
 * app deploys the one the connectors config needs (infra/service-stack.ts executorEntry).
 */
import { runtimeWith } from "./aws-lazy.ts";
import { awsConnector } from "./aws-s3.ts";
import { EXECUTOR_STORES } from "./aws-stores.ts";
import { type DeployedConnectorOptions, deployedConnector } from "./deployed-connectors.ts";

export const executorRuntime = (built: Pick<DeployedConnectorOptions, "hubspot" | "mcp"> = {}) =>
  runtimeWith(EXECUTOR_STORES, (env) => ({
    connector: deployedConnector(env, { outbox: awsConnector(env), ...built }),
  }));

/**
 * What recording an action's result needs after its last call (the decision's transition, its
 * events, trust): kept out of the time its connector calls may take.
 */
export const RECORD_RESERVE_MS = 5_000;

/**
 * The time an executor's connector calls may still take: the function's remaining time, less the
 * record's reserve. A call that could not end in it is not started (connectors/retry.ts): an action
 * of many calls (a big list sync, HubSpot's engagement and its associations under rate limiting) is
 * turned away and tried again, not killed mid-call by the function's timeout and left in doubt.
 */
export const connectorTimeLeft = (context: { getRemainingTimeInMillis(): number }) => ({
  timeLeft: () => context.getRemainingTimeInMillis() - RECORD_RESERVE_MS,
});
