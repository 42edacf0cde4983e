import { describe, expect, it } from "vitest";
import { channelsClearToday, touchChannels } from "../../shared/domain/checks/workable.ts";
import { DAY, defaultSpec, HOUR, specWith, t, touch } from "./helpers/fixtures.ts";

const NY = "America/New_York";
/** Tuesday 06:00 in New York: when the lead lists are built. */
const SIX_AM = t("2026-03-17T10:00:00Z");
const spec = defaultSpec();

const email = (at: number, over = {}) => touch({ at, channel: "email", actionType: "email.send", ...over });
const linkedin = (at: number, over = {}) =>
  touch({ at, channel: "linkedin", actionType: "linkedin.message", ...over });

describe("channels clear today (the gate's coordination rules, asked for the rest of the account's day)", () => {
  it("the default spec's touch channels are email and LinkedIn", () => {
    expect(touchChannels(spec)).toEqual(["email", "linkedin"]);
  });

  it("an account nobody touched is clear on every channel", () => {
    expect(channelsClearToday(spec, [], SIX_AM, NY)).toEqual(["email", "linkedin"]);
  });

  it("emailed two days ago: email is not clear (cooldown and one channel a week), LinkedIn is", () => {
    expect(channelsClearToday(spec, [email(SIX_AM - 2 * DAY)], SIX_AM, NY)).toEqual(["linkedin"]);
  });

  it("emailed and messaged this week: nothing is clear today", () => {
    const touches = [email(SIX_AM - 3 * DAY), linkedin(SIX_AM - 2 * DAY)];
    expect(channelsClearToday(spec, touches, SIX_AM, NY)).toEqual([]);
  });

  it("a week window that ends later today clears that channel today; one that ends tomorrow does not", () => {
    const endsToday = [email(SIX_AM - 7 * DAY + 5 * HOUR), linkedin(SIX_AM - 2 * DAY)];
    expect(channelsClearToday(spec, endsToday, SIX_AM, NY)).toEqual(["email"]);
    const endsTomorrow = [email(SIX_AM - 7 * DAY + 20 * HOUR), linkedin(SIX_AM - 2 * DAY)];
    expect(channelsClearToday(spec, endsTomorrow, SIX_AM, NY)).toEqual([]);
  });

  it("a touch already today uses the account's one touch a day: nothing more today", () => {
    expect(channelsClearToday(spec, [linkedin(SIX_AM - HOUR)], SIX_AM, NY)).toEqual([]);
  });

  it("a pending approval's reservation counts until it expires, not after", () => {
    const pending = (expiresAt: number) =>
      email(SIX_AM - DAY, { to: SIX_AM + DAY, expiresAt, decisionId: "d-pending" });
    expect(channelsClearToday(spec, [pending(SIX_AM + DAY)], SIX_AM, NY)).toEqual([]);
    expect(channelsClearToday(spec, [pending(SIX_AM - HOUR)], SIX_AM, NY)).toEqual(["email", "linkedin"]);
  });

  it("rules in shadow do not keep an account off the list; person-scoped rules leave other people free", () => {
    const shadowed = specWith((raw) => {
      raw.coordination.channelDiversity[0].mode = "shadow";
      raw.coordination.cooldowns = [];
      raw.coordination.frequencyCaps = [
        { name: "one-email-per-person-per-week", max: 1, window: { calendarDays: 7 }, scope: "person" },
      ];
    });
    const touches = [email(SIX_AM - 3 * DAY), linkedin(SIX_AM - 2 * DAY)];
    expect(channelsClearToday(shadowed, touches, SIX_AM, NY)).toEqual(["email", "linkedin"]);
  });
});
