/**
 * The SDK's own DynamoDB protocol with its JSON leg cut out for the engine. Against the engine, the
 * SDK would turn each command's input into JSON text, the engine would parse it, answer, and its
 * answer would be turned into JSON text and parsed back by the SDK: a quarter of a simulation's CPU
 * (a CPU profile of `harness demo`), for nothing that crosses a wire.
 *
 * So, for the data-plane operations the stores send, the "request" handed down the SDK's middleware
 * stack carries the command's input as it is, the engine answers with the objects it would have
 * written as JSON, and those come back as the command's output. Everything else runs as before:
 * the document client's marshalling, every middleware (retries, the round-trip counter, the profiler,
 * the dependency-error translation) and, for errors, the SDK's own deserialiser over the JSON error
 * body the engine writes, so a failed condition still arrives as `ConditionalCheckFailedException`, a
 * cancelled transaction as `TransactionCanceledException` with its `CancellationReasons`, a bad
 * request as `ValidationException`. Control-plane operations (CreateTable, DescribeTable, ...) keep
 * the JSON path: they are rare, and their outputs carry types (dates) JSON parsing would give.
 */
import type { Input } from "./requests.ts";
import { binariesStored } from "./values.ts";

/** The operations whose inputs and outputs are attribute values, strings and numbers only. */
const DIRECT = new Set([
  "GetItem",
  "PutItem",
  "UpdateItem",
  "DeleteItem",
  "Query",
  "Scan",
  "BatchGetItem",
  "BatchWriteItem",
  "TransactWriteItems",
]);

/**
 * What the SDK's middleware stack carries down to the engine instead of an HTTP request. Not an
 * `HttpRequest` (no method, path or query): the middlewares that edit headers, sign or measure a
 * body leave it alone, as they are written to.
 */
export interface DirectRequest {
  operation: string;
  input: Input;
  headers: Record<string, string>;
}

export const isDirectRequest = (r: unknown): r is DirectRequest =>
  typeof r === "object" && r !== null && "operation" in r && "input" in r;

/** The body of a successful direct answer: the engine's answer object itself. */
export class DirectAnswer {
  constructor(readonly output: Record<string, unknown>) {}
}

/**
 * Whether a direct answer can be handed over as it is. Binary values are kept as base64 text by the
 * engine (as DynamoDB's JSON carries them) and the SDK hands callers bytes: once any binary has been
 * stored, answers take the JSON path and the SDK's deserialiser decodes them.
 */
export const answerDirectly = (): boolean => !binariesStored();

interface Protocol {
  serializeRequest(operation: { name: string }, input: unknown, context: unknown): Promise<unknown>;
  deserializeResponse(operation: { name: string }, context: unknown, response: unknown): Promise<unknown>;
  deserializeMetadata(response: unknown): Record<string, unknown>;
}

/**
 * `sdk` (the client's resolved AwsJson1_0Protocol) with the two direct paths above. Built on it by
 * prototype, so the serde context the client sets lands on this object and every other method (the
 * JSON path, the error deserialiser) is the SDK's own.
 */
export function directProtocol<P extends object>(sdk: P): P {
  const base = sdk as unknown as Protocol;
  const direct = Object.create(sdk) as Protocol;
  direct.serializeRequest = async function (operation, input, context) {
    if (!DIRECT.has(operation.name)) return base.serializeRequest.call(this, operation, input, context);
    return { operation: operation.name, input: input as Input, headers: {} } satisfies DirectRequest;
  };
  direct.deserializeResponse = async function (operation, context, response) {
    const body = (response as { body?: unknown }).body;
    if (!(body instanceof DirectAnswer))
      return base.deserializeResponse.call(this, operation, context, response);
    return { ...body.output, $metadata: base.deserializeMetadata.call(this, response) };
  };
  return direct as unknown as P;
}
