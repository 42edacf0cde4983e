/**
 * The HTTP server `npm start` opens before anything else: it listens at once, so the banner (console
 * URL, how to sign in) is printed in the first second, and answers while DynamoDB Local and the
 * simulated market start (minutes on a loaded machine): /v1/health says what is being done (503
 * "starting", which `harness wait` prints), other API paths answer 503 with the same words, and the
 * console's address serves a page that reloads itself until the console is there. `ready(listener)`
 * hands every later request to the real server's listener (the API and the console).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export type Listener = (req: IncomingMessage, res: ServerResponse) => void;

export interface StartingServer {
  server: Server;
  /** What is being done now, e.g. "starting DynamoDB Local (40 s)". */
  step(message: string): void;
  ready(listener: Listener): void;
}

const page = (message: string) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
<title>Agent Harness is starting</title></head>
<body style="font-family: system-ui, sans-serif; margin: 4rem auto; max-width: 40rem">
<h1>Agent Harness is starting</h1><p>${message.replace(/[<>&]/g, "")}…</p>
<p>This page reloads itself; the console opens here when the simulated market is ready.</p>
</body></html>`;

export function startingServer(): StartingServer {
  let message = "starting";
  let real: Listener | undefined;
  const server = createServer((req, res) => {
    if (real) return real(req, res);
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    if (path === "/v1" || path.startsWith("/v1/")) {
      res
        .writeHead(503, { "content-type": "application/json", "retry-after": "2" })
        .end(JSON.stringify({ status: "starting", error: "starting", message }));
      return;
    }
    res.writeHead(503, { "content-type": "text/html; charset=utf-8", "retry-after": "3" }).end(page(message));
  });
  return {
    server,
    step: (m) => {
      message = m;
    },
    ready: (listener) => {
      real = listener;
    },
  };
}
