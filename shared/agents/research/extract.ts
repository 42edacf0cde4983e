/**
 * Fact extraction from company web pages, by rules: the text of titles, headings, paragraphs and list
 * items, split into sentences, each kept only when it says something an SDR can use (news, funding,
 * hiring, customers, product) and always with the URL it came from.
 */
import type { FactKind } from "../../kb/types.ts";

export interface PageText {
  title: string;
  description?: string;
  blocks: string[];
  links: string[];
}

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  "#39": "'",
  apos: "'",
  nbsp: " ",
};
const decode = (s: string) =>
  s.replace(/&(amp|lt|gt|quot|#39|apos|nbsp);/g, (_m, e: string) => ENTITIES[e] ?? "");
const clean = (s: string) =>
  decode(s.replace(/<[^>]+>/g, " "))
    .replace(/\s+/g, " ")
    .trim();

export function parseHtml(html: string): PageText {
  const body = html.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>|<!--[\s\S]*?-->/gi, " ");
  const title = clean(/<title[^>]*>([\s\S]*?)<\/title>/i.exec(body)?.[1] ?? "");
  const description = /<meta\s+name=["']description["']\s+content=["']([^"']*)["']/i.exec(body)?.[1];
  const blocks = [...body.matchAll(/<(h[1-3]|p|li)[^>]*>([\s\S]*?)<\/\1>/gi)]
    .map((m) => clean(m[2] ?? ""))
    .filter(Boolean);
  const links = [...body.matchAll(/<a\s[^>]*href=["']([^"'#]+)["']/gi)]
    .map((m) => m[1] ?? "")
    .filter(Boolean);
  return { title, ...(description ? { description: decode(description) } : {}), blocks, links };
}

const RULES: [FactKind, RegExp][] = [
  ["funding", /\b(raised|series [a-e]\b|funding round|led by .* ventures|investors?)\b/i],
  ["hiring", /\b(hiring|open roles?|join our|we're growing|is growing its)\b/i],
  ["news", /\b(launch(ed|es)?|announc(ed|es)|introduc(ed|es)|partnership|acquired|expands? into)\b/i],
  ["customer", /\b(customers?|trusted by|used by|clients)\b/i],
  ["product", /\b(platform|helps|lets teams|software for|our product)\b/i],
];

export interface ExtractedFact {
  kind: FactKind;
  text: string;
  sourceUrl: string;
}

export function extractFacts(page: PageText, url: string): ExtractedFact[] {
  const facts: ExtractedFact[] = [];
  const seen = new Set<string>();
  const sentences = [...(page.description ? [page.description] : []), ...page.blocks].flatMap((b) =>
    b.split(/(?<=[.!?])\s+/),
  );
  for (const s of sentences) {
    const text = s.trim();
    if (text.length < 25 || text.length > 240 || seen.has(text)) continue;
    const rule = RULES.find(([, re]) => re.test(text));
    if (!rule) continue;
    seen.add(text);
    facts.push({ kind: rule[0], text, sourceUrl: url });
  }
  return facts;
}

/** Same-site links worth following for research: about, news, press, careers, customers. */
export function researchLinks(page: PageText, base: string): string[] {
  const origin = new URL(base).origin;
  const out: string[] = [];
  for (const href of page.links) {
    let u: URL;
    try {
      u = new URL(href, base);
    } catch {
      continue;
    }
    if (u.origin !== origin || !/\/(about|news|press|blog|careers|jobs|customers)\b/i.test(u.pathname))
      continue;
    const s = u.toString();
    if (!out.includes(s)) out.push(s);
  }
  return out.slice(0, 3);
}
