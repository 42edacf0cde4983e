import { KMSClient } from "@aws-sdk/client-kms";
import { awsClientConfig } from "../adapters/aws/client-config.ts";
import { KmsKeyWrapper } from "../adapters/aws/kms-key-wrapper.ts";
import { LocalKeyWrapper, throwawayMasterKey } from "../adapters/local/key-wrapper.ts";
import type { KeyWrapper } from "../ports.ts";
import { type AwsEnv, ConfigError } from "./aws-env.ts";

/**
 * The key wrapper of a function: KMS with the deployment's key. Against DynamoDB Local (handler tests,
 * never in AWS) a wrapper keyed by the endpoint, so every function of one test run opens the others'
 * keys. Built lazily: functions that never seal or open personal data need no key.
 */
export function awsKeyWrapper(env: AwsEnv): KeyWrapper {
  let wrapper: KeyWrapper | undefined;
  const get = (): KeyWrapper => {
    if (wrapper) return wrapper;
    if (env.PERSON_KEY_ARN)
      wrapper = new KmsKeyWrapper(new KMSClient(awsClientConfig(env.AWS_REGION)), env.PERSON_KEY_ARN);
    else if (env.DYNAMODB_ENDPOINT) wrapper = new LocalKeyWrapper(throwawayMasterKey(env.DYNAMODB_ENDPOINT));
    else throw new ConfigError("PERSON_KEY_ARN is required to seal or open personal data");
    return wrapper;
  };
  return {
    wrap: (key, personId) => get().wrap(key, personId),
    unwrap: (wrapped, personId) => get().unwrap(wrapped, personId),
  };
}
