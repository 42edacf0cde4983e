import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import * as z from "../../domain/zod-mini.ts";

/**
 * A connector's credentials as stored in Secrets Manager: a JSON object (`{"accessToken": "..."}`,
 * plus `clientSecret` for HubSpot's webhook signatures), or a bare token string.
 */
export const ConnectorSecret = z.strictObject({
  accessToken: z.optional(z.string().check(z.minLength(1))),
  /** HubSpot app's client secret: the key of its v3 webhook signatures. */
  clientSecret: z.optional(z.string().check(z.minLength(1))),
});
export type ConnectorSecret = z.infer<typeof ConnectorSecret>;

/**
 * A downstream MCP server's headers (`{"Authorization": "Bearer ..."}`): header name -> whole value,
 * sent on every request to that server.
 */
export const McpHeadersSecret = z.record(
  z.string().check(z.regex(/^[A-Za-z0-9-]+$/, "must be an HTTP header name")),
  z.string().check(z.minLength(1)),
);
export type McpHeadersSecret = z.infer<typeof McpHeadersSecret>;

export class SecretReadError extends Error {
  override readonly name = "SecretReadError";
}

/**
 * Reads connector secrets by ARN, once per container: the value is kept for the container's life (a
 * rotated secret reaches new containers; Lambda recycles old ones within hours). A failed read is not
 * kept, so the next invocation tries again. Messages name the connector, never the value.
 */
export class ConnectorSecrets {
  private readonly cache = new Map<string, Promise<ConnectorSecret>>();
  private readonly headerCache = new Map<string, Promise<McpHeadersSecret>>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly arns: Record<string, string>,
  ) {}

  get(name: string): Promise<ConnectorSecret> {
    const cached = this.cache.get(name);
    if (cached) return cached;
    const read = this.read(name);
    this.cache.set(name, read);
    read.catch(() => this.cache.delete(name));
    return read;
  }

  /**
   * A downstream MCP server's headers, by the ARN its deployed entry names (`mcp[].headersSecretArn`),
   * kept as the connectors' secrets are. Must be a JSON object of header -> value.
   */
  headers(server: string, arn: string): Promise<McpHeadersSecret> {
    const key = `mcp:${server}`;
    const cached = this.headerCache.get(key);
    if (cached) return cached;
    const read = this.text(`MCP server ${server}`, arn).then((text) => {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        throw new SecretReadError(`the MCP server ${server} headers secret is not JSON`);
      }
      const parsed = McpHeadersSecret.safeParse(raw);
      if (!parsed.success)
        throw new SecretReadError(
          `the MCP server ${server} headers secret must be a JSON object of header -> value: ${parsed.error.issues
            .map((i) => i.path.join(".") || "value")
            .join(", ")}`,
        );
      return parsed.data;
    });
    this.headerCache.set(key, read);
    read.catch(() => this.headerCache.delete(key));
    return read;
  }

  private async read(name: string): Promise<ConnectorSecret> {
    const arn = this.arns[name];
    if (!arn) throw new SecretReadError(`no secret is configured for ${name} (connectorSecretArns.${name})`);
    const text = await this.text(`${name}`, arn);
    let raw: unknown = text;
    try {
      raw = JSON.parse(text);
    } catch {
      // A bare token: the whole string is the access token.
      return { accessToken: text.trim() };
    }
    const parsed = ConnectorSecret.safeParse(raw);
    if (!parsed.success)
      throw new SecretReadError(
        `the ${name} secret must be a JSON object with accessToken (and clientSecret): ${parsed.error.issues
          .map((i) => i.path.join(".") || "value")
          .join(", ")}`,
      );
    return parsed.data;
  }

  /** The secret's string value; messages name what it is for, never the value. */
  private async text(what: string, arn: string): Promise<string> {
    let text: string | undefined;
    try {
      text = (await this.client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
    } catch (err) {
      throw new SecretReadError(`reading the ${what} secret failed: ${(err as Error).name}`, { cause: err });
    }
    if (!text) throw new SecretReadError(`the ${what} secret has no string value`);
    return text;
  }
}
