/**
 * The deployment's config as synthesis reads it (infra/config.ts): a misspelt `-c harness:<key>` is
 * refused naming it, where it was ignored (the deployment kept the default: a dry run, no alarm
 * email); and what a config suggests but will not do is said (configNotices: synth warnings).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configFromContext, configNotices } from "../../infra/config.ts";

/** The notices but the one naming the systems a live run leaves on the outbox (its own test). */
const others = (...a: Parameters<typeof configNotices>) =>
  configNotices(...a).filter((n) => !/^harness\.connectors names no /.test(n));
const from = (context: Record<string, unknown>) => configFromContext((k) => context[k], Object.keys(context));
/** HubSpot's webhook secrets as a live deployment should have them: the client secret apart. */
const HUBSPOT_SECRETS = {
  "hubspot-webhook": "arn:aws:secretsmanager:us-east-1:123456789012:secret:hs-wh-AbCdEf",
  "hubspot-signing": "arn:aws:secretsmanager:us-east-1:123456789012:secret:hs-sign-AbCdEf",
};

describe("the deployment's config", () => {
  it("the shipped cdk.json leaves the agents' schedules to the spec's workspace time zone", () => {
    // A scheduleTimezone there fixed every deployment's schedules in it (it said UTC: the outreach
    // writer drafted at 04:00 in New York), whatever the published spec's zone.
    const cdk = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8"));
    const config = configFromContext((k) => cdk.context[k], Object.keys(cdk.context));
    expect(config.scheduleTimezone).toBeUndefined();
    expect(config.stage).toBe("dev");
  });

  it("refuses a harness: key that names no setting, and lists the settings", () => {
    expect(() => from({ "harness:connector": '{"dryRun":false}' })).toThrow(
      /harness:connector: no such setting \(the settings: harness:stage, .*harness:connectors/,
    );
    expect(() => from({ "harness:alarmemail": "ops@example.com" })).toThrow(/harness:alarmemail/);
    // Other tools' context keys are theirs.
    expect(from({ "@aws-cdk/core:newStyleStackSynthesis": true, "harness:stage": "prod" }).stage).toBe(
      "prod",
    );
  });

  it("says which systems a live deployment leaves on the outbox, recorded executed though never sent", () => {
    const live = from({
      "harness:connectors": {
        dryRun: false,
        ses: { from: "sdr@mail.example.com", listManagement: { contactListName: "p" } },
      },
      "harness:connectorSecretArns": JSON.stringify(HUBSPOT_SECRETS),
    });
    expect(configNotices(live)).toEqual([
      expect.stringMatching(
        /names no hubspot, linkedin: with dryRun false, their actions still go to the archive bucket's outbox .* recorded executed/,
      ),
    ]);
    // A dry run says so in its own words; naming every system leaves nothing on the outbox.
    expect(configNotices(from({})).some((n) => /names no/.test(n))).toBe(false);
    const all = from({
      "harness:connectors": {
        dryRun: false,
        ses: { from: "sdr@mail.example.com", listManagement: { contactListName: "p" } },
        hubspot: { portalId: "62515" },
        linkedin: {
          adAccountUrn: "urn:li:sponsoredAccount:1",
          messageWebhookUrl: "https://h.example.com/li",
        },
      },
      "harness:connectorSecretArns": JSON.stringify({
        ...HUBSPOT_SECRETS,
        hubspot: "arn:aws:secretsmanager:us-east-1:123456789012:secret:hs-AbCdEf",
        linkedin: "arn:aws:secretsmanager:us-east-1:123456789012:secret:li-AbCdEf",
      }),
    });
    expect(configNotices(all, Date.parse("2026-12-05T00:00:00Z"))).toEqual([]);
  });

  it("says when named connectors will not send (still a dry run), and when LinkedIn messages will fail", () => {
    const li = "arn:aws:secretsmanager:us-east-1:123456789012:secret:li-AbCdEf";
    const secrets = JSON.stringify({ linkedin: li });
    const dry = from({ "harness:connectors": { ses: { from: "sdr@mail.example.com" } } });
    expect(others(dry)).toEqual([expect.stringMatching(/names ses but dryRun is true: .*nothing is sent/)]);
    const noWebhook = from({
      "harness:connectors": { dryRun: false, linkedin: { adAccountUrn: "urn:li:sponsoredAccount:1" } },
      "harness:connectorSecretArns": secrets,
    });
    expect(others(noWebhook, Date.parse("2026-12-05T00:00:00Z"))).toEqual([
      expect.stringMatching(/no hubspot-webhook: replies and meetings booked never come back/),
      expect.stringMatching(/no messageWebhookUrl: linkedin.message/),
    ]);
    const fine = from({
      "harness:connectors": {
        dryRun: false,
        linkedin: {
          adAccountUrn: "urn:li:sponsoredAccount:1",
          messageWebhookUrl: "https://hooks.example.com/li",
        },
      },
      "harness:connectorSecretArns": JSON.stringify({
        linkedin: li,
        ...HUBSPOT_SECRETS,
      }),
    });
    expect(others(fine, Date.parse("2026-12-05T00:00:00Z"))).toEqual([]);
    expect(others(from({}))).toEqual([]);
  });

  it("says when the LinkedIn API version in force is near the year after which LinkedIn refuses it", () => {
    const webhook = JSON.stringify({
      linkedin: "arn:aws:secretsmanager:us-east-1:123456789012:secret:li-AbCdEf",
      ...HUBSPOT_SECRETS,
    });
    const live = (linkedin: Record<string, unknown>) =>
      from({
        "harness:connectors": {
          dryRun: false,
          linkedin: {
            adAccountUrn: "urn:li:sponsoredAccount:1",
            messageWebhookUrl: "https://h.example.com/li",
            ...linkedin,
          },
        },
        "harness:connectorSecretArns": webhook,
      });
    const dec2026 = Date.parse("2026-12-05T00:00:00Z");
    expect(others(live({ version: "202506" }), dec2026)).toEqual([
      expect.stringMatching(/API version 202506 is 18 months old; LinkedIn refuses a version about a year/),
    ]);
    expect(others(live({}), Date.parse("2027-12-01T00:00:00Z"))).toEqual([
      expect.stringMatching(/API version \d{6} \(the default\) is \d+ months old/),
    ]);
    expect(others(live({ version: "202610" }), dec2026)).toEqual([]);
    expect(others(live({}), dec2026)).toEqual([]);
    expect(() => live({ version: "202613" })).toThrow(/linkedin\.version: must be YYYYMM/);
    expect(() => live({ sourcePlatform: "list upload" })).toThrow(/linkedin\.sourcePlatform/);
  });

  it("says when live SES sends carry no unsubscribe header, and refuses a contact list SES would not take", () => {
    const webhook = JSON.stringify(HUBSPOT_SECRETS);
    const live = (ses: Record<string, unknown>) =>
      from({ "harness:connectors": { dryRun: false, ses }, "harness:connectorSecretArns": webhook });
    expect(others(live({ from: "sdr@mail.example.com" }))).toEqual([
      expect.stringMatching(/ses has no listManagement: emails go out without an unsubscribe header/),
    ]);
    const managed = live({ from: "sdr@mail.example.com", listManagement: { contactListName: "prospects" } });
    expect(others(managed)).toEqual([]);
    expect(managed.connectors.ses?.listManagement).toEqual({ contactListName: "prospects" });
    expect(() =>
      live({ from: "sdr@mail.example.com", listManagement: { contactListName: "my list", topicName: "x" } }),
    ).toThrow(/ses\.listManagement\.contactListName: must be an SES contact list name/);
    expect(() =>
      live({ from: "sdr@mail.example.com", listManagement: { contactListName: "p", topic: "x" } }),
    ).toThrow(/ses\.listManagement/);
  });

  it("refuses a secret's partial ARN, which no IAM grant made for it matches", () => {
    const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-hubspot";
    expect(() => from({ "harness:connectorSecretArns": JSON.stringify({ hubspot: arn }) })).toThrow(
      /harness\.connectorSecretArns\.hubspot: a Secrets Manager secret's full ARN \(with its 6-character suffix\)/,
    );
    expect(
      from({ "harness:connectorSecretArns": JSON.stringify({ hubspot: `${arn}-AbCdEf` }) })
        .connectorSecretArns,
    ).toEqual({ hubspot: `${arn}-AbCdEf` });
  });

  it("refuses a secret name no function reads, naming the ones they do", () => {
    const arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:dev-harness-hubspot-webhook-AbCdEf";
    // Accepted before: the webhook then had no secret and the executors could read this one.
    expect(() => from({ "harness:connectorSecretArns": JSON.stringify({ hubspot_webhook: arn }) })).toThrow(
      /harness\.connectorSecretArns: no such secret: hubspot_webhook \(the secrets: hubspot, linkedin, hubspot-webhook, hubspot-signing\)/,
    );
    expect(
      from({ "harness:connectorSecretArns": JSON.stringify({ "hubspot-webhook": arn }) }).connectorSecretArns,
    ).toEqual({ "hubspot-webhook": arn });
  });

  it("says when the public webhook can read the contacts token, and refuses a client secret without the token beside it", () => {
    const live = (secrets: Record<string, string>) =>
      from({
        "harness:connectors": { dryRun: false, hubspot: { portalId: "62515" } },
        "harness:connectorSecretArns": JSON.stringify({
          hubspot: "arn:aws:secretsmanager:us-east-1:123456789012:secret:hs-AbCdEf",
          ...secrets,
        }),
      });
    expect(others(live({ "hubspot-webhook": HUBSPOT_SECRETS["hubspot-webhook"] }))).toEqual([
      expect.stringMatching(
        /no hubspot-signing: the webhook, which anyone on the internet can call, reads its client secret from hubspot-webhook/,
      ),
    ]);
    expect(others(live(HUBSPOT_SECRETS))).toEqual([]);
    expect(() => live({ "hubspot-signing": HUBSPOT_SECRETS["hubspot-signing"] })).toThrow(
      /harness\.connectorSecretArns\.hubspot-signing: hubspot-signing \(the webhook's client secret\) needs hubspot-webhook beside it/,
    );
  });

  it("says when the webhook would take events from any portal the HubSpot app is installed in", () => {
    const live = (hubspot: Record<string, unknown>) =>
      from({
        "harness:connectors": { dryRun: false, hubspot },
        "harness:connectorSecretArns": JSON.stringify({
          hubspot: "arn:aws:secretsmanager:us-east-1:123456789012:secret:hs-AbCdEf",
          ...HUBSPOT_SECRETS,
        }),
      });
    expect(others(live({}))).toEqual([
      expect.stringMatching(
        /hubspot has no portalId: the webhook and its worker accept events from any portal/,
      ),
    ]);
    expect(others(live({ portalId: "62515" }))).toEqual([]);
  });

  it("says a JSON value the shell mis-quoted is not valid JSON, instead of 'expected object'", () => {
    expect(() => from({ "harness:connectors": "{dryRun:false}" })).toThrow(
      /harness\.connectors: not valid JSON \(.*\); quote the whole value/,
    );
    expect(from({ "harness:connectors": '{"dryRun":false}' }).connectors.dryRun).toBe(false);
  });

  it("refuses a schedule time zone EventBridge Scheduler would refuse only at deploy", () => {
    expect(() => from({ "harness:scheduleTimezone": "Europe/Berln" })).toThrow(
      /harness\.scheduleTimezone: expected an IANA time zone/,
    );
    expect(from({ "harness:scheduleTimezone": "Europe/Berlin" }).scheduleTimezone).toBe("Europe/Berlin");
  });
});
