/**
 * A built-in agent run outside the harness's process, through the typed client with the agent's own
 * bearer token (e.g. `harness token create --role agent:<id>`): the server, not this process, decides
 * who is proposing and what it may read. Three pieces, along their seams:
 *  - ClientGate (here): the gate, POST /v1/proposals. A token for agent A proposing as agent B is a
 *    403 whatever the runner claims. The counterpart of agents-aws.ts's ApiGate (SigV4 with the
 *    function's role).
 *  - RemoteKnowledgeView (remote-agent-kb.ts): the knowledge view the handlers read, over the API's
 *    knowledge reads (http/kb-read-routes.ts, the context packet, memory search, the current spec);
 *    each agent reads only what its handler reads (http/agent-reads.ts).
 *  - runRemoteAgent (remote-agent-run.ts): one tick of a registry agent with those two, on the
 *    harness's clock; what `harness agents run` calls. Its deferred proposals can wait in a local file
 *    (remote-agent-retries.ts) to be re-proposed once when due.
 * The handlers are the registry's own, unchanged: the same code runs in process, in the per-agent
 * Lambda and here.
 */

import type { ProposalGate } from "../agents/runner.ts";
import { createClient, type HarnessClient } from "../client/client.ts";
import {
  ApiError,
  type HttpTransportOptions,
  httpTransport,
  type Transport,
  UnreachableError,
} from "../client/transport.ts";
import type { Decision } from "../domain/decision.ts";
import { DependencyError, ForbiddenError, NotFoundError, ValidationError } from "../domain/errors.ts";
import type { Principal } from "../usecases/principal.ts";

/** Attempts of one request the API answered 429 or 503 before its answer is taken as it is. */
export const PATIENT_ATTEMPTS = 5;
const MAX_WAIT_MS = 30_000;

/**
 * A transport that waits and asks again when the API says "not now": 429 (this token's rate limit,
 * `retryAfter` seconds in the body) or 503 (a dependency briefly unavailable). A tick reads and
 * proposes request after request (four per account for the outreach writer), which can outrun the
 * per-token limit (50/s, burst 100, locally) where an in-process tick has none. Safe for proposals
 * too: a 429 is answered before the route runs, and a proposal sent twice replays (same proposalId).
 */
export function patientTransport(
  inner: Transport,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
): Transport {
  return async (method, path, body) => {
    for (let attempt = 1; ; attempt++) {
      const answer = await inner(method, path, body);
      if ((answer.status !== 429 && answer.status !== 503) || attempt >= PATIENT_ATTEMPTS) return answer;
      const seconds = Number(answer.data?.retryAfter);
      await sleep(
        Math.min(MAX_WAIT_MS, Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 250 * 2 ** attempt),
      );
    }
  };
}

/** The typed client an agent out of process uses: over HTTP with its token, patient with 429 and 503. */
export const remoteAgentClient = (options: HttpTransportOptions): HarnessClient =>
  createClient(patientTransport(httpTransport(options)));

/**
 * A client failure as the domain error the runner and the CLI know: 400 → ValidationError naming the
 * fields, 401/403 → ForbiddenError, 404 → NotFoundError, anything else or no answer → DependencyError.
 */
export function domainError(err: unknown, what: string): unknown {
  if (err instanceof ApiError) {
    if (err.status === 400)
      return new ValidationError(err.issues.length ? err.issues : [{ path: what, message: err.apiMessage }], {
        cause: err,
      });
    if (err.status === 403 || err.status === 401) return new ForbiddenError(err.apiMessage, { cause: err });
    if (err.status === 404) return new NotFoundError(err.apiMessage, { cause: err });
    return new DependencyError(`${what} answered ${err.status}: ${err.apiMessage}`, { cause: err });
  }
  if (err instanceof UnreachableError) return new DependencyError(err.message, { cause: err });
  return err;
}

export class ClientGate implements ProposalGate {
  constructor(
    private readonly client: Pick<HarnessClient, "propose">,
    /** Called with each decision the API answered (the CLI prints them). */
    private readonly onDecision?: (decision: Decision, replay: boolean) => void,
  ) {}

  async propose(input: unknown, _principal: Principal): Promise<{ decision: Decision; replay: boolean }> {
    try {
      const { replay, ...decision } = await this.client.propose({ body: input as never });
      // The API's public decision: verdict, status, retryAfter and executeAt are what the runner reads.
      const d = decision as unknown as Decision;
      this.onDecision?.(d, replay);
      return { decision: d, replay };
    } catch (err) {
      const e = domainError(err, "proposal");
      // A 404 here is no missing record: the deployment serves no gate at that address.
      throw e instanceof NotFoundError
        ? new DependencyError(`POST /v1/proposals answered 404: ${e.message}`, { cause: err })
        : e;
    }
  }
}
