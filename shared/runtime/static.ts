import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** The web console's static files (shared/console): served at `/` beside the API under `/v1`. */
export const CONSOLE_DIR = fileURLToPath(new URL("../console/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

/**
 * What the console may load: its own files only. Locally the API is on the same origin; in AWS the
 * CDN sets its own headers. No inline script, so a payload rendered by mistake as HTML cannot run.
 */
const HEADERS = {
  "cache-control": "no-cache",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

/**
 * Answers a GET or HEAD for a console file and returns true; returns false (the API answers) for
 * anything under /v1, other methods, and paths that name no file. Paths are normalized and must
 * stay inside the console folder; dot-files and the folder's scripts are never served.
 */
export async function serveConsole(
  req: IncomingMessage,
  res: ServerResponse,
  dir: string = CONSOLE_DIR,
): Promise<boolean> {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
  } catch {
    return false;
  }
  if (path === "/v1" || path.startsWith("/v1/")) return false;
  if (path.endsWith("/")) path += "index.html";
  const type = TYPES[extname(path)];
  if (!type || path.split("/").some((s) => s.startsWith("."))) return false;
  const file = normalize(join(dir, path));
  if (!file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) return false;
  try {
    if (!(await stat(file)).isFile()) return false;
    const bytes = await readFile(file);
    res.writeHead(200, { ...HEADERS, "content-type": type, "content-length": bytes.length });
    res.end(req.method === "HEAD" ? undefined : bytes);
    return true;
  } catch {
    return false;
  }
}
