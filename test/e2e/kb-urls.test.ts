/**
 * URLs stored in the knowledge base are https only, without credentials, and LinkedIn profiles are on
 * linkedin.com (issue 7: `javascript:` LinkedIn URLs were stored and returned). A rejected body is a
 * 400 naming the field and writes nothing.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acme, jane } from "../helpers/world.ts";
import { expectStatus, type Harness, startHarness } from "./helpers/harness.ts";

let h: Harness;
beforeEach(async () => {
  h = await startHarness();
  expectStatus(await h.call("PUT", "/v1/accounts/acme", h.admin, acme), 200);
});
afterEach(() => h.close());

const BAD = [
  "javascript:alert(1)",
  "http://www.linkedin.com/in/jane",
  "data:text/html,<script>alert(1)</script>",
  "https://user:pw@www.linkedin.com/in/jane",
  "https://www.linkedin.com.evil.io/in/jane",
  "https://evil.io/in/jane",
  "not a url",
];

describe("PUT /v1/people: linkedinUrl", () => {
  it.each(BAD)("rejects %s with a 400 naming linkedinUrl, and stores nothing", async (url) => {
    const res = await h.call("PUT", "/v1/people/p-new", h.admin, { ...jane, linkedinUrl: url });
    expectStatus(res, 400);
    expect(res.body.issues.map((i: { path: string }) => i.path)).toEqual(["linkedinUrl"]);
    expect(await h.rt.deps.kb.getPerson("p-new")).toBeUndefined();
  });

  it("keeps the old value when an update carries a bad URL", async () => {
    const good = "https://www.linkedin.com/in/jane";
    expectStatus(await h.call("PUT", "/v1/people/jane", h.admin, { ...jane, linkedinUrl: good }), 200);
    for (const url of BAD) {
      const res = await h.call("PUT", "/v1/people/jane", h.admin, { ...jane, linkedinUrl: url });
      expectStatus(res, 400);
    }
    expect((await h.rt.deps.kb.getPerson("jane"))?.linkedinUrl).toBe(good);
  });

  it("accepts https profile URLs on linkedin.com and its subdomains", async () => {
    for (const url of ["https://www.linkedin.com/in/jane", "https://linkedin.com/in/jane-doe-42"]) {
      const body = expectStatus(
        await h.call("PUT", "/v1/people/jane", h.admin, { ...jane, linkedinUrl: url }),
        200,
      );
      expect(body.linkedinUrl).toBe(url);
    }
  });
});
