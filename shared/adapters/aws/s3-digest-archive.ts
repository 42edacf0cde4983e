import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { ConflictError, DependencyError } from "../../domain/errors.ts";
import { DIGEST_PREFIX, type DigestArchive } from "../../usecases/archive.ts";

const status = (err: unknown) =>
  (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/**
 * Ledger digests in the archive bucket, under `digests/`. Each is written once (conditional put: an
 * existing key is never replaced); with Object Lock enabled on the bucket, its default retention
 * applies to every digest as written (the SDK sends the checksum Object Lock requires).
 */
export class S3DigestArchive implements DigestArchive {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async putDigest(key: string, body: string): Promise<void> {
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          IfNoneMatch: "*",
          ContentType: "application/json",
        }),
      );
    } catch (err) {
      if (status(err) === 412)
        throw new ConflictError(`digest ${key} exists and is never replaced`, { cause: err });
      throw new DependencyError(`digest write ${key} failed: ${(err as Error).name}`, { cause: err });
    }
  }

  async digestKeys(): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const res = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: DIGEST_PREFIX,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
        for (const o of res.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
    } catch (err) {
      throw new DependencyError(`listing digests failed: ${(err as Error).name}`, { cause: err });
    }
    return keys;
  }

  async getDigest(key: string): Promise<string> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await res.Body?.transformToString("utf8")) ?? "";
    } catch (err) {
      throw new DependencyError(`reading digest ${key} failed: ${(err as Error).name}`, { cause: err });
    }
  }
}
