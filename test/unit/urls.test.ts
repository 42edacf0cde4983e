/**
 * URLs that reach the knowledge base from outside (people's LinkedIn profiles, the pages facts were
 * read from, LinkedIn message targets) are https only, carry no credentials, and LinkedIn profiles are
 * on linkedin.com: a `javascript:` or `data:` URL stored here would be shown to people and agents.
 */
import { describe, expect, it } from "vitest";
import { LinkedInMessagePayload, ResearchNote, UpsertContact } from "../../shared/agents/records.ts";
import { PersonInput } from "../../shared/domain/kb.ts";
import { HttpsUrl, LinkedInProfileUrl } from "../../shared/domain/urls.ts";

const NEVER = [
  "javascript:alert(1)",
  "JavaScript:alert(1)",
  "java\tscript:alert(1)",
  "http://acme.io/news",
  "data:text/html,hi",
  "file:///etc/passwd",
  "https://user:pw@acme.io/",
  "https://user@acme.io/",
  "//acme.io/news",
  "/news",
  "",
];

const person = { accountId: "acme", email: "jane@acme.io", firstName: "Jane", lastName: "Doe", title: "VP" };

describe("https URLs", () => {
  it.each(NEVER)("refuses %j", (url) => {
    expect(HttpsUrl.safeParse(url).success).toBe(false);
    expect(LinkedInProfileUrl.safeParse(url).success).toBe(false);
  });

  it("accepts https URLs and says why it refuses one", () => {
    expect(HttpsUrl.parse("https://acme.io/news")).toBe("https://acme.io/news");
    const res = HttpsUrl.safeParse("http://acme.io/");
    expect(res.error?.issues[0]?.message).toBe("expected an https:// URL");
    const creds = HttpsUrl.safeParse("https://u:p@acme.io/");
    expect(creds.error?.issues[0]?.message).toBe("must not carry a user name or password");
  });

  it("takes LinkedIn profiles only on linkedin.com or a subdomain", () => {
    expect(LinkedInProfileUrl.parse("https://www.linkedin.com/in/jane")).toBe(
      "https://www.linkedin.com/in/jane",
    );
    expect(LinkedInProfileUrl.parse("https://de.linkedin.com/in/jane")).toBe(
      "https://de.linkedin.com/in/jane",
    );
    for (const url of [
      "https://linkedin.com.evil.io/in/x",
      "https://evillinkedin.com/in/x",
      "https://acme.io/in/x",
    ]) {
      expect(LinkedInProfileUrl.safeParse(url).error?.issues[0]?.message, url).toBe(
        "expected a LinkedIn profile URL on linkedin.com",
      );
    }
  });

  it("applies to every schema that stores an outside URL, naming the field", () => {
    const bad = "javascript:alert(1)";
    const paths = (r: { error?: { issues: { path: PropertyKey[] }[] } }) =>
      r.error?.issues.map((i) => i.path.join("."));
    expect(paths(PersonInput.safeParse({ ...person, linkedinUrl: bad }))).toEqual(["linkedinUrl"]);
    expect(
      paths(
        UpsertContact.safeParse({
          operation: "upsert_contact",
          personId: "jane",
          contact: { ...person, linkedinUrl: bad },
          companyDomain: "acme.io",
          source: "enrichment",
        }),
      ),
    ).toEqual(["contact.linkedinUrl"]);
    expect(
      paths(
        ResearchNote.safeParse({
          operation: "research_note",
          accountId: "acme",
          domain: "acme.io",
          facts: [{ kind: "news", text: "Acme raised a Series B.", sourceUrl: bad }],
        }),
      ),
    ).toEqual(["facts.0.sourceUrl"]);
    const draft = {
      body: "Hi",
      variant: "v",
      companyName: "Acme",
      groundedOn: [],
      persona: "vp",
      model: "m",
    };
    expect(paths(LinkedInMessagePayload.safeParse({ ...draft, linkedinUrl: bad }))).toEqual(["linkedinUrl"]);
  });
});
