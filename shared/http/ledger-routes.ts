import { NotFoundError } from "../domain/errors.ts";
import { parseWith } from "../domain/validation.ts";
import * as z from "../domain/zod-mini.ts";
import { digestNow } from "../usecases/ledger-digest.ts";
import { type LedgerVerifyDeps, parseSince, verifyLedger } from "../usecases/ledger-verify.ts";
import { LedgerDigestOut, LedgerVerifyOut } from "./api-schemas.ts";
import type { AppDeps, Route, RouteDocs } from "./routes.ts";

const VerifyQuery = z.strictObject({
  since: z.optional(
    z.string().check(
      z.maxLength(40),
      z.refine(
        (s) => {
          try {
            parseSince(s);
            return true;
          } catch {
            return false;
          }
        },
        { message: "expected a date (YYYY-MM-DD) or an ISO date-time" },
      ),
    ),
  ),
});

function integrity(deps: AppDeps): LedgerVerifyDeps {
  if (!deps.ledgerIntegrity)
    throw new NotFoundError("ledger verification is not configured in this deployment");
  return deps.ledgerIntegrity;
}

/** Ledger integrity (admin): verify the hash chains and digests; write a digest now. */
export const LEDGER_ROUTES: Route[] = [
  {
    method: "GET",
    path: "/v1/ledger/verify",
    group: "admin",
    roles: ["admin"],
    run: async (req, deps) => {
      const q = parseWith(VerifyQuery, req.query);
      const { heads: _heads, ...result } = await verifyLedger(
        integrity(deps),
        q.since ? { since: q.since } : {},
      );
      return { status: 200, body: result };
    },
  },
  {
    method: "POST",
    path: "/v1/ledger/digest",
    group: "admin",
    roles: ["admin"],
    run: async (_req, deps) => ({
      status: 201,
      body: await digestNow({ ...integrity(deps), clock: deps.clock }),
    }),
  },
];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const ledgerRouteDocs = (): RouteDocs => ({
  "GET /v1/ledger/verify": {
    summary: "Verify the ledger's hash chains and digests",
    query: VerifyQuery,
    response: LedgerVerifyOut,
  },
  "POST /v1/ledger/digest": { summary: "Write a ledger digest now", response: LedgerDigestOut, status: 201 },
});
