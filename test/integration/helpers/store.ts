/**
 * Helpers for the integration tests: read what the DynamoDB adapters wrote (counters, contact state,
 * ledger streams, due items) and steer the runtime (pins, spec variants). Nothing here writes through
 * a side door except `putRawContactState`, which plants a contact-state item as TTL would leave it.
 */
import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { inject } from "vitest";
import { parse } from "yaml";
import { DataKeys } from "../../../shared/adapters/dynamo/data-keys.ts";
import { DynamoGateDecisionStore } from "../../../shared/adapters/dynamo/gate-decision-store.ts";
import { stateKeys } from "../../../shared/adapters/dynamo/keys.ts";
import { LocalKeyWrapper, throwawayMasterKey } from "../../../shared/adapters/local/key-wrapper.ts";
import { counterNames } from "../../../shared/domain/checks/volume.ts";
import { type Decision, streams } from "../../../shared/domain/decision.ts";
import type { Touch } from "../../../shared/domain/decision-types.ts";
import { localDate } from "../../../shared/domain/time.ts";
import type { Level } from "../../../shared/learning/trust.ts";
import { defaultSpecText } from "../../../shared/runtime/local.ts";
import { publishSpec } from "../../../shared/usecases/admin.ts";
import type { Principal } from "../../../shared/usecases/principal.ts";
import { pinTrust } from "../../../shared/usecases/trust.ts";
import type { TestRuntime } from "../../helpers/runtime.ts";

/** The default spec's workspace time zone: daily counters are keyed by the day in this zone. */
export const WORKSPACE_TZ = "America/New_York";

export const approver: Principal = { subject: "user:alice", roles: ["approver"] };

/** The workspace day (YYYY-MM-DD) at the runtime's current simulated instant, or at `at`. */
export const workspaceDay = (rt: TestRuntime, at = rt.clock.now()) => localDate(at, WORKSPACE_TZ);

/** The raw value of a daily counter item in the state table (undefined when the item does not exist). */
export async function counterValue(
  rt: TestRuntime,
  counter: string,
  day = workspaceDay(rt),
): Promise<number | undefined> {
  const res = await rt.db.doc.send(
    new GetCommand({
      TableName: rt.db.tables.state,
      Key: stateKeys.counter(counter, day),
      ConsistentRead: true,
    }),
  );
  return res.Item?.count as number | undefined;
}

/** The counters a touch by `agentId` on `channel` bumps, read together. Missing items read as 0. */
export async function touchCounters(rt: TestRuntime, agentId: string, channel: string, day?: string) {
  const [agent, chan] = await Promise.all([
    counterValue(rt, counterNames.agent(agentId), day),
    counterValue(rt, counterNames.channel(channel), day),
  ]);
  return { agent: agent ?? 0, channel: chan ?? 0 };
}

/** The raw contact-state item of an account, including its TTL attribute. */
export async function rawContactState(rt: TestRuntime, accountId: string) {
  const res = await rt.db.doc.send(
    new GetCommand({
      TableName: rt.db.tables.state,
      Key: stateKeys.contact(accountId),
      ConsistentRead: true,
    }),
  );
  return res.Item as { touches: Touch[]; version: number; ttl?: number } | undefined;
}

/** Plant a contact-state item directly, as a previous process (and a TTL sweep that never came) left it. */
export async function putRawContactState(
  rt: TestRuntime,
  accountId: string,
  item: { touches: Touch[]; version: number; ttl: number },
) {
  await rt.db.doc.send(
    new PutCommand({ TableName: rt.db.tables.state, Item: { ...stateKeys.contact(accountId), ...item } }),
  );
}

/** The ledger events of one decision, in sequence order. */
export const decisionEvents = (rt: TestRuntime, decisionId: string) =>
  rt.deps.decisions.events(streams.decision(decisionId));

/** Due-queue items (scheduler work) for one decision, whenever they are due. */
export async function dueFor(rt: TestRuntime, decisionId: string) {
  const all = await rt.deps.decisions.dueItems(Date.parse("2100-01-01T00:00:00Z"), 1000);
  return all.filter((d) => d.decisionId === decisionId);
}

/** Pin an agent × action type at an autonomy level (an admin's pin; a ledger event). */
export async function pin(rt: TestRuntime, agentId: string, actionType: string, level: Level) {
  const spec = await rt.deps.specs.current();
  if (!spec) throw new Error("no spec published");
  return pinTrust(rt.deps, spec, agentId, actionType, level, "integration test", "admin");
}

/** The shipped default spec as a plain object, to modify and publish. */
export const defaultSpecObject = (): any => parse(defaultSpecText());

/** Publish the default spec changed by `mutate`; returns the new version. */
export async function publishVariant(rt: TestRuntime, mutate: (spec: any) => void) {
  const spec = defaultSpecObject();
  mutate(spec);
  const { spec: published, created } = await publishSpec(rt.deps, spec, "admin");
  if (!created) throw new Error("the variant equals the current spec");
  return published;
}

/** Every decision of an account, following pagination (reads the byAccount index). */
export async function decisionsOfAccount(rt: TestRuntime, accountId: string) {
  const out: Decision[] = [];
  let cursor: string | undefined;
  do {
    const page = await rt.deps.decisions.queryDecisions({
      accountId,
      limit: 100,
      ...(cursor ? { cursor } : {}),
    });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** The DynamoDB operations (GetItem, TransactWriteItems, ...) `fn` sends through the runtime's client, in order. */
export async function operationsOf<T>(
  rt: TestRuntime,
  fn: () => Promise<T>,
): Promise<{ ops: string[]; result: T }> {
  const ops: string[] = [];
  const name = `operationsOf${Math.random().toString(36).slice(2)}`;
  rt.db.raw.middlewareStack.add(
    (next, context) => async (args) => {
      ops.push((context.commandName ?? "?").replace(/Command$/, ""));
      return next(args);
    },
    { step: "finalizeRequest", name },
  );
  try {
    const result = await fn();
    return { ops, result };
  } finally {
    rt.db.raw.middlewareStack.remove(name);
  }
}

/** The same tables seen by a second process: its own decision store and data keys, the same master key. */
export const otherProcess = (rt: TestRuntime) =>
  new DynamoGateDecisionStore(
    rt.db,
    new DataKeys(rt.db, new LocalKeyWrapper(throwawayMasterKey(inject("dynamoEndpoint")))),
  );
