import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { errorLog, lambdaHandler } from "../adapters/aws/powertools.ts";
import { createApi } from "../http/api.ts";
import type { HttpResult } from "../http/respond.ts";
import type { Route } from "../http/routes.ts";
import type { AwsRuntime } from "./aws.ts";
import { ConfigError } from "./aws-env.ts";

/** What an API function's handler reads of its runtime (aws-storeless.ts builds one with no stores). */
export type ApiRuntime = Pick<AwsRuntime, "env" | "deps" | "sharedCursors">;

/**
 * The Lambda handler of one route group: the same API core the local server runs, with the group's
 * own table (shared/http/groups/), so the bundle holds only the code of those routes.
 */
export function apiHandler(routes: Route[], runtime: () => ApiRuntime) {
  const group = routes[0]?.group;
  let api: ((event: APIGatewayProxyEventV2) => Promise<HttpResult>) | undefined;
  const paginated = routes.some((r) => r.paginated);
  return lambdaHandler<APIGatewayProxyEventV2, HttpResult>(async (event, tools) => {
    if (!api) {
      const rt = runtime();
      // A per-container key would make page 2 a 400 whenever another container serves it.
      if (paginated && !rt.sharedCursors)
        throw new ConfigError(
          `the ${group} routes paginate: build the runtime with cursors: awsCursors(env)`,
        );
      api = createApi(rt.deps, {
        routes,
        log: errorLog(tools),
        stage: rt.env.HARNESS_STAGE,
      });
    }
    return api(event);
  });
}
