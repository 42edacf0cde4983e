/**
 * An error the engine answers with: the `__type` DynamoDB puts in its JSON error body (the SDK turns it
 * into the same exception class as from DynamoDB) and any extra fields of that body
 * (`CancellationReasons`, `Item`).
 */
export class DynamoError extends Error {
  override readonly name = "DynamoError";
  constructor(
    readonly type:
      | "ValidationException"
      | "ConditionalCheckFailedException"
      | "TransactionCanceledException"
      | "ResourceNotFoundException"
      | "ResourceInUseException"
      | "UnknownOperationException"
      | "SerializationException",
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const validation = (message: string) => new DynamoError("ValidationException", message);
