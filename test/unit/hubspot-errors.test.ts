/**
 * HubSpot's refusals as the harness tells them (HubSpotApiError, hubspot-area.ts): the status and
 * HubSpot's words, without the values HubSpot quotes back from the request, which went into log lines
 * and thrown errors with the SDK's own message (its body and headers).
 */
import { describe, expect, it } from "vitest";
import { HubSpotApiError } from "../../shared/adapters/connectors/hubspot-area.ts";

const sent = JSON.stringify({
  inputs: [
    {
      idProperty: "email",
      id: "Jane.Doe@acme.io",
      properties: { email: "Jane.Doe@acme.io", firstname: "Janet", jobtitle: "Chief Revenue Officer" },
    },
  ],
});

describe("a HubSpot refusal, told", () => {
  it("without the values the request sent, in any case, nor any address", () => {
    const err = new HubSpotApiError(
      409,
      {
        status: "error",
        message:
          "Contact already exists with email jane.doe@ACME.io for Janet (Chief Revenue Officer); also bob@other.example",
        category: "CONFLICT",
        correlationId: "c0ffee-12",
      },
      sent,
    );
    expect(err.message).toBe(
      "HubSpot answered 409: CONFLICT: Contact already exists with email […] for […] ([…]); also [address] (correlation id c0ffee-12)",
    );
    expect(err.code).toBe(409);
    // The body stays for code that reads it, but no log line that lists the error's fields copies it.
    expect((err.body as { message: string }).message).toContain("Janet");
    expect(JSON.stringify(err)).not.toContain("Janet");
    expect(Object.keys(err)).not.toContain("body");
  });

  it("a batch's property errors by code and property name; the property names the request used stay", () => {
    const err = new HubSpotApiError(
      400,
      {
        message:
          'Property values were not valid: [{"isValid":false,"message":"Email address Jane.Doe@acme is invalid","error":"INVALID_EMAIL","name":"email"},{"isValid":false,"message":"Property \\"harness_persona\\" does not exist","error":"PROPERTY_DOESNT_EXIST","name":"harness_persona"}]',
        category: "VALIDATION_ERROR",
      },
      sent,
    );
    expect(err.message).toBe(
      "HubSpot answered 400: VALIDATION_ERROR: Property values were not valid: INVALID_EMAIL (email), PROPERTY_DOESNT_EXIST (harness_persona)",
    );
    const unique = new HubSpotApiError(400, { message: "email is not a unique identifier property" }, sent);
    expect(unique.message).toBe("HubSpot answered 400: email is not a unique identifier property");
  });

  it("a body that is no object, an odd correlation id, a long message: bounded, nothing quoted", () => {
    expect(new HubSpotApiError(502, "<html>Bad gateway</html>").message).toBe("HubSpot answered 502");
    const long = new HubSpotApiError(400, { message: "x".repeat(5_000), correlationId: "a b <c>" });
    expect(long.message.length).toBeLessThan(340);
    expect(long.message).not.toContain("correlation");
  });
});
