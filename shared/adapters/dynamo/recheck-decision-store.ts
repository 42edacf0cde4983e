/**
 * The decisions of the functions that re-check a decision and move it on, and list nothing: the
 * Release step (re-validation before dispatch) and the executors (pauses and suppressions at the send:
 * usecases/execution.ts, redrive-checks.ts). The core that moves decisions on, with the gate's read,
 * and without the listings, ledger streams and due queue of DynamoDecisionStore (decision-store.ts),
 * which they never read: 4.6 KB less in each, which keeps them within the size bound.
 */
import type { GateReadRequest, GateReadResult } from "../../ports.ts";
import { DynamoDecisionCore } from "./decision-store.ts";
import { readGateContext } from "./gate-read.ts";

export class DynamoRecheckDecisionStore extends DynamoDecisionCore {
  override readGateContext(req: GateReadRequest): Promise<GateReadResult> {
    return readGateContext(this.db, this.keys, req);
  }
}
