import type { Page, PageRequest } from "../ports.ts";

/**
 * Every item of a paginated listing, page after page: for in-process callers (reports, the
 * simulation) that want the whole set. HTTP clients page themselves.
 */
export async function allPages<T>(list: (page: PageRequest) => Promise<Page<T>>, limit = 100): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ limit, ...(cursor ? { cursor } : {}) });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}
