/** What route definitions share: reader roles, the result shape, path parameters. */
import type * as z from "zod";
import { parseWith } from "../domain/validation.ts";
import { PathId } from "../usecases/schemas.ts";
import type { ApiRequest, Role, RouteResult } from "./routes.ts";

export const READERS: Role[] = ["viewer", "approver", "admin"];

export const ok = (body: unknown, status = 200): RouteResult => ({ status, body });

export const param = (req: ApiRequest, name: string, schema: z.core.$ZodType<string> = PathId) =>
  parseWith(schema, req.params[name], name);
