/**
 * Our v3 signature check against HubSpot's own implementation (Signature in @hubspot/api-client):
 * what HubSpot's code signs, we accept; what we sign, HubSpot's code accepts; a changed byte, a wrong
 * secret or a timestamp more than 5 minutes away is refused.
 */
import { Signature } from "@hubspot/api-client";
import { describe, expect, it } from "vitest";
import { canonicalUri, signatureProblem, signV3 } from "../../shared/adapters/connectors/hubspot-webhook.ts";

const secret = "hubspot-app-client-secret";
const url = "https://api.example.com/v1/webhooks/hubspot";
const body = JSON.stringify([{ eventId: 1, subscriptionType: "contact.propertyChange", objectId: 7 }]);

describe("HubSpot v3 request signature", () => {
  it("agrees with HubSpot's own signer both ways", () => {
    const now = Date.now();
    const theirs = Signature.getSignature("POST", "v3", {
      signature: "",
      clientSecret: secret,
      requestBody: body,
      url,
      timestamp: now,
    });
    const req = { method: "POST", uri: url, body, timestamp: String(now) };
    expect(signatureProblem(secret, { ...req, signature: theirs }, now)).toBeUndefined();
    const ours = signV3(secret, req);
    expect(
      Signature.isValid({
        signatureVersion: "v3",
        signature: ours,
        clientSecret: secret,
        requestBody: body,
        url,
        method: "POST",
        timestamp: now,
      }),
    ).toBe(true);
  });

  it("refuses a changed body, a wrong secret, a missing header and a stale or future timestamp", () => {
    const now = Date.parse("2026-03-10T15:00:00Z");
    const req = { method: "POST", uri: url, body, timestamp: String(now) };
    const signature = signV3(secret, req);
    expect(signatureProblem(secret, { ...req, body: `${body} `, signature }, now)).toBe("signature mismatch");
    expect(signatureProblem("other", { ...req, signature }, now)).toBe("signature mismatch");
    expect(signatureProblem(secret, { ...req, signature: undefined }, now)).toMatch(/missing/);
    expect(signatureProblem(secret, { ...req, signature }, now + 5 * 60_000 + 1)).toMatch(/5 minutes/);
    expect(signatureProblem(secret, { ...req, signature }, now - 5 * 60_000 - 1)).toMatch(/5 minutes/);
    expect(signatureProblem(secret, { ...req, signature }, now + 5 * 60_000)).toBeUndefined();
  });

  it("decodes the characters HubSpot decodes before signing, and only those", () => {
    expect(canonicalUri("https://h.example/p%3Fa?x=%40b%2Cc%20d")).toBe("https://h.example/p?a?x=@b,c%20d");
  });
});
