import { ValidationError } from "../domain/errors.ts";
import { parseWith } from "../domain/validation.ts";
import { Id } from "../domain/vocabulary.ts";
import * as z from "../domain/zod-mini.ts";
import { EraseBody, erasePerson } from "../usecases/erase.ts";
import { PathId } from "../usecases/schemas.ts";
import { ErasureOut } from "./api-schemas.ts";
import type { Route, RouteDocs } from "./routes.ts";

const ErasureRequest = z
  .strictObject({
    personId: z.optional(Id),
    email: z.optional(z.email().check(z.toLowerCase())),
    reason: z.optional(z.string().check(z.minLength(1), z.maxLength(200))),
  })
  .check(
    z.refine((b) => (b.personId === undefined) !== (b.email === undefined), {
      message: "give exactly one of personId, email",
      path: ["personId"],
    }),
  );

/**
 * How long one request scrubs the knowledge base: within the API function's 29 s (and API Gateway's
 * 30), with the searches before it and the pages in flight after it. An erasure not done by then
 * answers 202 with `complete: false`; the same request again goes on from where it stopped.
 */
export const ERASURE_RUN_MS = 15_000;

const answer = (receipt: { complete: boolean }) => ({ status: receipt.complete ? 200 : 202, body: receipt });

/**
 * Erasure of a person's personal data (admin only): by id, or by email for `harness erase --email`.
 * Its own function in AWS (functions/api/erasure.ts), the only one that may scan the state table for
 * every copy of a person and delete wherever it finds one: the knowledge function, which serves the
 * agents' context packets and memory, may delete only the address and domain indexes a record leaves.
 */
export const ERASE_ROUTES: Route[] = [
  {
    method: "POST",
    path: "/v1/people/{id}/erase",
    group: "erasure",
    roles: ["admin"],
    run: async (req, deps) =>
      answer(
        await erasePerson(
          deps,
          { personId: parseWith(PathId, req.params.id, "id") },
          req.body,
          req.principal,
          {
            stopAt: Date.now() + ERASURE_RUN_MS,
          },
        ),
      ),
  },
  {
    method: "POST",
    path: "/v1/erasures",
    group: "erasure",
    roles: ["admin"],
    run: async (req, deps) => {
      if (req.body === undefined)
        throw new ValidationError([{ path: "body", message: "give personId or email" }]);
      const { personId, email, reason } = parseWith(ErasureRequest, req.body);
      return answer(
        await erasePerson(
          deps,
          personId ? { personId } : { email: email as string },
          reason ? { reason } : {},
          req.principal,
          { stopAt: Date.now() + ERASURE_RUN_MS },
        ),
      );
    },
  },
];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const eraseRouteDocs = (): RouteDocs => ({
  "POST /v1/people/{id}/erase": {
    summary: "Erase a person's personal data (202: not done in one request's time, ask again)",
    body: EraseBody,
    bodyOptional: true,
    response: ErasureOut,
    status: [200, 202],
  },
  "POST /v1/erasures": {
    summary: "Erase a person by id or email (202: not done in one request's time, ask again)",
    body: ErasureRequest,
    response: ErasureOut,
    status: [200, 202],
  },
});
