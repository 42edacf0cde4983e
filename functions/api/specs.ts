import { SPECS_TABLE } from "../../shared/http/groups/specs.ts";
import { apiHandler } from "../../shared/runtime/aws-api.ts";
import { runtimeWith } from "../../shared/runtime/aws-lazy.ts";
import { SPEC_STORES } from "../../shared/runtime/aws-stores.ts";

/** API Gateway HTTP API (payload v2) for the "specs" routes: a spec's text validated and published. */
export const handler = apiHandler(SPECS_TABLE, runtimeWith(SPEC_STORES));
