/** The replay group: a proposed spec re-deciding recorded history (replay-routes.ts). */

import { REPLAY_ROUTES } from "../replay-routes.ts";
import type { Route } from "../routes.ts";

/** The replay group's function serves these, in the order of ROUTES (first match wins). */
export const REPLAY_TABLE: Route[] = [...REPLAY_ROUTES];
