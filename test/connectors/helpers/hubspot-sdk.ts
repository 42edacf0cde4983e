/**
 * HubSpot's SDK areas as `new Client().crm.<area>` builds them (with our options: retries off, the
 * stand-in's base path), for tests that hold our narrower clients (hubspot-client.ts) to the SDK's:
 * the same requests, the same answers and errors.
 */
import type IConfiguration from "@hubspot/api-client/lib/src/configuration/IConfiguration.js";
import { expect } from "vitest";
import type { fakeApi, Recorded } from "./fake-api.ts";

type Discovery<T> = new (config: IConfiguration) => T;

/**
 * The class a discovery module exports as `default`. The SDK is CommonJS compiled from ES modules
 * (`exports.default`): Node's ESM loader gives `module.exports` as the default, tsx gives
 * `exports.default`; both are accepted.
 */
export function sdkArea<T>(mod: { default: Discovery<T> }, o: { accessToken: string; basePath: string }): T {
  const d = mod.default as Discovery<T> | { default: Discovery<T> };
  const Area = typeof d === "function" ? d : d.default;
  return new Area({ accessToken: o.accessToken, basePath: o.basePath, numberOfApiCallRetries: 0 });
}

/** What identifies a request: everything but the connection's own headers. */
export const shape = ({ method, path, headers, body }: Recorded) => {
  const { host, connection, "content-length": _length, ...rest } = headers;
  return { method, path, headers: rest, body };
};

/**
 * Ours, then the SDK's, against one stand-in: both send the same request (method, path and query,
 * headers, body) and come back with the same answer, or the same error (status and body).
 */
export async function sameAsSdk<T>(
  api: Awaited<ReturnType<typeof fakeApi>>,
  ours: () => Promise<T>,
  theirs: () => Promise<T>,
) {
  const outcome = (p: Promise<T>) =>
    p.then(
      (value) => ({ value }),
      (err: { code?: number; body?: unknown }) => ({ error: { code: err.code, body: err.body } }),
    );
  api.requests.length = 0;
  const a = await outcome(ours());
  const b = await outcome(theirs());
  expect(api.requests).toHaveLength(2);
  expect(shape(api.requests[0] as Recorded)).toEqual(shape(api.requests[1] as Recorded));
  expect(a).toEqual(b);
  return { answer: a, request: shape(api.requests[0] as Recorded) };
}
