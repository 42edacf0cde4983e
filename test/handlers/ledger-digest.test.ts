/**
 * The scheduled ledger digest as Lambda runs it: invoked with a real EventBridge Scheduled Event
 * payload, against DynamoDB Local, with an in-memory stand-in for the archive bucket.
 */
import { DeleteCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeHandler } from "../../functions/ledger/digest.ts";
import { ledgerKeys } from "../../shared/adapters/dynamo/keys.ts";
import { DynamoLedgerReader } from "../../shared/adapters/dynamo/ledger-reader.ts";
import { MemoryArchive } from "../../shared/adapters/local/file-archive.ts";
import { streams } from "../../shared/domain/decision.ts";
import { ValidationError } from "../../shared/domain/errors.ts";
import { readDigest } from "../../shared/usecases/ledger-verify.ts";
import { execute } from "../../shared/usecases/lifecycle.ts";
import { pinTrust } from "../../shared/usecases/trust.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, seedAcme } from "../helpers/world.ts";
import { fixture, lambdaContext } from "./lambda.ts";

let rt: TestRuntime;
const archive = new MemoryArchive();
beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
  await seedAcme(rt.deps, "dg-acme");
  const spec = await rt.deps.specs.current();
  if (!spec) throw new Error("no spec");
  await pinTrust(rt.deps, spec, "dg-writer", "email.send", 3, "handler test", "admin");
});
afterAll(() => rt?.close());

const ctx = lambdaContext("dev-harness-ledger-digest");
type Written = { written: true; key: string; root: string };
const handler = () =>
  makeHandler(() => ({ ledger: new DynamoLedgerReader(rt.db), digests: archive, clock: rt.clock }));

describe("EventBridge schedule: ledger digest", () => {
  it("verifies since the previous digest and writes the next one to the archive", async () => {
    const { decision } = await rt.deps.gate.propose(
      emailProposal("dg-writer", "dg-acme"),
      agent("dg-writer"),
    );
    await execute(rt.deps, decision.decisionId);
    const first = (await handler()(fixture("eventbridge-scheduled-event.json"), ctx)) as Written;
    expect(first).toMatchObject({ written: true, key: expect.stringMatching(/^digests\/dt=2026-03-10\//) });
    const digest = await readDigest(archive, first.key);
    expect(digest.heads).toContainEqual(
      expect.objectContaining({ stream: streams.decision(decision.decisionId), seq: 3 }),
    );
    // The schedule delivered again the same day writes no second digest.
    expect(await handler()(fixture("eventbridge-scheduled-event.json"), ctx)).toEqual({
      written: false,
      already: first.key,
    });
    rt.clock.advance(24 * 3_600_000);
    const second = (await handler()(fixture("eventbridge-scheduled-event.json"), ctx)) as Written;
    expect(second).toMatchObject({ written: true, root: first.root });
    expect((await readDigest(archive, second.key)).previous).toEqual({ key: first.key, root: first.root });
  });

  it("a write while the scan runs is no tampering: the stream is read again; a removed event still is", async () => {
    const spec = await rt.deps.specs.current();
    if (!spec) throw new Error("no spec");
    /** The ledger as the digest reads it, with `during` run after the scan's first page. */
    class WrittenDuringScan extends DynamoLedgerReader {
      constructor(private readonly during: () => Promise<unknown>) {
        super(rt.db);
      }
      override async *scan() {
        let first = true;
        for await (const page of super.scan()) {
          yield page;
          if (first) await this.during();
          first = false;
        }
      }
    }
    // A trust change commits mid-scan: its head (in the state table, read after the scan) is ahead
    // of the trust events the scan read. Before, that was "the last event(s) were removed".
    let level: 1 | 2 = 1;
    const busy = () => {
      level = level === 1 ? 2 : 1;
      return pinTrust(rt.deps, spec, "dg-busy", "email.send", level, "busy night", "admin");
    };
    await busy();
    rt.clock.advance(24 * 3_600_000);
    const during = makeHandler(() => ({
      ledger: new WrittenDuringScan(busy),
      digests: archive,
      clock: rt.clock,
    }));
    expect(await during(fixture("eventbridge-scheduled-event.json"), ctx)).toMatchObject({ written: true });

    // A removed last event is read again too, and still reported: it does not come back.
    const stream = streams.trust("dg-busy", "email.send");
    const events = await rt.db.doc.send(
      new QueryCommand({
        TableName: rt.db.tables.ledger,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": stream },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const last = events.Items?.[0] as { pk: string; sk: string } & Record<string, unknown>;
    await rt.db.doc.send(
      new DeleteCommand({ TableName: rt.db.tables.ledger, Key: { pk: last.pk, sk: last.sk } }),
    );
    rt.clock.advance(24 * 3_600_000);
    const out = await handler()(fixture("eventbridge-scheduled-event.json"), ctx);
    expect(out).toMatchObject({ written: false, problems: expect.any(Number) });
    // Put back, for the tests after this one.
    await rt.db.doc.send(new PutCommand({ TableName: rt.db.tables.ledger, Item: last }));
  });

  it("a ledger changed since the last digest gets no digest; the problems are reported", async () => {
    const { decision } = await rt.deps.gate.propose(
      emailProposal("dg-writer", "dg-acme", "dg-acme-bob"),
      agent("dg-writer"),
    );
    const stream = streams.decision(decision.decisionId);
    const res = await rt.db.doc.send(
      new QueryCommand({
        TableName: rt.db.tables.ledger,
        KeyConditionExpression: "pk = :pk AND sk = :sk",
        ExpressionAttributeValues: { ":pk": stream, ":sk": ledgerKeys.event(stream, 1).sk },
      }),
    );
    const event = res.Items?.[0] ?? {};
    await rt.db.doc.send(new PutCommand({ TableName: rt.db.tables.ledger, Item: { ...event, actor: "x" } }));
    const before = (await archive.digestKeys()).length;
    rt.clock.advance(24 * 3_600_000);
    const out = await handler()(fixture("eventbridge-scheduled-event.json"), ctx);
    expect(out).toEqual({ written: false, problems: 1 });
    expect(await archive.digestKeys()).toHaveLength(before);
  });

  it("refuses an event that is not a Scheduled Event, naming the field", async () => {
    const wrong = fixture("eventbridge-decision-made.json");
    await expect(handler()(wrong, ctx)).rejects.toThrow(ValidationError);
    await expect(handler()(wrong, ctx)).rejects.toThrow(/event\.detail-type/);
  });
});
