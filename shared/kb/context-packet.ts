/**
 * The context API: a compact packet about one target within a token budget, every item with its
 * provenance. The article's answer to context rot: the agent gets what matters, ranked, cited and
 * bounded, instead of everything the knowledge base holds.
 */
import type { Provenance } from "./types.ts";

export type ContextItemKind =
  | "account"
  | "person"
  | "committee"
  | "signal"
  | "fact"
  | "touch"
  | "memory"
  | "learned";

export interface ContextItem {
  kind: ContextItemKind;
  text: string;
  provenance: Provenance;
  /** Higher first: what the agent can least do without. */
  priority: number;
}

export interface ContextPacket {
  target: { accountId: string; personId?: string };
  budgetTokens: number;
  usedTokens: number;
  items: (ContextItem & { tokens: number })[];
  /** Items left out to stay within the budget. */
  dropped: number;
}

/** A conservative token estimate (about four characters per token for English text). */
export const estimateTokens = (text: string) => Math.ceil(text.length / 4) + 1;

export function packContext(
  target: ContextPacket["target"],
  candidates: ContextItem[],
  budgetTokens: number,
): ContextPacket {
  const ranked = candidates
    .map((c, i) => ({ ...c, i, tokens: estimateTokens(`${c.text} [${c.provenance.source}]`) }))
    .sort((a, b) => b.priority - a.priority || a.i - b.i);
  const items: ContextPacket["items"] = [];
  let used = 0;
  for (const c of ranked) {
    if (used + c.tokens > budgetTokens) continue;
    used += c.tokens;
    const { i: _i, ...item } = c;
    items.push(item);
  }
  return { target, budgetTokens, usedTokens: used, items, dropped: candidates.length - items.length };
}

/** The packet as text for a prompt: one line per item, each with its source. */
export function renderPacket(packet: ContextPacket): string {
  return packet.items
    .map(
      (i) =>
        `- (${i.kind}) ${i.text} [source: ${i.provenance.url ?? i.provenance.source}, ${i.provenance.at}]`,
    )
    .join("\n");
}
