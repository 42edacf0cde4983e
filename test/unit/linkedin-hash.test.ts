/**
 * An erased person's LinkedIn profile is kept only as a hash (erasure marks): the same profile however
 * it is written, and only a profile (a company page is nobody's, and its mark would refuse everyone
 * who has it).
 */
import { describe, expect, it } from "vitest";
import { linkedinHash } from "../../shared/domain/redact.ts";

describe("linkedinHash", () => {
  it("is the same for one profile on any linkedin.com host, in capitals, with a trailing slash or a query", () => {
    const one = linkedinHash("https://www.linkedin.com/in/jane-doe");
    expect(one).toMatch(/^sha256:[0-9a-f]{64}$/);
    for (const url of [
      "https://linkedin.com/in/jane-doe/",
      "https://de.linkedin.com/in/Jane-Doe",
      "https://www.linkedin.com/in/jane-doe?trk=public_profile",
    ])
      expect(linkedinHash(url), url).toBe(one);
    expect(linkedinHash("https://www.linkedin.com/in/jane-doe-2")).not.toBe(one);
  });

  it("is none for what is not a profile", () => {
    for (const url of [
      "https://www.linkedin.com/company/acme",
      "https://www.linkedin.com/",
      "https://www.linkedin.com/in/",
      "https://www.linkedin.com/in/jane/detail/contact-info",
      "not a url",
    ])
      expect(linkedinHash(url), url).toBeUndefined();
  });
});
