/**
 * The signals loop's scheduled function (functions/learning/signals-refit.ts) as Lambda runs it:
 * invoked with a real EventBridge Scheduled Event payload, against DynamoDB Local, built with the
 * stores its entry builds. Touches whose accounts showed website visits book meetings and those that
 * showed G2 research do not; the daily run refits the weights as a draft in shadow, scaled on the
 * account directory, and a second delivery of the same day's event makes no second draft.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { directoryOf, makeHandler } from "../../functions/learning/signals-refit.ts";
import { DynamoAgentKnowledgeStore } from "../../shared/adapters/dynamo/agent-kb-store.ts";
import { ValidationError } from "../../shared/domain/errors.ts";
import { SIGNALS_STORES } from "../../shared/runtime/aws-stores.ts";
import { addSignals, publishSpec, putAccount } from "../../shared/usecases/admin.ts";
import { recordOutcome } from "../../shared/usecases/outcomes.ts";
import { pinTrust } from "../../shared/usecases/trust.ts";
import { startRuntime, type TestRuntime } from "../helpers/runtime.ts";
import { acme, agent, emailProposal, seedAcme } from "../helpers/world.ts";
import { awsRuntimeFor, fixture, lambdaContext } from "./lambda.ts";

let rt: TestRuntime;
let agentKb: DynamoAgentKnowledgeStore;
const ADMIN = { subject: "admin", roles: ["admin"] };
const HOUR = 3_600_000;

beforeAll(async () => {
  rt = await startRuntime({ runWorkers: false });
  agentKb = new DynamoAgentKnowledgeStore(rt.db);
  const current = await rt.deps.specs.current();
  if (!current) throw new Error("no spec");
  const learning = {
    ...(current.spec.learning ?? {}),
    signals: { minReplies: 4, minMeetings: 4, priorSd: 1 },
  };
  const { spec } = await publishSpec(rt.deps, { ...current.spec, learning }, "admin");
  await pinTrust(rt.deps, spec, "sr-writer", "email.send", 3, "handler test", "admin");
  // Eight touched accounts (three pricing visits each, and two website visits or two G2 researches);
  // the website visitors book.
  for (let i = 0; i < 4; i++)
    for (const [prefix, type] of [
      ["srw", "website_visit"],
      ["srg", "g2_research"],
    ] as const) {
      const accountId = `${prefix}${i}`;
      await seedAcme(rt.deps, accountId);
      await agentKb.indexAccount(accountId);
      const now = rt.clock.now();
      await addSignals(rt.deps, {
        signals: [1, 2].map((h) => ({ accountId, type, occurredAt: new Date(now - h * HOUR).toISOString() })),
      });
      const { decision } = await rt.deps.gate.propose(
        emailProposal("sr-writer", accountId),
        agent("sr-writer"),
      );
      expect(decision.status).toBe("dispatched");
      if (prefix === "srw")
        await recordOutcome(rt.deps, { decisionId: decision.decisionId, type: "meeting_booked" }, ADMIN);
    }
  // Four accounts nobody touched, under the bar of 60: six website visits (30 points) and nothing else.
  for (let i = 0; i < 4; i++) {
    const accountId = `sru${i}`;
    await putAccount(rt.deps, accountId, { ...acme, domain: `${accountId}.io` });
    await agentKb.indexAccount(accountId);
    const now = rt.clock.now();
    await addSignals(rt.deps, {
      signals: [1, 2, 3, 4, 5, 6].map((h) => ({
        accountId,
        type: "website_visit",
        occurredAt: new Date(now - h * HOUR).toISOString(),
      })),
    });
  }
});
afterAll(() => rt?.close());

const ctx = lambdaContext("dev-harness-signals-refit");
const handler = () =>
  makeHandler(() => ({
    runtime: awsRuntimeFor(rt, { stores: SIGNALS_STORES }),
    // The deployed entry's own directory reads.
    directory: directoryOf(rt.db),
  }));

describe("EventBridge schedule: the signals loop", () => {
  it("refuses what is not a scheduled event, and writes nothing", async () => {
    const before = (await rt.deps.specs.current())?.version;
    await expect(handler()({ source: "aws.s3" }, ctx)).rejects.toThrow(ValidationError);
    expect((await rt.deps.specs.current())?.version).toBe(before);
  });

  it("refits the weights as a draft in shadow, scaled on the directory; the same day's redelivery drafts nothing", async () => {
    const out = (await handler()(fixture("eventbridge-scheduled-event.json"), ctx)) as {
      action: string;
      draftId: string;
    };
    expect(out.action).toBe("refit");
    const draft = await rt.deps.drafts?.get(out.draftId);
    expect(draft).toMatchObject({
      status: "shadow",
      kind: "weights",
      correction: { kind: "refit", meetings: 4 },
    });
    expect(draft?.weights?.to.website_visit).toBeGreaterThan(draft?.weights?.to.g2_research as number);
    // Eight of the twelve accounts clear the bar now (the touched ones); under the refit the six-visit
    // accounts rank first, and its scale keeps eight over the bar.
    expect(draft?.weights?.scaledBy).toEqual({ accountsOver: 8, icpAccounts: 12, inForceOver: 8 });
    const current = await rt.deps.specs.current();
    expect(current?.spec.learning?.signals?.shadow?.draftId).toBe(out.draftId);

    const again = (await handler()(fixture("eventbridge-scheduled-event.json"), ctx)) as { action: string };
    expect(again.action).toBe("shadow");
    expect((await rt.deps.specs.current())?.version).toBe(current?.version);
  });

  it("reads the directory as the entry wires it: every id, sorted; the accounts asked for, in that order, the unknown left out", async () => {
    const directory = directoryOf(rt.db);
    const ids = await directory.accountIds();
    expect(ids).toHaveLength(12);
    expect(ids).toEqual([...ids].sort());
    const accounts = await directory.accounts(["sru1", "nobody", "srw0"]);
    expect(accounts.map((a) => a.accountId)).toEqual(["sru1", "srw0"]);
    // The agents' store answers with the same reads (its methods call them).
    expect(await agentKb.listAccountIds()).toEqual(ids);
    expect(await agentKb.getAccounts(["sru1", "nobody", "srw0"])).toEqual(accounts);
  });
});
