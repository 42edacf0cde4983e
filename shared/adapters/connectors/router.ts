import { type BuiltInSystem, builtInSystemFor } from "../../domain/spec-tools.ts";
import { type Connector, ConnectorError, type ConnectorRequest, type ConnectorResult } from "../../ports.ts";

export type ConnectorSystem = BuiltInSystem;

/** Which system executes an action type (declared once in the domain: the spec refuses tools on these). */
export const systemFor = builtInSystemFor;

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
