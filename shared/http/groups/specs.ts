/**
 * The specs group: a spec's text read, checked and published. Its own function in AWS
 * (functions/api/specs.ts), the one API function besides the replay's that carries a YAML parser: the
 * admin function, which serves the console's trust, pause and spec-version reads, carries none (98 KB
 * it loaded at each cold start). A draft's confirmation publishes too, but a parsed spec, and stays
 * the admin's.
 */
import { ValidationError } from "../../domain/errors.ts";
import { SpecSchema } from "../../domain/spec-schema.ts";
import { parseUntrustedYaml } from "../../domain/yaml.ts";
import * as z from "../../domain/zod-mini.ts";
import { checkedSpec, publishSpec } from "../../usecases/admin.ts";
import { SpecVersionOut } from "../api-schemas.ts";
import { ok, READERS } from "../route-helpers.ts";
import type { Route, RouteDocs } from "../routes.ts";

const SpecValidation = z.object({ valid: z.literal(true), hash: z.string(), matchesCurrent: z.boolean() });

const required = (body: unknown) => {
  // createApi parsed the body, YAML or JSON, and held it to the JSON limits.
  if (body === undefined || body === null)
    throw new ValidationError([{ path: "body", message: "a spec as YAML or JSON is required" }]);
};

export const SPEC_TEXT_ROUTES: Route[] = [
  {
    method: "POST",
    path: "/v1/specs/validate",
    group: "specs",
    roles: READERS,
    accepts: ["json", "yaml"],
    readYaml: parseUntrustedYaml,
    run: async (req, deps) => {
      required(req.body);
      const { hash } = await checkedSpec(deps, req.body);
      return ok({ valid: true, hash, matchesCurrent: (await deps.specs.current())?.hash === hash });
    },
  },
  {
    method: "POST",
    path: "/v1/specs",
    group: "specs",
    roles: ["admin"],
    // README: "publish YAML (content-type: application/yaml) or JSON".
    accepts: ["json", "yaml"],
    readYaml: parseUntrustedYaml,
    run: async (req, deps) => {
      required(req.body);
      const { spec, created } = await publishSpec(deps, req.body, req.principal.subject);
      return ok({ ...spec, created }, created ? 201 : 200);
    },
  },
];

/** The specs group's function serves these, in the order of ROUTES (first match wins). */
export const SPECS_TABLE: Route[] = [...SPEC_TEXT_ROUTES];

/**
 * What the OpenAPI description says of each route above (route-docs.ts): a function that only the
 * description calls, so no Lambda bundle carries the docs or the schemas they alone name.
 */
export const specsGroupDocs = (): RouteDocs => ({
  "POST /v1/specs/validate": {
    summary: "Validate a spec without publishing it: 400 names each error at its path",
    body: SpecSchema,
    response: SpecValidation,
  },
  "POST /v1/specs": {
    summary: "Publish a spec (YAML or JSON); the same content again is a no-op",
    body: SpecSchema,
    response: z.looseObject({ ...SpecVersionOut.shape, created: z.boolean() }),
    status: [201, 200],
  },
});
