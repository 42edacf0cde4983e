/** The erasure group: a person's personal data erased, by id or by email (erase-routes.ts). */
import { ERASE_ROUTES } from "../erase-routes.ts";
import type { Route } from "../routes.ts";

/** The erasure group's function serves these, in the order of ROUTES (first match wins). */
export const ERASURE_TABLE: Route[] = [...ERASE_ROUTES];
