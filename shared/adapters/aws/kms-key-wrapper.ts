import { DecryptCommand, EncryptCommand, type KMSClient } from "@aws-sdk/client-kms";
import { DependencyError } from "../../domain/errors.ts";
import type { KeyWrapper } from "../../ports.ts";

/** How long an unwrapped data key stays in a container's memory; erasure deletes the wrapped key. */
const CACHE_MS = 5 * 60_000;
const CACHE_ENTRIES = 1000;

/**
 * The deployed harness's key wrapper: each data key is encrypted under the deployment's KMS key with
 * its owner ("person:<id>", "account:<id>") as encryption context (so a wrapped key cannot be replayed
 * for someone else, and CloudTrail shows whose key was opened). Unwrapped keys are cached briefly per container so the
 * gate's path pays a KMS call only on a miss.
 */
export class KmsKeyWrapper implements KeyWrapper {
  private readonly cache = new Map<string, { key: Buffer; until: number }>();

  constructor(
    private readonly client: KMSClient,
    private readonly keyId: string,
    private readonly now: () => number = Date.now,
  ) {}

  async wrap(dataKey: Buffer, owner: string): Promise<string> {
    try {
      const res = await this.client.send(
        new EncryptCommand({ KeyId: this.keyId, Plaintext: dataKey, EncryptionContext: { owner } }),
      );
      if (!res.CiphertextBlob) throw new Error("KMS returned no ciphertext");
      return `kms1.${Buffer.from(res.CiphertextBlob).toString("base64url")}`;
    } catch (err) {
      throw new DependencyError("KMS could not wrap a data key", { cause: err });
    }
  }

  async unwrap(wrapped: string, owner: string): Promise<Buffer> {
    const cacheKey = `${owner}\u0000${wrapped}`;
    const hit = this.cache.get(cacheKey);
    if (hit && hit.until > this.now()) return hit.key;
    const [version, blob] = wrapped.split(".");
    if (version !== "kms1" || !blob) throw new Error("not a key wrapped by KMS");
    let key: Buffer;
    try {
      const res = await this.client.send(
        new DecryptCommand({
          KeyId: this.keyId,
          CiphertextBlob: Buffer.from(blob, "base64url"),
          EncryptionContext: { owner },
        }),
      );
      if (!res.Plaintext) throw new Error("KMS returned no plaintext");
      key = Buffer.from(res.Plaintext);
    } catch (err) {
      throw new DependencyError("KMS could not unwrap a data key", { cause: err });
    }
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(cacheKey, { key, until: this.now() + CACHE_MS });
    return key;
  }
}
