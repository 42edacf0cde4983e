import { apiHandler, lazyRuntime } from "../../shared/runtime/aws-api.ts";
import { awsCursors } from "../../shared/runtime/aws-cursors.ts";
import { sfnApprovalSignal } from "../../shared/runtime/aws-sfn.ts";

/**
 * API Gateway HTTP API (payload v2) for the "reviews" routes. Approve and reject release the
 * decision's waiting Step Functions execution after their conditional transition.
 */
export const handler = apiHandler(
  "reviews",
  lazyRuntime((env) => ({ approvals: sfnApprovalSignal(env), cursors: awsCursors(env) })),
);
