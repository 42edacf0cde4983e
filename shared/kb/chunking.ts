/**
 * Splits a long text (a call transcript, an email thread) into chunks of about `maxTokens` for
 * embedding and search: whole sentences packed in paragraph order, a paragraph break kept as such,
 * and each chunk starting with the last sentence(s) of the one before (`overlapTokens`), so a thought
 * cut at a boundary is still whole in one of the two. A sentence longer than a chunk is cut at words.
 * Sizes are in estimated tokens (four characters each, as context-packet.ts counts them).
 */

export interface ChunkOptions {
  /** @default 300 */
  maxTokens?: number;
  /** @default 50 */
  overlapTokens?: number;
}

const CHARS_PER_TOKEN = 4;

interface Unit {
  text: string;
  /** First sentence of a paragraph: joined to the one before with a blank line. */
  opens: boolean;
}

export function chunkText(text: string, options: ChunkOptions = {}): string[] {
  const maxChars = (options.maxTokens ?? 300) * CHARS_PER_TOKEN;
  const overlapChars = (options.overlapTokens ?? 50) * CHARS_PER_TOKEN;
  const units = toUnits(text, maxChars);
  const chunks: string[] = [];
  let current: Unit[] = [];
  let fresh = 0;
  for (const unit of units) {
    if (current.length > 0 && render([...current, unit]).length > maxChars) {
      chunks.push(render(current));
      current = tail(current, overlapChars, maxChars - unit.text.length - 2);
      fresh = 0;
    }
    current.push(unit);
    fresh++;
  }
  if (fresh > 0) chunks.push(render(current));
  return chunks;
}

/** The last units of a chunk that fit the overlap (never all of it, so every chunk adds something). */
function tail(units: Unit[], overlapChars: number, room: number): Unit[] {
  const out: Unit[] = [];
  let size = 0;
  for (let i = units.length - 1; i > 0; i--) {
    const u = units[i] as Unit;
    size += u.text.length + 1;
    if (size > Math.min(overlapChars, room)) break;
    out.unshift(u);
  }
  // The overlap starts a chunk: it opens no paragraph there.
  return out.map((u, i) => (i === 0 ? { ...u, opens: false } : u));
}

function render(units: Unit[]): string {
  return units.map((u, i) => (i === 0 ? u.text : `${u.opens ? "\n\n" : " "}${u.text}`)).join("");
}

function toUnits(text: string, maxChars: number): Unit[] {
  const units: Unit[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const sentences = paragraph
      .replace(/\s+/g, " ")
      .trim()
      .split(/(?<=[.!?])\s+/)
      .filter((s) => s.length > 0);
    sentences.forEach((s, i) => {
      for (const [j, piece] of cutAtWords(s, maxChars).entries())
        units.push({ text: piece, opens: i === 0 && j === 0 });
    });
  }
  return units;
}

/** A sentence longer than a chunk, in pieces of at most `maxChars`, cut between words where it can. */
function cutAtWords(sentence: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let rest = sentence;
  while (rest.length > maxChars) {
    const space = rest.lastIndexOf(" ", maxChars);
    const cut = space > maxChars / 2 ? space : maxChars;
    pieces.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) pieces.push(rest);
  return pieces;
}
