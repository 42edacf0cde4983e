import {
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from "@aws-sdk/lib-dynamodb";
import type { Decision } from "../../domain/decision.ts";
import type { DraftStatus, SpecDraft } from "../../domain/drafts.ts";
import { ConflictError } from "../../domain/errors.ts";
import type { SpecVersion } from "../../domain/spec-schema.ts";
import { cellId, isRefusal, type ReviewTally, reviewCellOf } from "../../learning/rules.ts";
import type { DraftPublish, DraftStore, Page, PageRequest } from "../../ports.ts";
import { PageCursors } from "./cursor.ts";
import { type Db, failedConditions, withoutKeys } from "./db.ts";
import { steerKeys } from "./keys.ts";
import { publishWith } from "./spec-store.ts";

type Item = Record<string, unknown>;
type TransactItem = NonNullable<
  ConstructorParameters<typeof TransactWriteCommand>[0]["TransactItems"]
>[number];

/**
 * The review tally's update for a decision's first human review, written in the review's own
 * transition (decision-store.ts): the cell is action type × persona × industry, and a rejection or a
 * veto counts as refused. A decision in no cell (no persona or industry) counts nowhere.
 */
export function reviewTallyItem(
  db: Db,
  decision: Decision,
  action: NonNullable<Decision["review"]>["action"],
): TransactItem | undefined {
  const cell = reviewCellOf(decision);
  if (!cell) return undefined;
  return {
    Update: {
      TableName: db.tables.state,
      Key: steerKeys.reviewCell(cellId(cell)),
      UpdateExpression: "SET cell = :cell ADD reviewed :one, rejected :r",
      ExpressionAttributeValues: { ":cell": cell, ":one": 1, ":r": isRefusal(action) ? 1 : 0 },
    },
  };
}

/** Drafts, their sources and the review tallies, in the state table (keys.ts steerKeys). */
export class DynamoDraftStore implements DraftStore {
  constructor(
    private readonly db: Db,
    private readonly cursors: PageCursors = PageCursors.ephemeral(),
  ) {}

  async get(draftId: string): Promise<SpecDraft | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.tables.state,
        Key: steerKeys.draft(draftId),
        ConsistentRead: true,
      }),
    );
    return withoutKeys<SpecDraft>(res.Item);
  }

  async bySource(source: string): Promise<SpecDraft | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.tables.state,
        Key: steerKeys.draftSource(source),
        ConsistentRead: true,
      }),
    );
    const draftId = res.Item?.draftId;
    return typeof draftId === "string" ? this.get(draftId) : undefined;
  }

  async list(q: PageRequest & { status?: DraftStatus }): Promise<Page<SpecDraft>> {
    const listing = `drafts/${q.status ?? "*"}`;
    const startKey = q.cursor ? await this.cursors.decode(listing, q.cursor, ["pk", "sk"]) : undefined;
    // Draft ids start with their creation time, so the partition's order is the drafts' age. A status
    // filter drops items after the read: read on (never more than the page still needs) until the page
    // is full or the partition ends, so a page is short only when it is the last.
    const items: SpecDraft[] = [];
    let from: Record<string, unknown> | undefined = startKey;
    do {
      const input: QueryCommandInput = {
        TableName: this.db.tables.state,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :p)",
        ExpressionAttributeValues: {
          ":pk": steerKeys.draftsPartition,
          ":p": steerKeys.draftPrefix,
          ...(q.status ? { ":s": q.status } : {}),
        },
        ScanIndexForward: false,
        Limit: q.limit - items.length,
        ...(q.status ? { FilterExpression: "#s = :s", ExpressionAttributeNames: { "#s": "status" } } : {}),
        ...(from ? { ExclusiveStartKey: from } : {}),
      };
      const res = await this.db.doc.send(new QueryCommand(input));
      for (const i of res.Items ?? []) items.push(withoutKeys<SpecDraft>(i) as SpecDraft);
      from = res.LastEvaluatedKey;
    } while (from && items.length < q.limit);
    return from ? { items, cursor: await this.cursors.encode(listing, from) } : { items };
  }

  async create(draft: SpecDraft, source: string, publish: DraftPublish, cell?: string): Promise<SpecVersion> {
    const also: TransactItem[] = [
      {
        Put: {
          TableName: this.db.tables.state,
          Item: { ...steerKeys.draft(draft.draftId), ...draft },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
      {
        // One draft per source: a retried correction finds the first one instead of making a second.
        Put: {
          TableName: this.db.tables.state,
          Item: { ...steerKeys.draftSource(source), draftId: draft.draftId },
          ConditionExpression: "attribute_not_exists(pk)",
        },
      },
    ];
    if (cell)
      also.push({
        // A cell has at most one draft in shadow; its evidence so far is what the next one must exceed.
        Update: {
          TableName: this.db.tables.state,
          Key: steerKeys.reviewCell(cell),
          UpdateExpression: "SET openDraftId = :id, rejectedAtLastDraft = rejected ADD drafts :one",
          ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(openDraftId)",
          ExpressionAttributeValues: { ":id": draft.draftId, ":one": 1 },
        },
      });
    return publishWith(
      this.db,
      {
        ...publish,
        draftId: draft.draftId,
        data: { draftId: draft.draftId, draft: "created", rule: draft.rule?.name ?? "intent weights" },
      },
      also,
    );
  }

  async close(
    draft: SpecDraft,
    to: "confirmed" | "discarded",
    closed: { at: string; by: string; reason?: string },
    publish: DraftPublish | undefined,
    cell?: string,
  ): Promise<SpecDraft> {
    const version = publish ? publish.expectCurrent + 1 : undefined;
    const next: SpecDraft = {
      ...draft,
      status: to,
      closedAt: closed.at,
      closedBy: closed.by,
      ...(closed.reason ? { closedReason: closed.reason } : {}),
      ...(version !== undefined
        ? to === "confirmed"
          ? { confirmedVersion: version }
          : { discardedVersion: version }
        : {}),
    };
    const also: TransactItem[] = [
      {
        // Confirm and discard race on this condition: exactly one of them moves the draft.
        Put: {
          TableName: this.db.tables.state,
          Item: { ...steerKeys.draft(draft.draftId), ...next },
          ConditionExpression: "#s = :shadow",
          ExpressionAttributeNames: { "#s": "status" },
          ExpressionAttributeValues: { ":shadow": "shadow" },
        },
      },
    ];
    if (cell)
      also.push({
        Update: {
          TableName: this.db.tables.state,
          Key: steerKeys.reviewCell(cell),
          UpdateExpression: "REMOVE openDraftId",
        },
      });
    if (publish) {
      await publishWith(
        this.db,
        {
          ...publish,
          draftId: draft.draftId,
          data: { draftId: draft.draftId, draft: to, rule: draft.rule?.name ?? "intent weights" },
        },
        also,
      );
      return next;
    }
    try {
      await this.db.doc.send(new TransactWriteCommand({ TransactItems: also }));
    } catch (err) {
      if (failedConditions(err))
        throw new ConflictError(`draft ${draft.draftId} is no longer in shadow`, { cause: err });
      throw err;
    }
    return next;
  }

  async tally(cell: string): Promise<ReviewTally | undefined> {
    const res = await this.db.doc.send(
      new GetCommand({
        TableName: this.db.tables.state,
        Key: steerKeys.reviewCell(cell),
        ConsistentRead: true,
      }),
    );
    const t = withoutKeys<ReviewTally>(res.Item);
    return t ? { ...t, reviewed: t.reviewed ?? 0, rejected: t.rejected ?? 0 } : undefined;
  }
}
