/** A decision's item as the ledger table holds it, and the same without the store's bookkeeping. */
import { HEAD_ATTR } from "./ledger-heads.ts";

export type Item = Record<string, unknown>;

/** Keys, TTL, head and index keys: the store's bookkeeping on an item, not the domain's. */
const BOOKKEEPING = new RegExp(`^(pk|sk|ttl|${HEAD_ATTR}|by[A-Z][a-z]+(Pk|Sk))$`);

/**
 * An item without its bookkeeping, built by copying what stays rather than deleting what goes: a
 * `delete` turns the object into a slow dictionary, and every later spread of the decision paid for it.
 */
export const strip = <T>(item: Item | undefined): T | undefined => {
  if (!item) return undefined;
  const rest: Item = {};
  for (const k of Object.keys(item)) if (!BOOKKEEPING.test(k)) rest[k] = item[k];
  return rest as T;
};
