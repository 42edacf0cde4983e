/**
 * The document client's `send`, short-circuited for the in-process engine. Each command sent through
 * the SDK rebuilds and runs its middleware stack (endpoint rules, retry tokens, user agent, the
 * serde context spread over the whole client configuration): with the JSON gone (sdk-protocol.ts),
 * that was the largest cost left of a simulated day, for a request that never leaves the process.
 *
 * So a document command (Get, Put, Update, Delete, Query, Scan, BatchGet, BatchWrite, TransactWrite)
 * is marshalled exactly as the document client does it (its own key nodes and options; the SDK's
 * marshalling itself, taken by hand for plain values in marshal.ts), handed to the engine, and the answer
 * unmarshalled the same way, counted as a round trip. Errors are built by the
 * SDK's own protocol from the JSON error body the engine writes, so callers get the same exception
 * classes, fields and `$metadata` as through the SDK (test/unit/dynamo-memory-direct.test.ts compares
 * them). Anything else, and every command once a middleware has been added to the client after its
 * creation (a profiler, a benchmark's recorder, a test's spy: they must see every request), goes
 * through the SDK as before.
 */
import {
  BatchGetItem$,
  BatchWriteItem$,
  DeleteItem$,
  type DynamoDBClient,
  GetItem$,
  PutItem$,
  Query$,
  Scan$,
  TransactWriteItems$,
  UpdateItem$,
} from "@aws-sdk/client-dynamodb";
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { DynamoEngine } from "./engine.ts";
import { DynamoError } from "./errors.ts";
import { marshallFast, unmarshallFast } from "./marshal.ts";
import type { Input } from "./requests.ts";
import { adoptingInput, binariesStored } from "./values.ts";

/** The SDK's static operation schemas: [kind, namespace, name, traits, input, output]. */
type OperationSchema = readonly [number, string, string, unknown, unknown, unknown];

const OPERATIONS = new Map<unknown, { name: string; schema: OperationSchema }>(
  (
    [
      [GetCommand, GetItem$],
      [PutCommand, PutItem$],
      [UpdateCommand, UpdateItem$],
      [DeleteCommand, DeleteItem$],
      [QueryCommand, Query$],
      [ScanCommand, Scan$],
      [BatchGetCommand, BatchGetItem$],
      [BatchWriteCommand, BatchWriteItem$],
      [TransactWriteCommand, TransactWriteItems$],
    ] as [unknown, OperationSchema][]
  ).map(([ctor, schema]) => [ctor, { name: schema[2], schema }]),
);

// ---- the document client's marshalling walk (lib-dynamodb's processObj), over its key nodes ----

type KeyNodes = Record<string, unknown> | unknown[] | null;
type Fn = (v: unknown) => unknown;
const NEXT_LEVEL = "*";

function processObj(obj: unknown, fn: Fn, nodes: KeyNodes | undefined): unknown {
  if (obj === undefined) return undefined;
  if (nodes == null) return fn(obj);
  const keys = Object.keys(nodes);
  if (keys.length === 1 && keys[0] === NEXT_LEVEL) {
    const next = (nodes as Record<string, KeyNodes>)[NEXT_LEVEL];
    const acc: Record<string, unknown> | unknown[] = Array.isArray(obj) ? [] : {};
    for (const [k, v] of Object.entries(obj ?? {}))
      if (typeof v !== "function") (acc as Record<string, unknown>)[k] = processObj(v, fn, next);
    return acc;
  }
  if (keys.length >= 1)
    return processKeys(obj as Record<string, unknown>, fn, nodes as Record<string, KeyNodes>);
  return processAllKeys(obj, fn);
}

function processKeys(obj: Record<string, unknown>, fn: Fn, nodes: Record<string, KeyNodes>) {
  const acc: Record<string, unknown> | unknown[] = Array.isArray(obj)
    ? obj.filter((i) => typeof i !== "function")
    : {};
  // Keys rather than entries (the same own enumerable members, without an array per member): this
  // walk runs over every request and answer.
  if (!Array.isArray(obj))
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      if (typeof v !== "function") (acc as Record<string, unknown>)[k] = v;
    }
  for (const k of Object.keys(nodes)) {
    if (typeof obj[k] === "function") continue;
    const v = processObj(obj[k], fn, nodes[k] as KeyNodes);
    if (v !== undefined && typeof v !== "function") (acc as Record<string, unknown>)[k] = v;
  }
  return acc;
}

function processAllKeys(obj: unknown, fn: Fn): unknown {
  if (Array.isArray(obj))
    return obj.filter((i) => typeof i !== "function").map((i) => processObj(i, fn, null));
  const acc: Record<string, unknown> = {};
  const o = obj as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (typeof v === "function") continue;
    // processObj(v, fn, null), inlined: undefined stays undefined, anything else goes through fn.
    const p = v === undefined ? undefined : fn(v);
    if (p !== undefined && typeof p !== "function") acc[k] = p;
  }
  return acc;
}

