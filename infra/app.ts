import { App, type Environment, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks, ServerlessChecks } from "cdk-nag";
import type { AgentMeta } from "../shared/agents/definition.ts";
import { configFromContext, type HarnessConfig } from "./config.ts";
import { ConsoleAssetsStack } from "./constructs/console-assets.ts";
import { ServiceStack } from "./service-stack.ts";
import { StatefulStack } from "./stateful-stack.ts";

export interface HarnessApp {
  app: App;
  config: HarnessConfig;
  stateful: StatefulStack;
  service: ServiceStack;
  consoleAssets: ConsoleAssetsStack;
}

/**
 * The whole harness as one CDK app: a stateful and a service stack, with cdk-nag's AwsSolutions and
 * Serverless packs applied to both. Used by bin/cdk.ts and by the infra tests.
 */
export function buildApp(options: {
  app?: App;
  agents: AgentMeta[];
  env?: Environment;
  /** Register the cdk-nag packs as synthesis validations (tests run them directly). @default true */
  nag?: boolean;
}): HarnessApp {
  const app = options.app ?? new App();
  const config = configFromContext((k) => app.node.tryGetContext(k), Object.keys(app.node.getAllContext()));
  const prefix = `Harness-${config.stage}`;
  const env = options.env ?? {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  };
  const stateful = new StatefulStack(app, `${prefix}-Stateful`, {
    config,
    env,
    description: "Agent harness: tables, archive, event bus, analytics catalog",
  });
  const service = new ServiceStack(app, `${prefix}-Service`, {
    config,
    env,
    description: "Agent harness: API, functions, approval workflow, routing, alarms",
    stateTable: stateful.stateTable,
    ledgerTable: stateful.ledgerTable,
    archiveBucket: stateful.archiveBucket,
    bus: stateful.bus,
    personKey: stateful.personKey,
    agents: options.agents,
  });
  service.addDependency(stateful);
  const consoleAssets = new ConsoleAssetsStack(app, `${prefix}-Console`, {
    env,
    description: "Agent harness: the web console's files and config.json, deployed to its bucket",
    stage: config.stage,
    distribution: service.console.distribution,
    config: {
      apiBase: service.api.api.apiEndpoint,
      region: service.region,
      cognito: {
        domain: service.console.cognitoDomain,
        clientId: service.consoleClient.userPoolClientId,
        redirectUri: service.console.url,
        scope: "openid email",
        // The API's JWT authorizer reads the groups from the ID token's cognito:groups claim.
        tokenUse: "id",
      },
    },
  });
  consoleAssets.addDependency(service);
  if (options.nag ?? true)
    Validations.of(app).addPlugins(
      new AwsSolutionsChecks(app, { verbose: true }),
      new ServerlessChecks(app, { verbose: true }),
    );
  return { app, config, stateful, service, consoleAssets };
}
