/**
 * The retry file of an agent run out of process (shared/runtime/remote-agent-retries.ts): a deferred
 * proposal waits there until its retryAfter, per agent, oldest first; removed once re-proposed; the
 * file is private (0600); a file that is not one is refused naming the flag.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Proposal } from "../../shared/domain/proposal.ts";
import { FileRetryQueue } from "../../shared/runtime/remote-agent-retries.ts";

const dir = mkdtempSync(join(tmpdir(), "retries-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const proposal = (proposalId: string) => ({ proposalId }) as unknown as Proposal;

describe("the retry file", () => {
  it("gives an agent's due entries oldest first, keeps the rest, forgets a removed one", async () => {
    const path = join(dir, "q.json");
    const q = new FileRetryQueue(path);
    expect(await q.due("outreach-writer", Date.now())).toEqual([]);
    const late = { agentId: "outreach-writer", at: 300, proposal: proposal("p-late") };
    const early = { agentId: "outreach-writer", at: 100, proposal: proposal("p-early") };
    const other = { agentId: "list-sync", at: 50, proposal: proposal("p-other") };
    for (const r of [late, early, other]) await q.add(r);
    await q.add(early); // added twice: kept once
    expect(await q.due("outreach-writer", 200)).toEqual([early]);
    expect(await q.due("outreach-writer", 300)).toEqual([early, late]);
    await q.remove(early);
    // Another process (the next run) reads the same file.
    expect(await new FileRetryQueue(path).due("outreach-writer", 1000)).toEqual([late]);
    expect(await q.due("list-sync", 1000)).toEqual([other]);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it("refuses a file that is not a retry file, naming the flag", () => {
    const path = join(dir, "bad.json");
    writeFileSync(path, '{"not":"a list"}');
    expect(() => new FileRetryQueue(path, "--retries").check()).toThrow(/^--retries: .* is not a retry file/);
    writeFileSync(path, "{");
    expect(() => new FileRetryQueue(path, "--retries").check()).toThrow(/not JSON/);
  });
});
