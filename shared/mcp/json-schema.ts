/**
 * The JSON Schema validator the MCP SDK's Client and Server are given, in place of the SDK's default
 * over ajv: one that checks nothing, and says so where it is asked to.
 *
 * The harness never has the SDK check a JSON Schema. Downstream tools are called with `request()`,
 * not `callTool()` (mcp-downstream.ts): a result that fails its tool's `outputSchema` was carried out
 * all the same, and must be recorded as done, not failed. The harness's own server asks for no
 * elicitation. Yet the SDK's Client builds a validator for every listed tool's `outputSchema`, and
 * ajv compiled each to code then (one it could not compile, an unresolvable `$ref`, failed the whole
 * listing); with ajv-formats and fast-uri it was 133 KB of each MCP function's bundle. Given to every
 * Client and Server the harness builds, locally as deployed; the CDK app aliases ajv out of the
 * bundles (ALIASES in infra/constructs/harness-function.ts), where the SDK's default is imported but
 * never built.
 */
import type { jsonSchemaValidator } from "@modelcontextprotocol/sdk/validation";

const NOT_CHECKED =
  "not checked: the harness reads MCP results through request() and checks no JSON Schema in the SDK (shared/mcp/json-schema.ts)";

export const mcpJsonSchemaValidator: jsonSchemaValidator = {
  // Built for every listed tool, asked of none: a use added later fails plainly, not silently.
  getValidator: () => () => ({ valid: false, data: undefined, errorMessage: NOT_CHECKED }),
};
