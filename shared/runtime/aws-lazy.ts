import { lazy } from "../adapters/aws/powertools.ts";
import { type AwsExtras, createAwsRuntime, type StoreSet } from "./aws.ts";
import { type AwsEnv, parseAwsEnv } from "./aws-env.ts";

/**
 * The runtime of a function, built on the first invocation from its zod-parsed environment, with the
 * stores it reads (aws-stores.ts). Apart from the API handler (aws-api.ts) so functions that serve no
 * HTTP carry neither the API core nor its YAML body reader.
 */
export const runtimeWith = (stores: StoreSet, extras: (env: AwsEnv) => AwsExtras = () => ({})) =>
  lazy(() => {
    const env = parseAwsEnv();
    return createAwsRuntime(env, extras(env), stores);
  });