/**
 * The engine keeps binaries as base64 text (as DynamoDB's JSON carries them); the SDK hands callers
 * bytes. A copy with them decoded, only walked once a binary has been stored (values.ts).
 */
function decodeBinaries(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(decodeBinaries);
  if (typeof v !== "object" || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === "B" && typeof x === "string") out[k] = bytes(x);
    else if (k === "BS" && Array.isArray(x) && x.every((e) => typeof e === "string")) out[k] = x.map(bytes);
    else out[k] = decodeBinaries(x);
  }
  return out;
}
const bytes = (b64: string) => {
  const b = Buffer.from(b64, "base64");
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
};

interface DocCommand {
  input: Record<string, unknown>;
  inputKeyNodes: KeyNodes;
  outputKeyNodes: KeyNodes;
}

interface Protocol {
  deserializeResponse(operation: object, context: unknown, response: unknown): Promise<unknown>;
}

let requestIds = 0;
/** One turn of the event loop, as a socket's answer takes: callers interleave as against a database. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Replaces `doc.send` for a client backed by `engine` (createDb). `roundTrips` is the Db's counter,
 * which the SDK path bumps in its own middleware.
 */
export function sendDirectly(
  engine: DynamoEngine,
  doc: DynamoDBDocumentClient,
  raw: DynamoDBClient,
  roundTrips: { count: number },
): void {
  const translate = (
    doc.config as { translateConfig?: { marshallOptions?: object; unmarshallOptions?: object } }
  ).translateConfig;
  // The document client's own defaults for what it marshals (lib-dynamodb's addMarshallingMiddleware).
  const marshallOptions = { convertTopLevelContainer: true, ...translate?.marshallOptions };
  const unmarshallOptions = { convertWithoutMapWrapper: true, ...translate?.unmarshallOptions };
  // A middleware added from now on must see every request: the direct path stands aside for good.
  let extended = false;
  const stack = raw.middlewareStack as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const method of ["add", "addRelativeTo", "use"] as const) {
    const original = stack[method]?.bind(stack);
    if (!original) continue;
    stack[method] = (...a: unknown[]) => {
      extended = true;
      return original(...a);
    };
  }
  const sdkSend = doc.send.bind(doc) as (...a: unknown[]) => Promise<unknown>;

  const direct = async (op: { name: string; schema: OperationSchema }, command: DocCommand) => {
    const input = processObj(command.input, (v) => marshallFast(v, marshallOptions), command.inputKeyNodes);
    roundTrips.count++;
    const requestId = `in-process-${++requestIds}`;
    let output: Record<string, unknown>;
    try {
      // The input was marshalled for this request alone: the engine may keep its values as they are.
      output = adoptingInput(() => engine.handle(op.name, input as Input)) as Record<string, unknown>;
    } catch (err) {
      await nextTurn();
      if (!(err instanceof DynamoError)) throw err;
      throw await sdkError(raw, op.schema, err, requestId);
    }
    if (binariesStored()) output = decodeBinaries(output) as Record<string, unknown>;
    await nextTurn();
    const answer = {
      ...output,
      $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 },
    };
    return processObj(answer, (v) => unmarshallFast(v, unmarshallOptions), command.outputKeyNodes);
  };

  (doc as { send: unknown }).send = (command: unknown, ...rest: unknown[]) => {
    const op = OPERATIONS.get((command as object)?.constructor);
    if (!op || extended || rest.length > 0) return sdkSend(command, ...rest);
    return direct(op, command as unknown as DocCommand);
  };
}

/** The exception the SDK raises for this engine error: its own protocol reads the JSON error body. */
async function sdkError(
  raw: DynamoDBClient,
  schema: OperationSchema,
  err: DynamoError,
  requestId: string,
): Promise<unknown> {
  const body = JSON.stringify({
    __type: `com.amazonaws.dynamodb.v20120810#${err.type}`,
    [err.type === "TransactionCanceledException" ? "Message" : "message"]: err.message,
    ...err.extra,
  });
  const headers = { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": requestId };
  const response = { statusCode: 400, headers, body: Buffer.from(body) };
  const [, namespace, name, traits, input, output] = schema;
  const protocol = raw.config.protocol as unknown as Protocol;
  try {
    await protocol.deserializeResponse({ name, namespace, traits, input, output }, raw.config, response);
    return new Error(`the SDK did not raise ${err.type}`);
  } catch (e) {
    // What the SDK's deserializer and retry middlewares add to every error.
    const error = e as Error & { $metadata?: Record<string, unknown> };
    Object.defineProperty(error, "$response", { value: response, enumerable: false });
    error.$metadata = {
      httpStatusCode: 400,
      requestId,
      extendedRequestId: undefined,
      cfId: undefined,
      attempts: 1,
      totalRetryDelay: 0,
    };
    return error;
  }
}
