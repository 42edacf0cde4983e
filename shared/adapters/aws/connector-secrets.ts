import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import * as z from "zod";

/**
 * A connector's credentials as stored in Secrets Manager: a JSON object (`{"accessToken": "..."}`,
 * plus `clientSecret` for HubSpot's webhook signatures), or a bare token string.
 */
export const ConnectorSecret = z
  .object({
    accessToken: z.string().min(1).optional(),
    /** HubSpot app's client secret: the key of its v3 webhook signatures. */
    clientSecret: z.string().min(1).optional(),
  })
  .strict();
export type ConnectorSecret = z.infer<typeof ConnectorSecret>;

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

  private async read(name: string): Promise<ConnectorSecret> {
    const arn = this.arns[name];
    if (!arn) throw new SecretReadError(`no secret is configured for ${name} (connectorSecretArns.${name})`);
    let text: string | undefined;
    try {
      text = (await this.client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
    } catch (err) {
      throw new SecretReadError(`reading the ${name} secret failed: ${(err as Error).name}`, { cause: err });
    }
    if (!text) throw new SecretReadError(`the ${name} secret has no string value`);
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
}
