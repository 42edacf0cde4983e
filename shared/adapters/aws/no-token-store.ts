import { ForbiddenError } from "../../domain/errors.ts";
import type { TokenStore } from "../../ports.ts";

/** In AWS, people sign in with Cognito and agents with IAM: there are no harness bearer tokens. */
export const noTokenStore: TokenStore = {
  put: async () => {
    throw new ForbiddenError("bearer tokens are not used in AWS: use Cognito (people) or IAM (agents)");
  },
  get: async () => undefined,
};
