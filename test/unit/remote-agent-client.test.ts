/**
 * The client an agent out of process uses (shared/runtime/remote-agent.ts): it waits and asks again
 * when the API says "not now" (429 with retryAfter, 503), a bounded number of times, and takes any other
 * answer as it is; API failures become the domain errors the runner and the CLI know.
 */
import { describe, expect, it } from "vitest";
import { type ApiAnswer, ApiError, UnreachableError } from "../../shared/client/transport.ts";
import { domainError, PATIENT_ATTEMPTS, patientTransport } from "../../shared/runtime/remote-agent.ts";

function scripted(answers: ApiAnswer[]) {
  const calls: string[] = [];
  const slept: number[] = [];
  const transport = patientTransport(
    async (method, path) => {
      calls.push(`${method} ${path}`);
      return answers[Math.min(calls.length - 1, answers.length - 1)] as ApiAnswer;
    },
    async (ms) => {
      slept.push(ms);
    },
  );
  return { transport, calls, slept };
}

describe("the patient transport", () => {
  it("waits the rate limit's retryAfter and asks again", async () => {
    const s = scripted([
      { status: 429, data: { error: "rate_limited", retryAfter: 2 } },
      { status: 200, data: { ok: true } },
    ]);
    expect(await s.transport("GET", "/v1/kb/accounts")).toEqual({ status: 200, data: { ok: true } });
    expect(s.calls).toEqual(["GET /v1/kb/accounts", "GET /v1/kb/accounts"]);
    expect(s.slept).toEqual([2000]);
  });

  it("backs off on 503 and gives the last answer after its attempts", async () => {
    const s = scripted([{ status: 503, data: { error: "unavailable" } }]);
    expect((await s.transport("POST", "/v1/proposals", {})).status).toBe(503);
    expect(s.calls).toHaveLength(PATIENT_ATTEMPTS);
    expect(s.slept).toEqual([500, 1000, 2000, 4000]);
  });

  it("takes any other answer at once", async () => {
    const s = scripted([{ status: 403, data: { error: "forbidden" } }]);
    expect((await s.transport("GET", "/v1/kb/audiences")).status).toBe(403);
    expect(s.calls).toHaveLength(1);
    expect(s.slept).toEqual([]);
  });
});

describe("API failures as domain errors", () => {
  it("names fields for a 400, refuses for 401/403, misses for 404, depends otherwise", () => {
    const issues = [{ path: "accountIds", message: "give accountIds or personIds" }];
    expect(domainError(new ApiError(400, "invalid_request", "invalid", issues), "x")).toMatchObject({
      name: "ValidationError",
      issues,
    });
    expect(domainError(new ApiError(403, "forbidden", "no"), "x")).toMatchObject({ name: "ForbiddenError" });
    expect(domainError(new ApiError(401, "unauthorized", "no"), "x")).toMatchObject({
      name: "ForbiddenError",
    });
    expect(domainError(new ApiError(404, "not_found", "gone"), "x")).toMatchObject({ name: "NotFoundError" });
    expect(domainError(new ApiError(500, "internal", "boom"), "GET /v1/kb/audiences")).toMatchObject({
      name: "DependencyError",
      message: "GET /v1/kb/audiences answered 500: boom",
    });
    expect(domainError(new UnreachableError("http://127.0.0.1:1"), "x")).toMatchObject({
      name: "DependencyError",
    });
  });
});
