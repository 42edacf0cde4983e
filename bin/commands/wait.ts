/**
 * `harness wait [--timeout]`: poll /v1/health until the harness answers "ok", so a walk-through pasted
 * at once (npm start in one terminal, commands in another) waits for the server instead of failing.
 * While `npm start` is still starting it answers 503 with what it is doing; that is printed once per change.
 */
import { type Command, InvalidArgumentError } from "commander";
import { baseUrl, type ClientOptions, dataDirOption } from "./client.ts";

export async function waitReady(
  url: string,
  timeoutMs: number,
  say: (line: string) => void,
  intervalMs = 500,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    let state: string;
    try {
      const res = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(5000) });
      const body = (await res.json().catch(() => ({}))) as { status?: string; message?: string };
      if (res.ok && body.status === "ok") return true;
      state = body.message ?? `answered ${res.status}`;
    } catch {
      state = "not listening yet";
    }
    if (state !== last) say(`waiting for ${url}: ${state}`);
    last = state;
    if (Date.now() + intervalMs > end) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function registerWait(program: Command): void {
  program
    .command("wait")
    .description("wait until the harness API answers (after npm start or harness serve); exit 1 on timeout")
    .addOption(dataDirOption())
    .option("--url <url>", "harness API base URL")
    .option(
      "--timeout <seconds>",
      "give up after this many seconds",
      (v) => {
        const n = Number(v);
        if (!(n > 0)) throw new InvalidArgumentError("expected a positive number of seconds");
        return n;
      },
      600,
    )
    .action(async (opts: ClientOptions & { timeout: number }) => {
      const url = baseUrl(opts);
      const ok = await waitReady(url, opts.timeout * 1000, (l) => console.error(l));
      if (ok) console.log(`ready: ${url}/v1`);
      else {
        console.error(`not ready after ${opts.timeout} s: ${url}`);
        process.exitCode = 1;
      }
    });
}
