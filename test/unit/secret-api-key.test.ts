import { describe, expect, it } from "vitest";
import { ConfigError } from "../../shared/runtime/aws-env.ts";
import { apiKeyFromSecretString } from "../../shared/runtime/secret-api-key.ts";

describe("an API key read from a secret", () => {
  it("is the string as is, or the apiKey of a JSON secret", () => {
    expect(apiKeyFromSecretString("  sk-plain \n", "the model key secret")).toBe("sk-plain");
    expect(apiKeyFromSecretString('{"apiKey": "sk-json"}', "the model key secret")).toBe("sk-json");
  });

  it("refuses malformed JSON without quoting any of it (the parser's message would)", () => {
    const secret = '{"apiKey": sk-live-SECRETVALUE}';
    let caught: unknown;
    try {
      apiKeyFromSecretString(secret, "the embeddings key secret");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const e = caught as Error & { cause?: unknown };
    expect(e.message).toMatch(/the embeddings key secret .*not valid JSON/);
    expect(`${e.message} ${String(e.cause ?? "")} ${e.stack ?? ""}`).not.toMatch(/sk-live|SECRET/);
  });

  it("refuses an empty secret and JSON without an apiKey, naming the secret", () => {
    expect(() => apiKeyFromSecretString(undefined, "the model key secret")).toThrow(
      /the model key secret has no string value/,
    );
    expect(() => apiKeyFromSecretString('{"key": "x"}', "the model key secret")).toThrow(/without an apiKey/);
  });
});
