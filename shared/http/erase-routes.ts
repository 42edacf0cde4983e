import { ValidationError } from "../domain/errors.ts";
import { parseWith } from "../domain/validation.ts";
import { Id } from "../domain/vocabulary.ts";
import * as z from "../domain/zod-mini.ts";
import { EraseBody, erasePerson } from "../usecases/erase.ts";
import { PathId } from "../usecases/schemas.ts";
import { ErasureOut } from "./api-schemas.ts";
import type { Route } from "./routes.ts";

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

/** Erasure of a person's personal data (admin only): by id, or by email for `harness erase --email`. */
export const ERASE_ROUTES: Route[] = [
  {
    method: "POST",
    path: "/v1/people/{id}/erase",
    group: "knowledge",
    roles: ["admin"],
    doc: {
      summary: "Erase a person's personal data",
      body: EraseBody,
      bodyOptional: true,
      response: ErasureOut,
    },
    run: async (req, deps) => ({
      status: 200,
      body: await erasePerson(
        deps,
        { personId: parseWith(PathId, req.params.id, "id") },
        req.body,
        req.principal,
      ),
    }),
  },
  {
    method: "POST",
    path: "/v1/erasures",
    group: "knowledge",
    roles: ["admin"],
    doc: { summary: "Erase a person by id or email", body: ErasureRequest, response: ErasureOut },
    run: async (req, deps) => {
      if (req.body === undefined)
        throw new ValidationError([{ path: "body", message: "give personId or email" }]);
      const { personId, email, reason } = parseWith(ErasureRequest, req.body);
      return {
        status: 200,
        body: await erasePerson(
          deps,
          personId ? { personId } : { email: email as string },
          reason ? { reason } : {},
          req.principal,
        ),
      };
    },
  },
];
