import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { DependencyError } from "../../domain/errors.ts";
import { type ArchiveWriter, ndjson } from "../../usecases/archive.ts";

const gz = promisify(gzip);

/**
 * How long one put may take, the SDK's retries included. A put that hung until the function's timeout
 * (60 s) never reached archiveLedgerChanges' clean-up, so the objects written before it kept the
 * batch's rows, which its halves then archived again; a few groups (kinds × days) of 10 s each and the
 * clean-up fit in the 60 s.
 */
export const ARCHIVE_PUT_TIMEOUT_MS = 10_000;

/** NDJSON, gzip-compressed, one object per key; the bucket's default encryption applies. */
export class S3ArchiveWriter implements ArchiveWriter {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly timeoutMs = ARCHIVE_PUT_TIMEOUT_MS,
  ) {}

  async put(key: string, lines: string[]): Promise<void> {
    const body = await gz(Buffer.from(ndjson(lines), "utf8"));
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: "application/x-ndjson",
          ContentEncoding: "gzip",
        }),
        { abortSignal: AbortSignal.timeout(this.timeoutMs) },
      );
    } catch (err) {
      throw new DependencyError(`archive write ${key} failed: ${(err as Error).name}`, { cause: err });
    }
  }
}
