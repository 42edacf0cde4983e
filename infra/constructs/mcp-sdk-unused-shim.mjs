// Stands in, in Lambda bundles (ALIASES in harness-function.ts), for four modules the MCP SDK imports
// statically but the harness never runs:
// - ajv and ajv-formats: its default JSON Schema validator, built only where a Client or Server is
//   given none; the harness gives every one its own (shared/mcp/json-schema.ts, which says why it
//   checks nothing). 133 KB with fast-uri.
// - zod/v3 and zod-to-json-schema: its Zod 3 path, taken only for Zod 3 schemas; every schema the
//   harness hands the SDK is Zod 4. 70 KB.
// Reaching any of them is a bug in the harness, said as such, not a silent difference.
// A function, not an arrow: the SDK constructs ajv (`new Ajv(...)`), and this message, not "is not a
// constructor", is what that must say.
const unbundled = (what) =>
  function unbundledModule() {
    throw new Error(
      `${what} is not in this bundle (infra/constructs/mcp-sdk-unused-shim.mjs): give the MCP SDK a jsonSchemaValidator and Zod 4 schemas`,
    );
  };
export default unbundled("ajv or ajv-formats");
export const object = unbundled("zod/v3");
export const zodToJsonSchema = unbundled("zod-to-json-schema");
