/**
 * What a model or embeddings server said when it refused, fit for an error message (which a function
 * logs, or throws for Lambda to log): whitespace collapsed, the API key taken out (some proxies echo
 * headers), at most 200 characters, any address replaced, and nothing of it at all when it quotes the
 * request's texts. Those texts are prompts and notes about people (names, titles, excerpts), and some
 * servers quote them back in a refusal (a validation error's `input_value=…`, a moderation refusal).
 */
const WINDOW = 16;
const ADDRESS = /[^\s"'<>(),;:@]+@[^\s"'<>(),;:@]+/g;
export const QUOTES_REQUEST = "(its message quotes the request: left out)";

/** A vendor's text with every address replaced, and cut to `max` characters (an ellipsis marks the cut). */
export function withoutAddresses(text: string, max: number): string {
  const said = text.replace(ADDRESS, "[address]");
  return said.length > max ? `${said.slice(0, max)}…` : said;
}

export function vendorSaid(
  text: string,
  o: { sent: string[]; secret?: string | undefined; max?: number },
): string {
  let said = text.replace(/\s+/g, " ").trim().slice(0, 4_000);
  if (o.secret) said = said.split(o.secret).join("***");
  const texts = o.sent.map((t) => t.replace(/\s+/g, " ").toLowerCase()).filter((t) => t.length >= WINDOW);
  const low = said.toLowerCase();
  // Any run of 16 characters of the answer that is in a text sent: a quote, however it was cut.
  for (let i = 0; i + WINDOW <= low.length; i++) {
    const piece = low.slice(i, i + WINDOW);
    if (texts.some((t) => t.includes(piece))) return QUOTES_REQUEST;
  }
  return withoutAddresses(said, o.max ?? 200);
}
