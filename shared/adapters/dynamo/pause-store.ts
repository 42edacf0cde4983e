import { GetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Pause } from "../../domain/decision-types.ts";
import { NotFoundError } from "../../domain/errors.ts";
import { chainEvent, headOf } from "../../domain/ledger-chain.ts";
import type { PauseStore } from "../../ports.ts";
import { type Db, failedConditions, queryAll } from "./db.ts";
import { ledgerKeys, pauseStream, stateKeys } from "./keys.ts";
import { HEAD_ATTR, headIn, prevHashAfter } from "./ledger-heads.ts";

/**
 * Pauses live in one item per scope (global, each agent, channel, account) so the gate can read every
 * pause that could apply with exact keys in its single batch; an index item finds a pause by id. The
 * index item also holds the pause stream's chain head, and stays (marked lifted) after the pause is
 * lifted, so the head of a lifted pause's stream is still where verification looks for it.
 */
export class DynamoPauseStore implements PauseStore {
  constructor(private readonly db: Db) {}

  async create(pause: Pause): Promise<void> {
    const key = stateKeys.pauses(pause.scope, pause.target);
    const stream = pauseStream(pause.pauseId);
    // DynamoDB cannot create a map and set an entry of it in one expression; creating the empty map
    // first is harmless on its own, so the pause itself is still all-or-nothing below.
    await this.db.doc.send(
      new UpdateCommand({
        TableName: this.db.tables.state,
        Key: key,
        UpdateExpression: "SET #p = if_not_exists(#p, :empty)",
        ExpressionAttributeNames: { "#p": "pauses" },
        ExpressionAttributeValues: { ":empty": {} },
      }),
    );
    const created = chainEvent(
      {
        ...ledgerKeys.event(stream, 1),
        stream,
        seq: 1,
        type: "pause.created",
        at: pause.createdAt,
        actor: pause.createdBy,
        detail: pause.reason,
        data: { ...pause },
      },
      prevHashAfter(undefined),
    );
    try {
      await this.db.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.db.tables.state,
                Key: key,
                UpdateExpression: "SET #p.#id = :pause",
                ExpressionAttributeNames: { "#p": "pauses", "#id": pause.pauseId },
                ExpressionAttributeValues: { ":pause": pause },
              },
            },
            {
              Put: {
                TableName: this.db.tables.state,
                Item: {
                  ...stateKeys.pauseIndex(pause.pauseId),
                  scope: pause.scope,
                  target: pause.target,
                  [HEAD_ATTR]: headOf(created),
                },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
            {
              Put: {
                TableName: this.db.tables.ledger,
                Item: created,
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
          ],
        }),
      );
    } catch (err) {
      // A pause with this id exists (or existed and was lifted): an outcome's redelivery names the same
      // pause (ids.ts), and it is neither created twice nor brought back after an admin lifted it.
      if (failedConditions(err)?.includes(1)) return;
      throw err;
    }
  }

  async remove(pauseId: string, by: string, at: string): Promise<Pause> {
    const idx = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.tables.state,
        Key: stateKeys.pauseIndex(pauseId),
        ConsistentRead: true,
      }),
    );
    if (!idx.Item) throw new NotFoundError(`pause ${pauseId} does not exist`);
    if (idx.Item.liftedAt) throw new NotFoundError(`pause ${pauseId} was already lifted`);
    const key = stateKeys.pauses(idx.Item.scope as string, idx.Item.target as string | undefined);
    const scopeItem = await this.db.doc.send(
      new GetCommand({ TableName: this.db.tables.state, Key: key, ConsistentRead: true }),
    );
    const pause = (scopeItem.Item?.pauses as Record<string, Pause> | undefined)?.[pauseId];
    if (!pause) throw new NotFoundError(`pause ${pauseId} was already lifted`);
    const stream = pauseStream(pauseId);
    const lifted = chainEvent(
      {
        ...ledgerKeys.event(stream, 2),
        stream,
        seq: 2,
        type: "pause.lifted",
        at,
        actor: by,
        detail: `lifted: ${pause.reason}`,
      },
      prevHashAfter(headIn(idx.Item)),
    );
    await this.db.doc.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.db.tables.state,
              Key: key,
              UpdateExpression: "REMOVE #p.#id",
              ConditionExpression: "attribute_exists(#p.#id)",
              ExpressionAttributeNames: { "#p": "pauses", "#id": pauseId },
            },
          },
          {
            Update: {
              TableName: this.db.tables.state,
              Key: stateKeys.pauseIndex(pauseId),
              UpdateExpression: "SET #lifted = :at, #h = :head",
              ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(#lifted)",
              ExpressionAttributeNames: { "#lifted": "liftedAt", "#h": HEAD_ATTR },
              ExpressionAttributeValues: { ":at": at, ":head": headOf(lifted) },
            },
          },
          {
            Put: {
              TableName: this.db.tables.ledger,
              Item: lifted,
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      }),
    );
    return pause;
  }

  async list(): Promise<Pause[]> {
    // One item per scope and target (each agent, each account), kept after its pauses are lifted.
    const items = await queryAll(this.db, {
      TableName: this.db.tables.state,
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": "PAUSE" },
    });
    return items.flatMap((i) => Object.values((i.pauses as Record<string, Pause> | undefined) ?? {}));
  }
}
