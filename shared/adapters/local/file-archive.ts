import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { gzipSync } from "node:zlib";
import { ConflictError } from "../../domain/errors.ts";
import { type ArchiveWriter, DIGEST_PREFIX, type DigestArchive, ndjson } from "../../usecases/archive.ts";

/**
 * The embedded default's archive: files under `<dataDir>/archive/` in the same key layout as the S3
 * archive (NDJSON gzip objects, digests as JSON). Directories 0700 and files 0600: the archive holds
 * the ledger. Digests are written once (an existing file is never replaced).
 */
export class FileArchive implements ArchiveWriter, DigestArchive {
  constructor(private readonly root: string) {}

  async put(key: string, lines: string[]): Promise<void> {
    this.write(key, gzipSync(Buffer.from(ndjson(lines), "utf8")), "w");
  }

  async putDigest(key: string, body: string): Promise<void> {
    this.write(key, Buffer.from(body, "utf8"), "wx");
  }

  async digestKeys(): Promise<string[]> {
    const keys: string[] = [];
    const walk = (dir: string, prefix: string) => {
      if (!existsSync(dir)) return;
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name), `${prefix}${e.name}/`);
        else if (e.isFile()) keys.push(`${prefix}${e.name}`);
      }
    };
    walk(join(this.root, DIGEST_PREFIX), DIGEST_PREFIX);
    return keys;
  }

  async getDigest(key: string): Promise<string> {
    return readFileSync(this.path(key), "utf8");
  }

  private path(key: string): string {
    // Keys are composed by usecases/archive.ts; refuse anything that would leave the archive folder.
    if (key.split("/").some((part) => part === ".." || part === "") || key.startsWith("/"))
      throw new Error(`not an archive key: ${key}`);
    return join(this.root, ...key.split("/"));
  }

  private write(key: string, body: Buffer, flag: "w" | "wx"): void {
    const file = this.path(key);
    this.mkdirs(dirname(file));
    try {
      writeFileSync(file, body, { mode: 0o600, flag });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "EEXIST")
        throw new ConflictError(`archive object ${key} exists and is never replaced`, { cause: err });
      throw err;
    }
    chmodSync(file, 0o600);
  }

  /** mkdir -p with 0700 on every directory it creates (the umask could widen nothing, only narrow). */
  private mkdirs(dir: string): void {
    if (existsSync(dir)) return;
    this.mkdirs(dirname(dir));
    mkdirSync(dir, { mode: 0o700 });
    chmodSync(dir, 0o700);
  }
}

/** The same archive in memory, for runtimes without a data directory (tests). */
export class MemoryArchive implements ArchiveWriter, DigestArchive {
  readonly objects = new Map<string, string>();

  async put(key: string, lines: string[]): Promise<void> {
    this.objects.set(key, ndjson(lines));
  }

  async putDigest(key: string, body: string): Promise<void> {
    if (this.objects.has(key)) throw new ConflictError(`archive object ${key} exists and is never replaced`);
    this.objects.set(key, body);
  }

  async digestKeys(): Promise<string[]> {
    return [...this.objects.keys()].filter((k) => k.startsWith(DIGEST_PREFIX));
  }

  async getDigest(key: string): Promise<string> {
    const body = this.objects.get(key);
    if (body === undefined) throw new Error(`no archive object ${key}`);
    return body;
  }
}
