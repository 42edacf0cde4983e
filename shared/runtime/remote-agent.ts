/**
 * The gate for an agent that runs outside the harness's process: POST /v1/proposals through the typed
 * client with the agent's own bearer token, so the server, not this process, decides who is proposing
 * (a token for agent A proposing as agent B is a 403, whatever the runner claims). The counterpart of
 * agents-aws.ts's ApiGate (SigV4 with the function's role) for a token, e.g. `harness token create`.
 *
 * Not yet here: the knowledge-base reads over the API. The API serves agents the spec, context
 * packets, memory search and their own decisions, but not the account, people, lead-list and
 * learned-state reads the built-in agents' handlers make, so a whole built-in agent cannot run out of
 * process yet; this gate is the proposing half.
 */

import type { ProposalGate } from "../agents/runner.ts";
import type { HarnessClient } from "../client/client.ts";
import { ApiError, UnreachableError } from "../client/transport.ts";
import type { Decision } from "../domain/decision.ts";
import { DependencyError, ForbiddenError, ValidationError } from "../domain/errors.ts";
import type { Principal } from "../usecases/principal.ts";

export class ClientGate implements ProposalGate {
  constructor(private readonly client: Pick<HarnessClient, "propose">) {}

  async propose(input: unknown, _principal: Principal): Promise<{ decision: Decision; replay: boolean }> {
    try {
      const { replay, ...decision } = await this.client.propose({ body: input as never });
      // The API's public decision: verdict, status, retryAfter and executeAt are what the runner reads.
      return { decision: decision as unknown as Decision, replay };
    } catch (err) {
      if (err instanceof ApiError) {
        if (err.status === 400)
          throw new ValidationError(
            err.issues.length ? err.issues : [{ path: "proposal", message: err.apiMessage }],
            { cause: err },
          );
        if (err.status === 403 || err.status === 401)
          throw new ForbiddenError(err.apiMessage, { cause: err });
        throw new DependencyError(`POST /v1/proposals answered ${err.status}: ${err.apiMessage}`, {
          cause: err,
        });
      }
      if (err instanceof UnreachableError) throw new DependencyError(err.message, { cause: err });
      throw err;
    }
  }
}
