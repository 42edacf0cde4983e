/**
 * The engine as the AWS SDK's request handler: where the SDK would send its signed HTTP request to
 * DynamoDB, it hands it to the engine instead and deserialises the engine's answer exactly as it would
 * DynamoDB's. So every store runs unchanged, and errors come out as the same exception classes
 * (`ConditionalCheckFailedException`, `TransactionCanceledException` with its `CancellationReasons`,
 * `ValidationException`).
 */
import type { DynamoEngine } from "./engine.ts";
import { DynamoError } from "./errors.ts";
import { answerDirectly, DirectAnswer, isDirectRequest } from "./sdk-protocol.ts";

interface SdkRequest {
  headers: Record<string, string>;
  body?: unknown;
}

interface SdkResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: Uint8Array | DirectAnswer;
}

const PREFIX = "DynamoDB_20120810.";
let requestIds = 0;

const header = (headers: Record<string, string>, name: string): string | undefined => {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v;
  return undefined;
};

const utf8 = new TextDecoder();
// The SDK's JSON body is a Uint8Array (that warns when read as a string): decoded from its bytes.
const bodyText = (body: unknown): string =>
  typeof body === "string" ? body : body instanceof Uint8Array ? utf8.decode(body) : "{}";

/**
 * The SDK's `requestHandler` for a DynamoDBClient backed by `engine`. The answer is computed at once
 * (the request runs to completion before any other) and delivered on the next turn of the event loop,
 * as a socket would, so callers interleave as they do against a real database.
 */
export function inProcessHandler(engine: DynamoEngine) {
  return {
    metadata: { handlerProtocol: "in-process" },
    handle(request: SdkRequest): Promise<{ response: SdkResponse }> {
      const response = answer(engine, request);
      return new Promise((resolve, reject) =>
        setImmediate(() => (response instanceof Error ? reject(response) : resolve({ response }))),
      );
    },
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  };
}

function answer(engine: DynamoEngine, request: SdkRequest): SdkResponse | Error {
  const headers = {
    "content-type": "application/x-amz-json-1.0",
    "x-amzn-requestid": `in-process-${++requestIds}`,
  };
  try {
    // The SDK's input as it is (sdk-protocol.ts): no JSON either way unless a binary needs decoding.
    if (isDirectRequest(request)) {
      const output = engine.handle(request.operation, request.input) as Record<string, unknown>;
      // Handed over as it is: answers share stored values, which the engine never mutates in place.
      if (answerDirectly()) return { statusCode: 200, headers, body: new DirectAnswer(output) };
      return { statusCode: 200, headers, body: Buffer.from(JSON.stringify(output)) };
    }
    const target = header(request.headers, "x-amz-target") ?? "";
    if (!target.startsWith(PREFIX))
      throw new DynamoError("UnknownOperationException", `Unknown target: ${target}`);
    let input: Record<string, unknown>;
    try {
      input = JSON.parse(bodyText(request.body));
    } catch {
      throw new DynamoError("SerializationException", "The request body is not JSON");
    }
    // Serialised here and now: the answer may reference stored items, which later writes replace.
    const body = JSON.stringify(engine.handle(target.slice(PREFIX.length), input));
    return { statusCode: 200, headers, body: Buffer.from(body) };
  } catch (err) {
    // Anything else is a bug of the engine: it reaches the caller as it is, never as a retryable 5xx.
    if (!(err instanceof DynamoError)) return err instanceof Error ? err : new Error(String(err));
    const body = JSON.stringify({
      __type: `com.amazonaws.dynamodb.v20120810#${err.type}`,
      [err.type === "TransactionCanceledException" ? "Message" : "message"]: err.message,
      ...err.extra,
    });
    return { statusCode: 400, headers, body: Buffer.from(body) };
  }
}
