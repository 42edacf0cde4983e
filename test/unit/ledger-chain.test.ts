/**
 * The ledger chain's pure core: the canonical serialization, the event hash over what is stored, and
 * the digest's Merkle root (deterministic, and moved by any change to any head).
 */
import { createHash } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MemoryArchive } from "../../shared/adapters/local/file-archive.ts";
import {
  canonicalize,
  chainEvent,
  decisionRecordHash,
  EMPTY_ROOT,
  eventHash,
  GENESIS,
  headOf,
  merkleLeaf,
  merkleRoot,
  type StreamHead,
} from "../../shared/domain/ledger-chain.ts";
import { digestKey, digestTime } from "../../shared/usecases/archive.ts";
import { writeDigest } from "../../shared/usecases/ledger-digest.ts";
import { type LedgerReader, type StoredEvent, verifyLedger } from "../../shared/usecases/ledger-verify.ts";

const sha = (s: string) => createHash("sha256").update(s, "utf8").digest("hex");

const event = {
  pk: "DECISION#d_1",
  sk: "EVENT#00000002",
  stream: "DECISION#d_1",
  seq: 2,
  type: "approved",
  at: "2026-03-10T14:00:00.000Z",
  actor: "user:alice",
  detail: "approved by user:alice",
  data: { checks: [{ check: "icp", result: "pass" }], n: 1.5 },
};

