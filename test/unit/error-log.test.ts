/**
 * What a deployed API function logs of the errors it cannot answer with a 4xx, through Powertools'
 * logger as the functions use it (shared/adapters/aws/powertools.ts `errorLog`): a dependency failure
 * keeps its reason (Powertools keeps the key `message` for the line's own and dropped the reason
 * logged under it), and an unexpected error its name and stack, never its message.
 */
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { errorLog, powertools } from "../../shared/adapters/aws/powertools.ts";
import { DependencyError } from "../../shared/domain/errors.ts";
import { errorResponse } from "../../shared/http/respond.ts";

let lines: MockInstance;
beforeEach(() => {
  // Dev mode: the logger writes through the global console, where the test reads it.
  vi.stubEnv("POWERTOOLS_DEV", "true");
  lines = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => {
  vi.unstubAllEnvs();
  lines.mockRestore();
});

const logged = () => lines.mock.calls.map((c) => JSON.parse(String(c[0])) as Record<string, unknown>);

describe("errors an API function logs", () => {
  it("a dependency failure: a 503 whose log line keeps the reason", () => {
    const res = errorResponse(
      new DependencyError("DynamoDB unavailable: ThrottlingException"),
      "req-1",
      errorLog(powertools()),
    );
    expect(res.statusCode).toBe(503);
    const [line] = logged();
    expect(line).toMatchObject({
      level: "ERROR",
      message: "dependency failure",
      requestId: "req-1",
      name: "DependencyError",
      reason: "DynamoDB unavailable: ThrottlingException",
    });
  });

  it("an unexpected error: a 500 whose log line has the name and stack, not the message", () => {
    const res = errorResponse(
      new TypeError("secret@example.com is not a function"),
      "req-2",
      errorLog(powertools()),
    );
    expect(res.statusCode).toBe(500);
    const [line] = logged();
    expect(line).toMatchObject({ message: "unexpected error", requestId: "req-2", name: "TypeError" });
    expect(String(line?.stack)).toContain("error-log.test.ts");
    expect(JSON.stringify(line)).not.toContain("secret@example.com");
  });
});
