/**
 * URLs that come from outside (an admin's PUT, an enrichment source, a crawled page) and are stored in
 * the knowledge base, shown to people in the console and handed to agents. Only https, without
 * credentials: a `javascript:` or `data:` URL would run in whoever opens it, `http:` can be rewritten
 * on the way, and `user:pass@` leaks a secret into every copy.
 */
import * as z from "./zod-mini.ts";

const MAX_URL_LENGTH = 2048;

/** Why `text` is not an acceptable https URL, or undefined when it is. */
export function httpsUrlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "expected an https:// URL";
  }
  if (url.protocol !== "https:") return "expected an https:// URL";
  if (url.username || url.password) return "must not carry a user name or password";
  return undefined;
}

/** linkedin.com itself or any subdomain (www., de., ...), never a look-alike such as linkedin.com.evil.io. */
const onLinkedIn = (text: string) => {
  const host = new URL(text).hostname;
  return host === "linkedin.com" || host.endsWith(".linkedin.com");
};

/**
 * Stored as the parser understood it (`href`), so what is kept is exactly what was checked: tabs,
 * backslashes and upper case that a browser would normalise cannot hide another URL. `also` is a
 * further check, asked only of a URL that passed the common ones.
 */
const checkedUrl = (also?: (text: string) => string | undefined) =>
  z.pipe(
    z.string().check(
      z.maxLength(MAX_URL_LENGTH),
      z.superRefine((text, ctx) => {
        const problem = httpsUrlProblem(text) ?? also?.(text);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    ),
    z.transform((text: string) => new URL(text).href),
  );

export const HttpsUrl = checkedUrl();

export const LinkedInProfileUrl = checkedUrl((text) =>
  onLinkedIn(text) ? undefined : "expected a LinkedIn profile URL on linkedin.com",
);
