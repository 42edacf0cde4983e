import { ValidationError } from "../domain/errors.ts";
import { ReplayBody, replaySpec } from "../usecases/replay.ts";
import { ReplayOut } from "./api-schemas.ts";
import type { Route } from "./routes.ts";

/**
 * What-if replay of a proposed spec over recorded history (admin). Served by the decisions function:
 * it reads decisions and opens their sealed facts (kms:Decrypt, the ledger's indexes) and writes
 * nothing, exactly that function's rights; the admin function opens no sealed decision.
 */
export const REPLAY_ROUTES: Route[] = [
  {
    method: "POST",
    path: "/v1/specs/replay",
    group: "decisions",
    roles: ["admin"],
    doc: {
      summary: "What-if: re-decide recorded history under a proposed spec",
      body: ReplayBody,
      response: ReplayOut,
    },
    run: async (req, deps) => {
      if (req.body === undefined || req.body === null)
        throw new ValidationError([{ path: "body", message: "expected {spec, since?, until?}" }]);
      return { status: 200, body: await replaySpec(deps, req.body) };
    },
  },
];
