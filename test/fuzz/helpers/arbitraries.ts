/**
 * fast-check generators of bad requests, one family per category. Each case starts from the route's
 * valid example (helpers/examples.ts) and breaks one thing, so that whatever the server answers, a 2xx
 * can only mean it accepted something it should have refused.
 */
import type fc from "fast-check";
import type { Category, FuzzCase, RouteContext } from "./case.ts";
import { limitsCases, prototypeKeyCases, schemaCases } from "./json-cases.ts";
import {
  contentTypeCases,
  encodingCases,
  garbageCases,
  headerSizeCases,
  strayBodyCases,
} from "./raw-cases.ts";
import { authCases, methodCases, pathCases, queryCases } from "./request-cases.ts";

export { type Category, categoriesFor, type FuzzCase, type RawText } from "./case.ts";

export function casesFor(category: Category, ctx: RouteContext): fc.Arbitrary<FuzzCase> {
  switch (category) {
    case "method":
      return methodCases(ctx);
    case "auth":
      return authCases(ctx);
    case "path":
      return pathCases(ctx);
    case "query":
      return queryCases(ctx);
    case "limits":
      return limitsCases(ctx);
    case "schema":
      return schemaCases(ctx);
    case "garbage":
      return garbageCases(ctx);
    case "prototype-keys":
      return prototypeKeyCases(ctx);
    case "content-type":
      return contentTypeCases(ctx);
    case "encoding":
      return encodingCases(ctx);
    case "header-size":
      return headerSizeCases(ctx);
    case "stray-body":
      return strayBodyCases(ctx);
  }
}
