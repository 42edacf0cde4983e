import { type Connector, ConnectorError, type ConnectorRequest, type ConnectorResult } from "../../ports.ts";

export type ConnectorSystem = "ses" | "linkedin" | "hubspot";

/** Which system executes an action type: email.send → SES, linkedin.* → LinkedIn, crm/list → HubSpot. */
export function systemFor(actionType: string): ConnectorSystem | undefined {
  if (actionType === "email.send") return "ses";
  if (actionType.startsWith("linkedin.")) return "linkedin";
  if (actionType === "crm.update" || actionType === "list.sync") return "hubspot";
  return undefined;
}

/** The runtime's one Connector: routes each decision to its system's connector by action type. */
export class RoutingConnector implements Connector {
  constructor(private readonly systems: Partial<Record<ConnectorSystem, Connector>>) {}

  execute(req: ConnectorRequest): Promise<ConnectorResult> {
    const system = systemFor(req.decision.actionType);
    const connector = system ? this.systems[system] : undefined;
    if (!connector)
      return Promise.reject(
        new ConnectorError(
          `no connector is configured for ${req.decision.actionType}${system ? ` (${system})` : ""}`,
          false,
        ),
      );
    return connector.execute(req);
  }
}
