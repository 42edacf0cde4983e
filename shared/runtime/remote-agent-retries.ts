/**
 * The retry queue of a built-in agent run out of process (remote-agent-run.ts), in a local file: a
 * deferred proposal is kept with its retryAfter, and the first run at or after that time re-proposes it
 * (new proposalId, `retryOf` the first; deferred again, queued again up to runner.ts
 * MAX_RETRY_ATTEMPTS), as the in-process runtime does from its durable queue.
 * One file per agent process (`harness agents run --retries FILE`); written whole each time, 0600.
 */
import { existsSync, readFileSync } from "node:fs";
import * as z from "zod";
import { writePrivateFile } from "../adapters/local/private-files.ts";
import type { QueuedRetry, RetryQueue } from "../agents/runner.ts";
import { ValidationError } from "../domain/errors.ts";

type Entry = QueuedRetry;

const Entries = z.array(
  z.object({
    agentId: z.string().min(1),
    at: z.number(),
    proposal: z.object({ proposalId: z.string().min(1) }).loose(),
    attempt: z.optional(z.number().int().min(1)),
    failures: z.optional(z.number().int().min(1)),
  }),
);

const same = (a: Entry, b: Entry) =>
  a.agentId === b.agentId && a.at === b.at && a.proposal.proposalId === b.proposal.proposalId;

export class FileRetryQueue implements RetryQueue {
  /** `flag` names the file in errors (the CLI's --retries). */
  constructor(
    private readonly path: string,
    private readonly flag = "retries",
  ) {}

  private read(): Entry[] {
    if (!existsSync(this.path)) return [];
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.path, "utf8"));
    } catch {
      throw new ValidationError([
        { path: this.flag, message: `${this.path} is not a retry file (not JSON)` },
      ]);
    }
    const entries = Entries.safeParse(parsed);
    if (!entries.success)
      throw new ValidationError([{ path: this.flag, message: `${this.path} is not a retry file` }]);
    return entries.data as unknown as Entry[];
  }

  private write(entries: Entry[]): void {
    writePrivateFile(this.path, `${JSON.stringify(entries, null, 1)}\n`);
  }

  /** Reads the file now, so a bad one is refused before anything is sent. */
  check(): void {
    this.read();
  }

  async add(r: Entry): Promise<void> {
    const entries = this.read().filter((e) => !same(e, r));
    this.write([...entries, r]);
  }

  async due(agentId: string, now: number, limit = 100): Promise<Entry[]> {
    return this.read()
      .filter((e) => e.agentId === agentId && e.at <= now)
      .sort((a, b) => a.at - b.at)
      .slice(0, limit);
  }

  async remove(r: Entry): Promise<void> {
    this.write(this.read().filter((e) => !same(e, r)));
  }
}
