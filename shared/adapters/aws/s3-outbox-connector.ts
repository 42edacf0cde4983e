import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type Connector, ConnectorError, type ConnectorRequest, type ConnectorResult } from "../../ports.ts";

/**
 * The deployed harness's dry-run connector: records each side effect as `outbox/<idempotencyKey>.json`
 * in the archive bucket instead of calling the external system. The put is conditional on the key
 * not existing, so a repeated idempotency key returns the first result and writes nothing.
 */
export class S3OutboxConnector implements Connector {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly now: () => number,
  ) {}

  async execute(req: ConnectorRequest): Promise<ConnectorResult> {
    const key = `outbox/${encodeURIComponent(req.idempotencyKey)}.json`;
    const d = req.decision;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          IfNoneMatch: "*",
          ContentType: "application/json",
          Body: JSON.stringify({
            idempotencyKey: req.idempotencyKey,
            decisionId: d.decisionId,
            agentId: d.agentId,
            actionType: d.actionType,
            channel: d.channel,
            accountId: d.accountId,
            personId: d.personId,
            payload: req.payload,
            at: new Date(this.now()).toISOString(),
          }),
        }),
      );
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 412) return { externalId: `s3-outbox:${key}` };
      // A failed PUT may still have landed: the outcome is unknown, never re-sent blindly.
      throw new ConnectorError(`outbox write failed: ${(err as Error).name}`, true, { cause: err });
    }
    return { externalId: `s3-outbox:${key}` };
  }
}
