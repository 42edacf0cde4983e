import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type KeyOwner, ownerOf, ownerRef, seal } from "../../domain/personal-data.ts";
import { type Connector, ConnectorError, type ConnectorRequest, type ConnectorResult } from "../../ports.ts";

/** Opens a decision's data key; the outbox seals the payload under it, like the ledger does. */
export interface DataKeyReader {
  get(owner: KeyOwner): Promise<Buffer | undefined>;
}

/**
 * The deployed harness's dry-run connector: records each side effect as `outbox/<idempotencyKey>.json`
 * in the archive bucket instead of calling the external system. The put is conditional on the key
 * not existing, so a repeated idempotency key returns the first result and writes nothing, and a
 * write whose result is unknown may be made again.
 */
export class S3OutboxConnector implements Connector {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly now: () => number,
    private readonly keys?: DataKeyReader,
  ) {}

  /** The payload as recorded: sealed under the decision's key, so erasing the key erases the object too. */
  private async recorded(req: ConnectorRequest): Promise<Record<string, unknown>> {
    if (!this.keys) return { payload: req.payload };
    const owner = ownerOf(req.decision);
    let key: Buffer | undefined;
    try {
      key = await this.keys.get(owner);
    } catch (err) {
      // Before any write (a throttled read or KMS decrypt): nothing was recorded, so not in doubt; and
      // handed back for a later try (the executor's retryAfter path), not failed for a blip.
      throw new ConnectorError(`data key unavailable: ${(err as Error).name}`, false, {
        cause: err,
        retryAfterMs: 5_000,
      });
    }
    if (!key)
      throw new ConnectorError(`no data key for ${ownerRef(owner)} (erased?): nothing recorded`, false);
    return { sealedFor: ownerRef(owner), sealed: seal(key, ownerRef(owner), req.payload) };
  }

  async execute(req: ConnectorRequest): Promise<ConnectorResult> {
    const key = `outbox/${encodeURIComponent(req.idempotencyKey)}.json`;
    const d = req.decision;
    const recorded = await this.recorded(req);
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
            ...recorded,
            at: new Date(this.now()).toISOString(),
          }),
        }),
      );
    } catch (err) {
      const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 412) return { externalId: `s3-outbox:${key}` };
      // S3 refused the write (denied, no such bucket): nothing landed, the action fails naming why.
      // (Not a 409: another write of the same key still in flight, the SDK's retry of one that timed out.)
      if (status !== undefined && status >= 400 && status < 500 && ![408, 409, 429].includes(status))
        throw new ConnectorError(`outbox write refused: ${(err as Error).name}`, false, { cause: err });
      // Otherwise (a 5xx, a throttle, a dropped connection) the write may still have landed; but the
      // put is conditional on the key, so writing again cannot write twice: the action is handed back
      // to be tried later, and that try finds it written (412) or writes it. Only past its retry window
      // is it left in doubt (afterWrite). Before, every such failure was in doubt at once, for a person
      // to settle, though trying again was safe.
      throw new ConnectorError(`outbox write failed: ${(err as Error).name}`, false, {
        cause: err,
        retryAfterMs: 5_000,
        afterWrite: true,
      });
    }
    return { externalId: `s3-outbox:${key}` };
  }
}