describe("canonical serialization", () => {
  it("sorts keys at every depth, writes no whitespace and leaves out undefined members", () => {
    expect(canonicalize({ b: 1, a: { d: [1, "x", null], c: true }, u: undefined })).toBe(
      '{"a":{"c":true,"d":[1,"x",null]},"b":1}',
    );
  });

  it("is the same for any key order", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalize(reversed)).toBe(canonicalize(obj));
      }),
    );
  });

  it("is byte for byte the storage format as first defined, on any JSON-like value", () => {
    // The serialization as it was first written (entries, filter, sort, join): every stored hash was
    // made with it, so a faster one must agree with it on everything, undefined members included.
    const reference = (value: unknown): string => {
      if (value === null) return "null";
      if (Array.isArray(value))
        return `[${value.map((v) => (v === undefined ? "null" : reference(v))).join(",")}]`;
      if (typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>)
          .filter(([, v]) => v !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(",")}}`;
      }
      return JSON.stringify(value);
    };
    const value = fc.letrec((tie) => ({
      leaf: fc.oneof(
        fc.string({ unit: "binary" }),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
      ),
      node: fc.oneof(
        { depthSize: "small" },
        tie("leaf"),
        fc.array(fc.option(tie("node"), { nil: undefined })),
        fc.dictionary(fc.string({ unit: "binary" }), fc.option(tie("node"), { nil: undefined })),
      ),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalize(v)).toBe(reference(v));
      }),
      { numRuns: 500 },
    );
  });

  it("refuses what DynamoDB cannot store as a number", () => {
    expect(() => canonicalize({ n: Number.NaN })).toThrow(TypeError);
  });
});

describe("event hash", () => {
  it("is SHA-256 over the stored attributes but the keys, GSI attributes and the hash itself", () => {
    const { pk: _p, sk: _s, ...content } = event;
    expect(eventHash(event)).toBe(sha(canonicalize(content)));
    expect(eventHash({ ...event, pk: "X", sk: "Y", hash: "z", byStatusPk: "S", byStatusSk: "T" })).toBe(
      eventHash(event),
    );
  });

  it("changes with any attribute, prevHash included", () => {
    const chained = chainEvent(event, GENESIS);
    expect(chained.prevHash).toBe(GENESIS);
    expect(chained.hash).toBe(eventHash({ ...event, prevHash: GENESIS }));
    for (const change of [
      { actor: "user:alicf" },
      { seq: 3 },
      { data: { ...event.data, n: 1.25 } },
      { prevHash: "f".repeat(64) },
      { extra: "" },
    ])
      expect(eventHash({ ...chained, ...change })).not.toBe(chained.hash);
    expect(headOf(chained)).toEqual({ seq: 2, hash: chained.hash });
  });
});

const record = {
  pk: "DECISION#d_1",
  sk: "DECISION",
  byStatusPk: "STATUS#executed",
  byStatusSk: "2026-03-10T14:00:00.000Z#d_1",
  ledgerHead: { seq: 3, hash: "a".repeat(64) },
  decisionId: "d_1",
  verdict: "allow",
  status: "executed",
  checks: [{ check: "icp", result: "pass" }],
  sealedFor: "person:p_1",
  sealed: "v1.aaa.bbb.ccc",
};

describe("decision record hash", () => {
  it("is SHA-256 over the stored attributes but the keys, GSI attributes and the head", () => {
    const { pk: _p, sk: _s, byStatusPk: _bp, byStatusSk: _bs, ledgerHead: _h, ...content } = record;
    expect(decisionRecordHash(record)).toBe(sha(canonicalize(content)));
    expect(
      decisionRecordHash({ ...record, ledgerHead: { seq: 4, hash: "b".repeat(64) }, byAgentPk: "AGENT#x" }),
    ).toBe(decisionRecordHash(record));
  });

  it("changes with any other attribute", () => {
    for (const change of [
      { verdict: "allox" },
      { status: "vetoed" },
      { checks: [{ check: "icp", result: "fail" }] },
      { sealed: "v1.aaa.bbb.ccd" },
      { hash: "x" },
      { extra: "" },
    ])
      expect(decisionRecordHash({ ...record, ...change })).not.toBe(decisionRecordHash(record));
  });
});

const head = fc.record({
  stream: fc.stringMatching(/^[A-Z]+#[a-z0-9_]{1,12}$/),
  seq: fc.integer({ min: 1, max: 1e6 }),
  hash: fc.stringMatching(/^[0-9a-f]{64}$/),
});
const uniqueHeads = fc.uniqueArray(head, { selector: (h) => h.stream, minLength: 1, maxLength: 40 });

describe("Merkle root", () => {
  it("is the documented construction: sorted leaves stream|seq|hash, 0x00 leaf and 0x01 node prefixes", () => {
    const heads: StreamHead[] = [
      { stream: "SPEC", seq: 2, hash: "b".repeat(64) },
      { stream: "DECISION#d_1", seq: 4, hash: "a".repeat(64) },
      { stream: "TRUST#w#email.send", seq: 1, hash: "c".repeat(64) },
    ];
    const [l1, l2, l3] = heads.map(merkleLeaf).sort();
    const leaf = (l?: string) => sha(`\u0000${l}`);
    const expected = sha(`\u0001${sha(`\u0001${leaf(l1)}${leaf(l2)}`)}${leaf(l3)}`);
    expect(merkleLeaf(heads[0] as StreamHead)).toBe(`SPEC|2|${"b".repeat(64)}`);
    expect(merkleRoot(heads)).toBe(expected);
    expect(merkleRoot([])).toBe(EMPTY_ROOT);
  });

  it("is deterministic: the same heads in any order give the same root", () => {
    const withShuffle = uniqueHeads.chain((heads) =>
      fc.tuple(fc.constant(heads), fc.shuffledSubarray(heads, { minLength: heads.length })),
    );
    fc.assert(
      fc.property(withShuffle, ([heads, shuffled]) => {
        expect(merkleRoot(shuffled)).toBe(merkleRoot(heads));
      }),
    );
  });

  it("changes when any head changes, is added or is removed", () => {
    fc.assert(
      fc.property(
        uniqueHeads,
        fc.nat(),
        fc.constantFrom("seq", "hash", "stream", "drop", "add"),
        (heads, i, how) => {
          const at = i % heads.length;
          const h = heads[at] as StreamHead;
          const changed = [...heads];
          if (how === "seq") changed[at] = { ...h, seq: h.seq + 1 };
          if (how === "hash")
            changed[at] = { ...h, hash: `${h.hash.slice(0, -1)}${h.hash.endsWith("0") ? "1" : "0"}` };
          if (how === "stream") changed[at] = { ...h, stream: `${h.stream}x` };
          if (how === "drop") changed.splice(at, 1);
          if (how === "add") changed.push({ stream: "NEW#stream!", seq: 1, hash: h.hash });
          expect(merkleRoot(changed)).not.toBe(merkleRoot(heads));
        },
      ),
    );
  });
});

describe("digest keys", () => {
  it("are digests/dt=<date>/<iso-time>.json and parse back to their instant", () => {
    const at = "2026-03-10T14:00:00.000Z";
    expect(digestKey(at)).toBe("digests/dt=2026-03-10/2026-03-10T14:00:00.000Z.json");
    expect(digestTime(digestKey(at))).toBe(at);
    expect(digestTime("digests/dt=2026-03-11/2026-03-10T14:00:00.000Z.json")).toBeUndefined();
    expect(digestTime("events/dt=2026-03-10/a-b.ndjson.gz")).toBeUndefined();
  });
});

/**
 * An in-memory ledger: streams of chained events, heads recorded as their writers would. Streams named
 * DECISION#… also have a decision record, whose hash each of their events carries as a writer's would.
 */
function memoryLedger(streamsOf: Record<string, number>) {
  const events: StoredEvent[] = [];
  const heads: StreamHead[] = [];
  const records: { stream: string; item: Record<string, unknown> }[] = [];
  for (const [stream, n] of Object.entries(streamsOf)) {
    const decision = stream.startsWith("DECISION#");
    let prev = GENESIS;
    for (let seq = 1; seq <= n; seq++) {
      const stored = { decisionId: stream, verdict: "allow", version: seq };
      const item = chainEvent(
        {
          stream,
          seq,
          type: "t",
          at: "2026-03-10T14:00:00.000Z",
          actor: "a",
          detail: `${seq}`,
          ...(decision ? { decisionHash: decisionRecordHash(stored) } : {}),
        },
        prev,
      );
      events.push({ stream, keySeq: seq, item });
      prev = item.hash;
      if (decision && seq === n) records.push({ stream, item: { ...stored, ledgerHead: headOf(item) } });
    }
    heads.push({ stream, seq: n, hash: prev });
  }
  const reader: LedgerReader = {
    async *scan() {
      yield { events, heads, records };
    },
    stateHeads: async () => [],
  };
  return { events, heads, records, reader };
}

describe("verifyLedger over an in-memory ledger", () => {
  it("finds nothing in an untouched ledger, and a digest over it anchors --since", async () => {
    const { reader } = memoryLedger({ A: 3, B: 1 });
    const digests = new MemoryArchive();
    const clock = { now: () => Date.parse("2026-03-10T15:00:00Z") };
    expect(await verifyLedger({ ledger: reader, digests })).toMatchObject({
      ok: true,
      events: 4,
      streams: 2,
    });
    expect((await writeDigest({ ledger: reader, digests, clock })).written).toBe(true);
    const since = await verifyLedger({ ledger: reader, digests }, { since: "2026-03-11" });
    expect(since).toMatchObject({ ok: true, events: 2, anchor: expect.stringMatching(/^digests\//) });
  });

  it("names unchained events, reordered seqs and a digest whose root was edited", async () => {
    const { events, reader } = memoryLedger({ A: 3 });
    const digests = new MemoryArchive();
    const clock = { now: () => Date.parse("2026-03-10T15:00:00Z") };
    const { key } = (await writeDigest({ ledger: reader, digests, clock })) as { key: string };
    const digest = JSON.parse(await digests.getDigest(key));
    digests.objects.set(key, JSON.stringify({ ...digest, root: "0".repeat(64) }));
    const [e1, e2] = events as [StoredEvent, StoredEvent];
    const { hash: _h, prevHash: _p, ...bare } = e1.item;
    e1.item = bare;
    // Reordered: the event stored at seq 2 says it is seq 2 but follows nothing that was stored before it.
    e2.item = chainEvent({ ...e2.item, detail: "moved" }, "f".repeat(64));
    const { problems } = await verifyLedger({ ledger: reader, digests });
    expect(problems.map((p) => [p.kind, p.stream, p.seq])).toEqual(
      expect.arrayContaining([
        ["digest", "", 0],
        ["unchained", "A", 1],
        ["gap", "A", 2],
        ["gap", "A", 3],
      ]),
    );
    expect(problems.find((p) => p.kind === "digest")?.message).toBe("root does not match its heads");
  });

  it("names a decision record that no longer matches the decisionHash of its stream's last event", async () => {
    const { records, events, heads, reader } = memoryLedger({ "DECISION#d_1": 3, "DECISION#d_2": 2, A: 1 });
    const digests = new MemoryArchive();
    expect((await verifyLedger({ ledger: reader, digests })).problems).toEqual([]);
    const [r1, r2] = records as [(typeof records)[0], (typeof records)[0]];
    r1.item = { ...r1.item, verdict: "deny" };
    // The last event of d_2 rewritten (and rechained) without the record's hash: the record is uncovered.
    const at = events.findIndex((e) => e.stream === r2.stream && e.keySeq === 2);
    const { decisionHash: _d, hash: _h, ...rest } = (events[at] as StoredEvent).item;
    const prevHash = String(rest.prevHash);
    events[at] = { stream: r2.stream, keySeq: 2, item: chainEvent(rest, prevHash) };
    const rechained = headOf(events[at]?.item as { seq: number; hash: string });
    r2.item = { ...r2.item, ledgerHead: rechained };
    heads.splice(
      heads.findIndex((h) => h.stream === r2.stream),
      1,
      { stream: r2.stream, ...rechained },
    );
    const { problems } = await verifyLedger({ ledger: reader, digests });
    expect(problems.map((p) => [p.kind, p.stream, p.seq])).toEqual([
      ["record", "DECISION#d_1", 3],
      ["record", "DECISION#d_2", 2],
    ]);
    expect(problems[0]?.message).toMatch(/^decision record altered/);
    expect(problems[1]?.message).toMatch(/carries no decisionHash/);
  });

  it("two digests written at once both stand; a digest whose previous one is gone or changed is named", async () => {
    const { reader } = memoryLedger({ A: 2 });
    const digests = new MemoryArchive();
    const at = (t: string) => ({ now: () => Date.parse(t) });
    await writeDigest({ ledger: reader, digests, clock: at("2026-03-10T00:15:00Z") });
    // The schedule delivered twice (or an admin's digest meanwhile): both name the same previous one.
    const [a, b] = (await Promise.all([
      writeDigest({ ledger: reader, digests, clock: at("2026-03-11T00:15:00.000Z") }),
      writeDigest({ ledger: reader, digests, clock: at("2026-03-11T00:15:00.004Z") }),
    ])) as { key: string }[];
    const next = (await writeDigest({ ledger: reader, digests, clock: at("2026-03-12T00:15:00Z") })) as {
      key: string;
    };
    expect(JSON.parse(await digests.getDigest(next.key)).previous.key).toBe(b?.key);
    // Before, the second of the two "did not follow" the first, and the ledger never verified again.
    expect(await verifyLedger({ ledger: reader, digests })).toMatchObject({ ok: true, problems: [] });

    // A digest rewritten with another root: it, and the digest naming it, are reported. (The fork's
    // other digest, which no later digest names, is not missed by anyone if removed.)
    const first = JSON.parse(await digests.getDigest(b?.key as string));
    digests.objects.set(b?.key as string, JSON.stringify({ ...first, root: "1".repeat(64) }));
    digests.objects.delete(a?.key as string);
    const { problems } = await verifyLedger({ ledger: reader, digests });
    expect(problems.map((p) => [p.kind, p.digest, p.message])).toEqual(
      expect.arrayContaining([
        ["digest", b?.key, "root does not match its heads"],
        ["digest", next.key, `does not follow ${b?.key}: its root changed`],
      ]),
    );
    digests.objects.delete(b?.key as string);
    expect((await verifyLedger({ ledger: reader, digests })).problems.map((p) => p.message)).toContain(
      `does not follow: its previous digest ${b?.key} is missing`,
    );
  });

  it("a stream read again after the scan: an event altered since is still reported; a gap is not read again", async () => {
    const { events, reader } = memoryLedger({ A: 3, B: 3 });
    const [, , a3] = events as [StoredEvent, StoredEvent, StoredEvent];
    let rereads = 0;
    const scanned = events.filter((e) => e !== a3 && !(e.stream === "B" && e.keySeq === 2));
    const racing: LedgerReader = {
      ...reader,
      // The scan missed A's last event (written as it ran) and B's second is gone (deleted).
      async *scan() {
        for await (const page of reader.scan()) yield { ...page, events: scanned };
      },
      reread: async (stream, afterSeq) => {
        rereads++;
        // Read again, A's event 3 has had its content changed, its stored hash kept.
        const events =
          stream === "A" && afterSeq < 3 ? [{ ...a3, item: { ...a3.item, detail: "edited" } }] : [];
        return { events };
      },
    };
    const { ok, problems } = await verifyLedger({ ledger: racing, digests: new MemoryArchive() });
    expect(ok).toBe(false);
    expect(problems.map((p) => [p.kind, p.stream, p.seq])).toEqual(
      expect.arrayContaining([
        ["altered", "A", 3],
        ["gap", "B", 3],
      ]),
    );
    // A was read again once (its head is then in step); B's gap is no write during the scan.
    expect(rereads).toBe(1);
  });

  it("refuses a --since that is not a date", async () => {
    const { reader } = memoryLedger({ A: 1 });
    await expect(
      verifyLedger({ ledger: reader, digests: new MemoryArchive() }, { since: "yesterday" }),
    ).rejects.toThrow(/since: expected a date/);
  });
});
