import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { DependencyError } from "../../domain/errors.ts";
import { type ArchiveWriter, ndjson } from "../../usecases/archive.ts";

const gz = promisify(gzip);

/** NDJSON, gzip-compressed, one object per key; the bucket's default encryption applies. */
export class S3ArchiveWriter implements ArchiveWriter {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
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
      );
    } catch (err) {
      throw new DependencyError(`archive write ${key} failed: ${(err as Error).name}`, { cause: err });
    }
  }
}
