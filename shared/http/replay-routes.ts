import { ValidationError } from "../domain/errors.ts";
import { ReplayBody, replaySpec } from "../usecases/replay.ts";
import { ReplayOut } from "./api-schemas.ts";
import type { Route, RouteDocs } from "./routes.ts";

/**
 * What-if replay of a proposed spec over recorded history (admin). Its own function in AWS
 * (functions/api/replay.ts): it reads decisions and opens their sealed facts (kms:Decrypt, the
 * ledger's byStatus index) and writes nothing; the admin function opens no sealed decision. Apart
 * from the decisions function, whose reads the console makes all day, because a replay carries the
 * YAML parser and the whole of the spec's evaluation: 163 KB the decisions bundle no longer loads.
 */
export const REPLAY_ROUTES: Route[] = [
  {
    method: "POST",
    path: "/v1/specs/replay",
    group: "replay",
    roles: ["admin"],
    run: async (req, deps) => {
      if (req.body === undefined || req.body === null)
        throw new ValidationError([{ path: "body", message: "expected {spec, since?, until?}" }]);
      return { status: 200, body: await replaySpec(deps, req.body) };
    },
  },
];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const replayRouteDocs = (): RouteDocs => ({
  "POST /v1/specs/replay": {
    summary: "What-if: re-decide recorded history under a proposed spec",
    body: ReplayBody,
    response: ReplayOut,
  },
});
