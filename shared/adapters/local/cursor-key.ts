import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { MIN_CURSOR_SECRET_BYTES } from "../dynamo/cursor.ts";

/**
 * The local server's pagination key: 32 random bytes in the data directory (mode 0600), created on
 * first start with an exclusive create, so two processes starting at once agree on one key and
 * cursors survive a restart. It signs cursors only; it protects no data.
 */
export function loadOrCreateCursorKey(path: string): Buffer {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    writeFileSync(path, randomBytes(32), { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  chmodSync(path, 0o600);
  const key = readFileSync(path);
  if (key.length < MIN_CURSOR_SECRET_BYTES)
    throw new Error(`${path}: not a pagination key written by the harness; delete it to create a new one`);
  return key;
}
