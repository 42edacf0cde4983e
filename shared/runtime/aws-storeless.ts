/**
 * The runtime of an API function whose routes read no store: the health group's (liveness, the API's
 * index and description, who a credential is) reads the clock and nothing else. createAwsRuntime
 * wires every DynamoDB store, and the bundle carries their adapters (45 KB of the health function's,
 * issue 11 item 8) whether a route reads them or not; this wires none.
 *
 * A route that reads a store it was not given fails loudly, naming the store, as a function without a
 * connector or a gate does (aws.ts), rather than with a TypeError on `undefined`; the optional
 * features a route looks at (`absent`, e.g. the console's URL) read as not configured.
 */
import { lazy } from "../adapters/aws/powertools.ts";
import { systemClock } from "../adapters/local/clock.ts";
import type { AppDeps } from "../http/routes.ts";
import type { ApiRuntime } from "./aws-api.ts";
import { ConfigError, parseAwsEnv } from "./aws-env.ts";

export function storelessDeps(
  group: string,
  present: Partial<AppDeps>,
  absent: readonly (keyof AppDeps)[] = [],
): AppDeps {
  return new Proxy(present, {
    get(target, key, receiver) {
      if (typeof key === "symbol" || key in target || absent.includes(key as keyof AppDeps))
        return Reflect.get(target, key, receiver);
      throw new ConfigError(
        `the ${group} function has no ${key}: its routes read no store (shared/runtime/aws-storeless.ts)`,
      );
    },
  }) as AppDeps;
}

/** Built on the first invocation, like runtimeWith(): the environment parsed, the clock the system's. */
export const storelessRuntime = (group: string, absent: readonly (keyof AppDeps)[] = []) =>
  lazy(
    (): ApiRuntime => ({ env: parseAwsEnv(), deps: storelessDeps(group, { clock: systemClock }, absent) }),
  );
