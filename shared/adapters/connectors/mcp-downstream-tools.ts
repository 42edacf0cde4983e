/**
 * The downstream MCP servers of a connectors file, together: which of their tools agents are offered
 * (only those the spec in force maps to an action type), and the connector that carries out a
 * decision of a mapped type by calling its tool. The mapping is read from the spec version the
 * decision was made under (published versions never change), never from the payload, so an agent
 * cannot name a tool of its own choosing; and the target and text are read again from the arguments
 * and must be what the gate decided on.
 */
import type { Spec } from "../../domain/spec-schema.ts";
import { type ExposedTool, exposedInputSchema, exposedName, mismatch } from "../../domain/spec-tools.ts";
import {
  type Connector,
  ConnectorError,
  type ConnectorRequest,
  type ConnectorResult,
  type SpecStore,
} from "../../ports.ts";
import type { DownstreamServer } from "./mcp-downstream.ts";
import { withinTimeLeft } from "./retry.ts";

/** What GET /v1/tools lists (shared/http/tool-routes.ts). */
export interface ToolCatalog {
  list(): Promise<ExposedTool[]>;
}

/** Valid MCP tool names (the spec's 2025-11 rules): the namespaced name must be one. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** The mapped tools the servers list, for a spec: a mapping whose tool is not listed is not offered. */
export function exposedTools(spec: Spec, servers: ReadonlyMap<string, Pick<DownstreamServer, "tools">>) {
  const out: ExposedTool[] = [];
  for (const [actionType, action] of Object.entries(spec.autonomy.actions)) {
    const m = action.tool;
    if (!m) continue;
    const tool = servers.get(m.server)?.tools.find((t) => t.name === m.name);
    const name = exposedName(m);
    if (!tool || !TOOL_NAME.test(name)) continue;
    out.push({
      name,
      actionType,
      kind: action.kind,
      ...(action.channel ? { channel: action.channel } : {}),
      mapping: m,
      ...(tool.title ? { title: tool.title } : {}),
      ...(tool.description ? { description: tool.description } : {}),
      inputSchema: exposedInputSchema(tool.inputSchema, m.idempotencyKeyArgument),
    });
  }
  return out;
}

export class DownstreamTools {
  private readonly servers: Map<string, DownstreamServer>;
  /** Published spec versions are immutable: read each once. */
  private readonly versions = new Map<number, Spec>();

  constructor(servers: DownstreamServer[]) {
    this.servers = new Map(servers.map((s) => [s.name, s]));
  }

  get names(): string[] {
    return [...this.servers.keys()];
  }

  /** Connects to every server and lists its tools; any failure fails the start. */
  async start(): Promise<void> {
    await Promise.all([...this.servers.values()].map((s) => s.start()));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.servers.values()].map((s) => s.close()));
  }

  catalog(specs: Pick<SpecStore, "current">): ToolCatalog {
    return {
      list: async () => {
        const current = await specs.current();
        return current ? exposedTools(current.spec, this.servers) : [];
      },
    };
  }

  /**
   * The decision's spec version, which exists (the gate decided under it). Not found is a failed read,
   * and not kept: before, a version read before its publish had spread was kept as none for the
   * container's life, and each of its tool actions went to the sandbox outbox, recorded executed.
   */
  private async specOf(specs: Pick<SpecStore, "get">, version: number): Promise<Spec> {
    let spec = this.versions.get(version);
    if (!spec) {
      spec = (await specs.get(version))?.spec;
      if (!spec) throw new Error(`spec v${version} was not found`);
      this.versions.set(version, spec);
    }
    return spec;
  }

  /** Decisions of a mapped action type call their tool (when its server is configured); others go to `inner`. */
  connector(inner: Connector, specs: Pick<SpecStore, "get">): Connector {
    return {
      ...(inner.forget ? { forget: inner.forget.bind(inner) } : {}),
      // Read (and kept) before the attempt is recorded: a failed read is tried again, nothing lost.
      prepare: async (d) => void (await this.specOf(specs, d.specVersion)),
      execute: async (req: ConnectorRequest): Promise<ConnectorResult> => {
        const d = req.decision;
        // Nothing is sent before the spec is read: a failed read is a refusal, not an unknown outcome
        // (the decision fails and gives its reservation back instead of waiting in doubt for a person).
        const spec = await this.specOf(specs, d.specVersion).catch((err: unknown) => {
          throw new ConnectorError(
            `spec v${d.specVersion} could not be read: ${(err as Error).message}`,
            false,
            {
              cause: err,
            },
          );
        });
        const mapping = spec.autonomy.actions[d.actionType]?.tool;
        const server = mapping && this.servers.get(mapping.server);
        // A server the connectors file does not name stays on the sandbox outbox, as any system it does not name.
        if (!mapping || !server) return inner.execute(req);
        const why = mismatch(mapping, { accountId: d.accountId, personId: d.personId, payload: req.payload });
        if (why) throw new ConnectorError(`${d.actionType}: ${why}; the tool was not called`, false);
        const args = {
          ...(req.payload.arguments as Record<string, unknown>),
          ...(mapping.idempotencyKeyArgument ? { [mapping.idempotencyKeyArgument]: req.idempotencyKey } : {}),
        };
        // Each attempt (a 401's renewed one too) starts only if it can end in the executor's time.
        await withinTimeLeft(req, server.settings.timeoutMs, () =>
          server.call(
            mapping.name,
            args,
            req.idempotencyKey,
            d.actionKind === "touch" && mapping.errorsMeanNotDone !== true,
          ),
        );
        return { externalId: `mcp:${mapping.server}/${mapping.name}:${req.idempotencyKey}` };
      },
    };
  }
}
