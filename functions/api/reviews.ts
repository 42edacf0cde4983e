import { REVIEWS_TABLE } from "../../shared/http/groups/reviews.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { awsCursors } from "../../shared/runtime/aws-cursors.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { sfnApprovalSignal } from "../../shared/runtime/aws-sfn.ts";
import { REVIEW_STORES } from "../../shared/runtime/aws-stores.ts";

/**
 * API Gateway HTTP API (payload v2) for the "reviews" routes. Approve and reject release the
 * decision's waiting Step Functions execution after their conditional transition.
 */
export const handler = apiHandler(
  REVIEWS_TABLE,
  runtimeWith(REVIEW_STORES, (env) => ({ approvals: sfnApprovalSignal(env), cursors: awsCursors(env) })),
);
