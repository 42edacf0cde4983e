/**
 * The use case behind POST /v1/memory with in-memory fakes: chunks and their provenance, the id
 * derived from the content.
 */
import { describe, expect, it } from "vitest";
import type { MemoryStore } from "../../shared/kb/ports.ts";
import type { MemoryDoc } from "../../shared/kb/types.ts";
import { addMemory, MemoryInput } from "../../shared/usecases/add-memory.ts";

function fakes() {
  const stored: MemoryDoc[][] = [];
  const memory: MemoryStore = {
    put: async () => {},
    addDocument: async (chunks) => {
      stored.push(chunks);
      return { created: true, embedded: false };
    },
    search: async () => [],
  };
  const deps = {
    clock: { now: () => Date.parse("2026-03-10T14:00:00Z") },
    kb: {
      getAccount: async (id: string) => (id === "acme" ? ({ accountId: id } as never) : undefined),
      // Jane at acme, Max at globex; anyone else (an erased person) is not held.
      getPerson: async (id: string) =>
        ({ "acme.jane": { accountId: "acme" }, "globex.max": { accountId: "globex" } })[id] as never,
    },
    memory,
  };
  return { deps, stored };
}
const admin = { subject: "root", roles: ["admin"] };

describe("addMemory", () => {
  it("chunks carry the document, their place, the source and the author; the id comes from the content", async () => {
    const { deps, stored } = fakes();
    const input = MemoryInput.parse({
      accountId: "acme",
      kind: "email_thread",
      text: "First message. Second message.",
      source: { system: "gmail", id: "t-1" },
    });
    const a = await addMemory(deps, input, admin);
    const b = await addMemory(deps, input, admin);
    expect(a.docId).toMatch(/^mem-[0-9a-f]{24}$/);
    expect(b.docId).toBe(a.docId);
    expect((await addMemory(deps, { ...input, text: "Other." }, admin)).docId).not.toBe(a.docId);
    expect(stored[0]).toEqual([
      {
        docId: `${a.docId}#0`,
        accountId: "acme",
        kind: "email_thread",
        title: "Email thread: First message.",
        text: "First message. Second message.",
        source: "gmail",
        at: "2026-03-10T14:00:00.000Z",
        sourceId: "t-1",
        author: "root",
        chunk: { of: a.docId, index: 0, count: 1 },
      },
    ]);
  });

  it("a document about a person is tagged only with someone the knowledge base holds at that account", async () => {
    const { deps, stored } = fakes();
    const note = (personId: string) =>
      MemoryInput.parse({
        accountId: "acme",
        personId,
        kind: "note",
        text: "Asked for pricing.",
        source: { system: "crm" },
      });
    await addMemory(deps, note("acme.jane"), admin);
    expect(stored).toHaveLength(1);
    // Erased since the run began (no profile any more), or another account's person: nothing stored.
    await expect(addMemory(deps, note("acme.erased"), admin)).rejects.toThrow(
      /not in the knowledge base at account acme/,
    );
    await expect(addMemory(deps, note("globex.max"), admin)).rejects.toThrow(
      /not in the knowledge base at account acme/,
    );
    expect(stored).toHaveLength(1);
  });

  it("a source link is a web link: a javascript: or data: URL is refused, naming source.url", () => {
    const base = { accountId: "acme", kind: "note", text: "Budget is set for Q3." };
    for (const url of ["javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd"]) {
      const r = MemoryInput.safeParse({ ...base, source: { system: "crm", url } });
      expect(r.success, url).toBe(false);
      expect(r.error?.issues[0]?.path.join("."), url).toBe("source.url");
    }
    expect(
      MemoryInput.safeParse({ ...base, source: { system: "crm", url: "https://crm.example/n/1" } }).success,
    ).toBe(true);
  });
});
