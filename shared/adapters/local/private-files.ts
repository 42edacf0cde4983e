/**
 * Files the harness keeps under its data directory (tokens, the admin token, server.json, the outbox,
 * archive files) hold secrets and personal data: owner-only, 0600 for files and 0700 for directories.
 * The mode is set when a file is created, and `tightenPrivateTree` brings files an older version left
 * world-readable into line at start.
 */
import { randomBytes } from "node:crypto";
import {
  appendFileSync,
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** The directory (and any parent it creates) owner-only. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Replace a file atomically: write a 0600 temporary file beside it, flush it, rename it over the old
 * one. A crash mid-write leaves the old file whole (tokens.json holds every token: a torn write would
 * lock everyone out).
 */
export function writePrivateFile(path: string, text: string): void {
  ensurePrivateDir(dirname(path));
  const tmp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    const fd = openSync(tmp, "wx", PRIVATE_FILE_MODE);
    try {
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Append, creating the file 0600 (the mode applies only at creation; `tightenPrivateFile` fixes old ones). */
export function appendPrivateFile(path: string, text: string): void {
  ensurePrivateDir(dirname(path));
  appendFileSync(path, text, { mode: PRIVATE_FILE_MODE });
}

/** An existing file made owner-only (a file written by an older version may be 0644). */
export function tightenPrivateFile(path: string): void {
  if (existsSync(path) && lstatSync(path).isFile()) chmodSync(path, PRIVATE_FILE_MODE);
}

/**
 * Every directory under `dir` 0700 and every file 0600, except the entries named in `skip` (at the
 * top level). Symbolic links are left alone: chmod would follow them out of the data directory.
 */
export function tightenPrivateTree(dir: string, skip: readonly string[] = []): void {
  ensurePrivateDir(dir);
  for (const name of readdirSync(dir)) {
    if (skip.includes(name)) continue;
    const path = join(dir, name);
    const stat = lstatSync(path);
    if (stat.isDirectory()) tightenPrivateTree(path);
    else if (stat.isFile()) chmodSync(path, PRIVATE_FILE_MODE);
  }
}
