/**
 * Adding to memory: call transcripts, email threads and notes (admin), or an agent's own notes
 * (usecases/add-memory.ts says who may add what). Served by the knowledge function, which already
 * reads and writes the state table where memory lives.
 */
import { NotFoundError } from "../domain/errors.ts";
import { parseWith } from "../domain/validation.ts";
import * as z from "../domain/zod-mini.ts";
import type { MemoryStore } from "../kb/ports.ts";
import { addMemory, MemoryInput } from "../usecases/add-memory.ts";
import type { AppDeps, Route, RouteDocs } from "./routes.ts";

const d = <T extends z.ZodMiniType>(schema: T, description: string) => schema.check(z.describe(description));

export const MemoryAdded = z.looseObject({
  docId: d(z.string(), "the document's id: yours, or derived from the content"),
  accountId: z.string(),
  chunks: d(z.number().check(z.int()), "how many searchable chunks it was split into"),
  embedded: d(z.boolean(), "whether it is searchable by meaning (vectors stored), not only by keyword"),
  replay: d(z.boolean(), "the same document was already stored: nothing was written"),
});

function memoryOf(deps: AppDeps): MemoryStore {
  if (!deps.memory) throw new NotFoundError("memory writes are not configured in this deployment");
  return deps.memory;
}

export const MEMORY_ROUTES: Route[] = [
  {
    method: "POST",
    path: "/v1/memory",
    group: "knowledge",
    roles: ["admin", "agent"],
    run: async (req, deps) => {
      const input = parseWith(MemoryInput, req.body);
      const added = await addMemory({ ...deps, memory: memoryOf(deps) }, input, req.principal);
      return { status: added.replay ? 200 : 201, body: added };
    },
  },
];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const memoryRouteDocs = (): RouteDocs => ({
  "POST /v1/memory": {
    summary: "Add a call transcript, an email thread or a note to an account's memory, chunked and cited",
    description:
      "Admin: any kind. An agent credential: its own notes only (kind note, author = its agent). 201 when stored, 200 for the same document again (replay), 409 for its id with other content or an account whose memory is full.",
    body: MemoryInput,
    response: MemoryAdded,
    status: [201, 200],
  },
});
