/**
 * The verifiable ledger against DynamoDB Local: every event chains its stream's previous event, a
 * realistic run verifies, and tampering with the stored items directly (one byte changed, an event
 * deleted in the middle or at the end, two events' contents swapped, history rewritten consistently
 * after a digest) is found and named by stream and seq.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DeleteCommand, GetCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ledgerHeadLocation, ledgerKeys } from "../../shared/adapters/dynamo/keys.ts";
import { type Decision, streams } from "../../shared/domain/decision.ts";
import { ConflictError } from "../../shared/domain/errors.ts";
import {
  chainEvent,
  decisionRecordHash,
  eventHash,
  GENESIS,
  merkleRoot,
} from "../../shared/domain/ledger-chain.ts";
import { DAY, iso } from "../../shared/domain/time.ts";
import { createPause } from "../../shared/usecases/admin.ts";
import { digestNow, writeDigest } from "../../shared/usecases/ledger-digest.ts";
import { type LedgerProblem, readDigest, verifyLedger } from "../../shared/usecases/ledger-verify.ts";
import { approve, execute, expire, reject, veto } from "../../shared/usecases/lifecycle.ts";
import { recordOutcome } from "../../shared/usecases/outcomes.ts";
import { pinTrust } from "../../shared/usecases/trust.ts";
import { STORES, startRuntime, startServer, type TestRuntime } from "../helpers/runtime.ts";
import { agent, emailProposal, linkedinProposal, seedAcme } from "../helpers/world.ts";
import { approver, pin, publishVariant } from "./helpers/store.ts";

type Item = Record<string, unknown>;
const admin = { subject: "user:root", roles: ["admin"] };

// Every invariant holds on DynamoDB Local and on the in-process engine the simulation runs on.
describe.each(STORES)("on %s", (store) => {
  let rt: TestRuntime;
  beforeEach(async () => {
    rt = await startRuntime({ store, runWorkers: false });
  });
  afterEach(() => rt.close());

  const integrity = () => {
    const deps = rt.deps.ledgerIntegrity;
    if (!deps) throw new Error("the local runtime wires ledger integrity");
    return { ...deps, clock: rt.clock };
  };
  const verify = (since?: string) => verifyLedger(integrity(), since ? { since } : {});

  /** The raw items of a stream as stored, oldest first. */
  async function rawEvents(stream: string): Promise<Item[]> {
    const res = await rt.db.doc.send(
      new QueryCommand({
        TableName: rt.db.tables.ledger,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :e)",
        ExpressionAttributeValues: { ":pk": stream, ":e": ledgerKeys.eventPrefix },
        ConsistentRead: true,
      }),
    );
    return res.Items ?? [];
  }

  /** A decision record (the item with sk DECISION) as stored. */
  async function rawDecision(decisionId: string): Promise<Item> {
    const res = await rt.db.doc.send(
      new GetCommand({
        TableName: rt.db.tables.ledger,
        Key: ledgerKeys.decision(decisionId),
        ConsistentRead: true,
      }),
    );
    if (!res.Item) throw new Error(`no decision record ${decisionId}`);
    return res.Item;
  }

  /** Every event of a decision's stream was written with its record: each carries the record's hash as it
   * then was, and the last one the hash of the record as it is now. */
  async function expectRecordChained(decisionId: string) {
    const events = await rawEvents(streams.decision(decisionId));
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) expect(e.decisionHash).toMatch(/^[0-9a-f]{64}$/);
    expect(events.at(-1)?.decisionHash).toBe(decisionRecordHash(await rawDecision(decisionId)));
  }

  /** One byte changed: the last character of a string. */
  const oneByte = (s: string) => `${s.slice(0, -1)}${s.endsWith("x") ? "y" : "x"}`;

  const putRaw = (item: Item) =>
    rt.db.doc.send(new PutCommand({ TableName: rt.db.tables.ledger, Item: item }));
  const deleteRaw = (item: Item) =>
    rt.db.doc.send(
      new DeleteCommand({
        TableName: rt.db.tables.ledger,
        Key: { pk: item.pk as string, sk: item.sk as string },
      }),
    );

  /** Gate decisions, approvals, a rejection, an override window, outcomes, trust changes, a spec and pauses. */
  async function realisticRun(): Promise<{ executed: Decision; approved: Decision }> {
    for (const a of ["acme", "beta", "gamma", "delta"]) await seedAcme(rt.deps, a);
    await pin(rt, "writer", "email.send", 3);
    const allowed = (await rt.deps.gate.propose(emailProposal("writer", "acme"), agent("writer"))).decision;
    expect(allowed.verdict).toBe("allow");
    const executed = (await execute(rt.deps, allowed.decisionId)) as Decision;
    expect(executed.status).toBe("executed");
    // The same account again today: deferred (a decision with only its first event).
    const deferred = (await rt.deps.gate.propose(emailProposal("writer", "acme"), agent("writer"))).decision;
    expect(deferred.verdict).toBe("defer");
    // Level 1: approved and executed; another one rejected.
    const pending = (await rt.deps.gate.propose(linkedinProposal("li", "beta"), agent("li"))).decision;
    expect(pending.verdict).toBe("require_approval");
    await approve(rt.deps, pending.decisionId, { digest: pending.payloadDigest, note: "fine" }, approver);
    const approved = (await execute(rt.deps, pending.decisionId)) as Decision;
    const toReject = (await rt.deps.gate.propose(linkedinProposal("li", "gamma"), agent("li"))).decision;
    await reject(rt.deps, toReject.decisionId, { note: "not now" }, approver);
    // Level 2: the override window closes on the scheduler's clock.
    await pin(rt, "sched", "email.send", 2);
    const scheduled = (await rt.deps.gate.propose(emailProposal("sched", "delta"), agent("sched"))).decision;
    expect(scheduled.verdict).toBe("schedule");
    rt.clock.advance(31 * 60_000);
    await rt.scheduler.tick();
    expect((await rt.deps.decisions.getDecision(scheduled.decisionId))?.status).toBe("executed");
    // Outcomes: attributed (a transition, trust, a stop-on-reply pause) and unattributed (appendEvent).
    await recordOutcome(rt.deps, { decisionId: executed.decisionId, type: "replied" }, approver);
    await recordOutcome(rt.deps, { personId: "gamma-bob", type: "replied" }, approver);
    await recordOutcome(rt.deps, { personId: "gamma-bob", type: "meeting_booked" }, approver);
    // Trust: a pin removed, a spec published, a pause created and lifted.
    const spec = await rt.deps.specs.current();
    if (!spec) throw new Error("no spec");
    await pinTrust(rt.deps, spec, "sched", "email.send", null, "done", "admin");
    await publishVariant(rt, (s) => {
      s.volume.accountsPerOwnerPerDay = 41;
    });
    const pause = await createPause(rt.deps, { scope: "agent", target: "li", reason: "review week" }, admin);
    await rt.deps.pauses.remove(pause.pauseId, "admin", iso(rt.clock.now()));
    return { executed, approved };
  }

  const problemsOf = (problems: LedgerProblem[], stream: string) =>
    problems.filter((p) => p.stream === stream);

  describe("the hash chain", () => {
    it("an untouched ledger after a realistic run verifies, every event chaining its stream's previous one", async () => {
      const { executed } = await realisticRun();
      const result = await verify();
      expect(result.problems).toEqual([]);
      expect(result.ok).toBe(true);
      // decisions, 2 trust streams, the spec, 2 pauses (stop-on-reply and the admin's), a person's outcomes
      expect(result.streams).toBeGreaterThanOrEqual(12);
      const stream = streams.decision(executed.decisionId);
      const events = await rawEvents(stream);
      expect(events.map((e) => e.type)).toEqual(["decided", "executing", "executed", "outcome"]);
      events.forEach((e, i) => {
        expect(e.prevHash).toBe(i === 0 ? GENESIS : events[i - 1]?.hash);
        expect(e.hash).toBe(eventHash(e));
      });
      const decisionItem = await rt.db.doc.send(
        new GetCommand({ TableName: rt.db.tables.ledger, Key: ledgerKeys.decision(executed.decisionId) }),
      );
      expect(decisionItem.Item?.ledgerHead).toEqual({ seq: 4, hash: events[3]?.hash });
      await expectRecordChained(executed.decisionId);
      // The head is bookkeeping: the decision the API returns does not carry it.
      expect(await rt.deps.decisions.getDecision(executed.decisionId)).not.toHaveProperty("ledgerHead");
      for (const s of ["SPEC", streams.trust("sched", "email.send"), streams.personOutcomes("gamma-bob")]) {
        const chain = await rawEvents(s);
        expect(chain.length).toBeGreaterThan(1);
        chain.forEach((e, i) => {
          expect(e.prevHash).toBe(i === 0 ? GENESIS : chain[i - 1]?.hash);
        });
      }
    });

    it("one byte of one attribute changed in DynamoDB: verify names that stream and seq", async () => {
      const { executed } = await realisticRun();
      const stream = streams.decision(executed.decisionId);
      const [, target] = await rawEvents(stream);
      const actor = String(target?.actor);
      await putRaw({ ...target, actor: `${actor.slice(0, -1)}${actor.endsWith("x") ? "y" : "x"}` });
      const result = await verify();
      expect(result.ok).toBe(false);
      expect(result.problems).toEqual([expect.objectContaining({ kind: "altered", stream, seq: 2 })]);
    });

    it.each(["verdict", "sealed", "status"])(
      "one byte of a decision record's %s changed in DynamoDB: verify names the decision's stream and its last event",
      async (attribute) => {
        const { executed } = await realisticRun();
        const stream = streams.decision(executed.decisionId);
        const last = (await rawEvents(stream)).at(-1) as Item;
        const record = await rawDecision(executed.decisionId);
        expect(typeof record[attribute]).toBe("string");
        await putRaw({ ...record, [attribute]: oneByte(String(record[attribute])) });
        const result = await verify();
        expect(result.ok).toBe(false);
        expect(result.problems).toEqual([expect.objectContaining({ kind: "record", stream, seq: last.seq })]);
        expect(result.problems[0]?.message).toMatch(/^decision record altered/);
      },
    );

    it("after approve, execute, veto, reject and expire, every decision record matches its stream's last event", async () => {
      for (const a of ["acme", "beta", "gamma", "delta"]) await seedAcme(rt.deps, a);
      await pin(rt, "sched", "email.send", 2);
      const scheduled = (await rt.deps.gate.propose(emailProposal("sched", "acme"), agent("sched"))).decision;
      expect(scheduled.status).toBe("scheduled");
      expect((await veto(rt.deps, scheduled.decisionId, { note: "no" }, approver)).status).toBe("vetoed");
      const toApprove = (await rt.deps.gate.propose(linkedinProposal("li", "beta"), agent("li"))).decision;
      await approve(rt.deps, toApprove.decisionId, { digest: toApprove.payloadDigest, note: "ok" }, approver);
      expect((await execute(rt.deps, toApprove.decisionId))?.status).toBe("executed");
      const toReject = (await rt.deps.gate.propose(linkedinProposal("li", "gamma"), agent("li"))).decision;
      await reject(rt.deps, toReject.decisionId, { note: "not now" }, approver);
      const toExpire = (await rt.deps.gate.propose(linkedinProposal("li", "delta"), agent("li"))).decision;
      expect(toExpire.expiresAt).toBeDefined();
      rt.clock.advance(Date.parse(toExpire.expiresAt as string) - rt.clock.now() + 1);
      expect((await expire(rt.deps, toExpire.decisionId))?.status).toBe("expired");
      const result = await verify();
      expect(result.problems).toEqual([]);
      for (const d of [scheduled, toApprove, toReject, toExpire]) await expectRecordChained(d.decisionId);
    });

    it("an event deleted in the middle: verify names the stream and the gap", async () => {
      const { executed } = await realisticRun();
      const stream = streams.decision(executed.decisionId);
      const events = await rawEvents(stream);
      await deleteRaw(events[1] as Item);
      const result = await verify();
      expect(result.problems).toEqual([expect.objectContaining({ kind: "gap", stream, seq: 3 })]);
      expect(result.problems[0]?.message).toContain("between seq 1 and seq 3");
    });

    it("the last event of a decision deleted: verify names the stream's head", async () => {
      const { approved } = await realisticRun();
      const stream = streams.decision(approved.decisionId);
      const events = await rawEvents(stream);
      await deleteRaw(events.at(-1) as Item);
      const result = await verify();
      expect(result.problems).toEqual([
        expect.objectContaining({ kind: "head", stream, seq: events.length }),
      ]);
      expect(result.problems[0]?.message).toContain("removed");
    });

    it("two events' contents swapped: verify names the stream at both places", async () => {
      const { executed } = await realisticRun();
      const stream = streams.decision(executed.decisionId);
      const [, second, third] = await rawEvents(stream);
      const content = ({ pk: _p, sk: _s, ...rest }: Item) => rest;
      await putRaw({ pk: second?.pk, sk: second?.sk, ...content(third as Item) });
      await putRaw({ pk: third?.pk, sk: third?.sk, ...content(second as Item) });
      const result = await verify();
      expect(result.ok).toBe(false);
      const named = problemsOf(result.problems, stream);
      expect(named).toEqual(result.problems);
      expect(new Set(named.map((p) => p.seq))).toEqual(new Set([2, 3, 4]));
      expect(named.filter((p) => p.kind === "misplaced").map((p) => p.seq)).toEqual([2, 3]);
    });

    it("50 concurrent appends to one stream make one unbroken chain", async () => {
      const stream = streams.personOutcomes("p-busy");
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          rt.deps.decisions.appendEvent({
            stream,
            type: "outcome",
            at: iso(rt.clock.now()),
            actor: "webhook",
            detail: `opened #${i}`,
          }),
        ),
      );
      const events = await rawEvents(stream);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(new Set(events.map((e) => e.detail)).size).toBe(50);
      events.forEach((e, i) => {
        expect(e.prevHash).toBe(i === 0 ? GENESIS : events[i - 1]?.hash);
        expect(e.hash).toBe(eventHash(e));
      });
      const head = await rt.db.doc.send(
        new GetCommand({ TableName: rt.db.tables.ledger, Key: ledgerHeadLocation(stream).key }),
      );
      expect(head.Item?.ledgerHead).toEqual({ seq: 50, hash: events[49]?.hash });
      expect((await verify()).problems).toEqual([]);
    });
  });

  describe("digests", () => {
    it("a digest records every stream's head under a Merkle root; it changes when a head changes", async () => {
      await realisticRun();
      const first = await digestNow(integrity());
      expect(first.key).toBe(`digests/dt=${iso(rt.clock.now()).slice(0, 10)}/${iso(rt.clock.now())}.json`);
      const digest = await readDigest(integrity().digests, first.key);
      expect(digest.root).toBe(merkleRoot(digest.heads));
      expect(digest.previous).toBeNull();
      expect(digest.heads.find((h) => h.stream === "SPEC")?.seq).toBe(2);
      // Digests are written once: a second one at the same instant is refused, not overwritten.
      await expect(digestNow(integrity())).rejects.toThrow(ConflictError);
      // Nothing changed: the same root. One new event anywhere: another root, naming the previous digest.
      rt.clock.advance(60_000);
      expect((await digestNow(integrity())).root).toBe(first.root);
      rt.clock.advance(60_000);
      await rt.deps.decisions.appendEvent({
        stream: streams.personOutcomes("gamma-bob"),
        type: "outcome",
        at: iso(rt.clock.now()),
        actor: "webhook",
        detail: "opened",
      });
      const third = await digestNow(integrity());
      expect(third.root).not.toBe(first.root);
      expect((await readDigest(integrity().digests, third.key)).previous?.root).toBe(first.root);
    });

    it("history rewritten consistently after a digest (hashes and head recomputed): the digest names it", async () => {
      await realisticRun();
      const stream = streams.personOutcomes("gamma-bob");
      const { key } = await digestNow(integrity());
      const events = await rawEvents(stream);
      const last = events.at(-1) as Item;
      const { hash: _h, prevHash, ...rest } = last;
      const forged = chainEvent({ ...rest, type: "outcome", detail: "bounced" }, String(prevHash));
      await putRaw(forged);
      const headKey = ledgerHeadLocation(stream).key;
      await putRaw({ ...headKey, stream, ledgerHead: { seq: last.seq, hash: forged.hash } });
      const result = await verify();
      expect(result.problems).toEqual([
        expect.objectContaining({ kind: "rewritten", stream, seq: last.seq, digest: key }),
      ]);
    });

    it("a ledger that does not verify gets no digest", async () => {
      const { executed } = await realisticRun();
      const events = await rawEvents(streams.decision(executed.decisionId));
      await deleteRaw(events[1] as Item);
      const outcome = await writeDigest(integrity());
      expect(outcome.written).toBe(false);
      await expect(digestNow(integrity())).rejects.toThrow(/does not verify/);
      expect(await integrity().digests.digestKeys()).toEqual([]);
    });

    it("--since starts from the digest before that date: only what follows it is hashed", async () => {
      const { executed } = await realisticRun();
      await digestNow(integrity());
      const full = await verify();
      rt.clock.advance(DAY);
      const day2 = iso(rt.clock.now()).slice(0, 10);
      await recordOutcome(rt.deps, { decisionId: executed.decisionId, type: "meeting_booked" }, approver);
      const since = await verify(day2);
      expect(since.problems).toEqual([]);
      expect(since.anchor).toMatch(/^digests\/dt=/);
      expect(since.events).toBeLessThan(full.events);
      // An event after the anchor altered: found. (Before the anchor, only a full verify looks.)
      const events = await rawEvents(streams.decision(executed.decisionId));
      const latest = events.at(-1) as Item;
      await putRaw({ ...latest, actor: "someone-else" });
      expect((await verify(day2)).problems).toEqual([
        expect.objectContaining({
          kind: "altered",
          stream: streams.decision(executed.decisionId),
          seq: latest.seq,
        }),
      ]);
    });
  });

  describe("the local runtime's daily digest", () => {
    it("is written once a day on the scheduler's clock to <dataDir>/archive/ (dirs 0700, files 0600)", async () => {
      const dir = mkdtempSync(join(tmpdir(), "harness-archive-"));
      const local = await startRuntime({ store, runWorkers: false, archiveDir: join(dir, "archive") });
      try {
        await seedAcme(local.deps, "acme");
        await local.deps.gate.propose(emailProposal("writer", "acme"), agent("writer"));
        const digests = () => local.deps.ledgerIntegrity?.digests.digestKeys() ?? Promise.resolve([]);
        expect(await local.scheduler.cycle()).toBe(true);
        expect(await digests()).toHaveLength(1);
        // Later the same day: nothing new. The next day: one more, after the previous one.
        local.clock.advance(3_600_000);
        await local.scheduler.cycle();
        expect(await digests()).toHaveLength(1);
        local.clock.advance(DAY);
        await local.scheduler.cycle();
        const keys = (await digests()).sort();
        expect(keys).toHaveLength(2);
        const file = join(dir, "archive", ...(keys[1] as string).split("/"));
        expect(statSync(file).mode & 0o777).toBe(0o600);
        for (const d of [join(dir, "archive"), join(dir, "archive", "digests"), dirname(file)])
          expect(statSync(d).mode & 0o777).toBe(0o700);
        const digest = JSON.parse(readFileSync(file, "utf8"));
        expect(digest.previous.key).toBe(keys[0]);
        expect(digest.root).toBe(merkleRoot(digest.heads));
      } finally {
        await local.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("GET /v1/ledger/verify and POST /v1/ledger/digest", () => {
    it("admins verify and digest over HTTP; others may not", async () => {
      const { executed } = await realisticRun();
      const server = await startServer(rt);
      try {
        const adminToken = await server.token("root", "admin");
        const viewer = await server.token("v", "viewer");
        expect((await server.call("GET", "/v1/ledger/verify", viewer)).status).toBe(403);
        const ok = await server.call("GET", "/v1/ledger/verify", adminToken);
        expect(ok.status).toBe(200);
        expect(ok.body).toMatchObject({ ok: true, problems: [] });
        expect((await server.call("GET", "/v1/ledger/verify?since=yesterday", adminToken)).status).toBe(400);
        const digest = await server.call("POST", "/v1/ledger/digest", adminToken);
        expect(digest.status).toBe(201);
        expect(digest.body.key).toMatch(/^digests\/dt=\d{4}-\d{2}-\d{2}\//);
        // After the digest: a new event, then one byte of it changed.
        rt.clock.advance(60_000);
        await recordOutcome(rt.deps, { decisionId: executed.decisionId, type: "meeting_booked" }, approver);
        const stream = streams.decision(executed.decisionId);
        const target = (await rawEvents(stream)).at(-1) as Item;
        await putRaw({ ...target, at: `${String(target.at).slice(0, -2)}9Z` });
        const bad = await server.call("GET", "/v1/ledger/verify", adminToken);
        expect(bad.body.ok).toBe(false);
        expect(bad.body.problems).toEqual([
          expect.objectContaining({ kind: "altered", stream, seq: target.seq }),
        ]);
        const refused = await server.call("POST", "/v1/ledger/digest", adminToken);
        expect(refused.status).toBe(409);
        expect(refused.body.message).toContain("1 problem");
      } finally {
        await server.close();
      }
    });
  });
});
