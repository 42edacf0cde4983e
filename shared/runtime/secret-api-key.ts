/**
 * An API key kept in Secrets Manager, as the model and embeddings secrets hold it: the key as is, or
 * `{"apiKey": "..."}`. A JSON secret that does not parse is refused without the parser's message: on
 * Node 20+ that message quotes the text around the error, i.e. part of the key, and errors are logged.
 */

import * as z from "../domain/zod-mini.ts";
import { ConfigError } from "./aws-env.ts";

const JsonKey = z.object({ apiKey: z.string().check(z.minLength(1)) });

/** `what` names the secret in errors, e.g. "the model key secret". */
export function apiKeyFromSecretString(secretString: string | undefined, what: string): string {
  const text = secretString?.trim();
  if (!text) throw new ConfigError(`${what} has no string value`);
  if (!text.startsWith("{")) return text;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError(`${what} starts with "{" but is not valid JSON`);
  }
  const key = JsonKey.safeParse(raw);
  if (!key.success) throw new ConfigError(`${what} is JSON without an apiKey string`);
  return key.data.apiKey;
}
