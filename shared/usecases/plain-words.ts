/**
 * The harness's vocabulary in words a person outside engineering (a sales rep, a RevOps lead, the
 * prospect themselves) reads without a glossary: local times instead of UTC stamps, "a stop-on-reply
 * pause" instead of "kill_switch → defer", "visits to our pricing page" instead of
 * "pricing_page_visit ×3 (+75)". Used by explain (summary, shortAnswer, reasons) and by the reports'
 * labels of checks. Pure functions of recorded facts.
 */
import type { CheckResult, IntentReading } from "../domain/decision-types.ts";

/**
 * "Tue, Mar 10, 10:00 AM EDT": the instant in the person's zone. ICU (Node 20+) puts a narrow
 * no-break space before AM/PM; a plain space copies into an email or a terminal the same everywhere.
 */
export function localTime(at: string | number, timeZone: string): string {
  const text = new Intl.DateTimeFormat("en-US", {
    timeZone,
    weekday: "short",
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
    timeZoneName: "short",
  }).format(typeof at === "number" ? at : Date.parse(at));
  return text.replace(/[\u202f\u00a0]/g, " ");
}

/** "New York time" for America/New_York: the zone as a person names it. */
export const zoneWords = (timeZone: string) =>
  timeZone === "UTC" ? "UTC" : `${(timeZone.split("/").at(-1) ?? timeZone).replaceAll("_", " ")} time`;

const SIGNAL_WORDS: Record<string, [one: string, many: string]> = {
  pricing_page_visit: ["a visit to our pricing page", "visits to our pricing page"],
  demo_request: ["a demo request", "demo requests"],
  new_sales_leader: ["a new sales leader joining", "new sales leaders joining"],
  g2_research: ["research on review sites about tools like ours", "research on review sites"],
  funding_round: ["a recent funding round", "recent funding rounds"],
  website_visit: ["a visit to our website", "visits to our website"],
  blog_visit: ["a visit to our blog", "visits to our blog"],
  content_download: ["a content download", "content downloads"],
};

/** "3 visits to our pricing page in the past 7 days"; unknown types read as their words. */
export function signalWords(c: IntentReading["counted"][number]): string {
  const [one, many] = SIGNAL_WORDS[c.type] ?? [
    c.type.replaceAll("_", " "),
    `${c.type.replaceAll("_", " ")}s`,
  ];
  const what = c.count === 1 ? one : `${c.count} ${many}`;
  return `${what} in the past ${c.windowDays === 7 ? "week" : `${c.windowDays} days`}`;
}

/** "3 visits to our pricing page in the past week and a demo request in the past 14 days". */
export function interestWords(intent: IntentReading | undefined): string | undefined {
  const parts = (intent?.counted ?? []).filter((c) => c.count > 0).map(signalWords);
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

const CHANNEL_NOUNS: Record<string, string> = {
  "email.send": "an email",
  "linkedin.message": "a LinkedIn message",
  "linkedin.audience.add": "adding them to a LinkedIn ads audience",
  "ads.audience.push": "adding them to an ads audience",
};
const CHANNEL_VERBS: Record<string, string> = {
  "email.send": "Emailed",
  "linkedin.message": "Sent a LinkedIn message",
  "linkedin.audience.add": "Added to a LinkedIn ads audience",
  "ads.audience.push": "Added to an ads audience",
};

/** "an email" / "a LinkedIn message": what the action is, as a noun. */
export const actionNoun = (actionType: string) => CHANNEL_NOUNS[actionType] ?? "a message";
/** "Emailed" / "Sent a LinkedIn message": what was done, as the start of a sentence. */
export const actionVerb = (actionType: string) => CHANNEL_VERBS[actionType] ?? "Contacted";

const ROLE_WORDS: Record<string, string> = {
  decision_maker: "usually decides on tools like ours",
  champion: "usually leads the choice of tools like ours",
  influencer: "usually has a say in tools like ours",
};

/** "As VP Sales, Jane usually leads the choice of tools like ours." */
export function roleWords(firstName: string, title: string | undefined, role: string | undefined) {
  const does = role ? ROLE_WORDS[role] : undefined;
  if (!title && !does) return undefined;
  return `${title ? `As ${title}, ${firstName}` : firstName} ${does ?? "is someone we talk to about this"}.`;
}

/**
 * Why an enforced check held an action back, in words for a person outside engineering. A pause
 * whose reason starts with "stop-on-reply" was made by a reply (shared/usecases/outcomes.ts), not by an
 * operator: it is told as such.
 */
export function heldBackWords(c: CheckResult, company: string): string {
  switch (c.check) {
    case "kill_switch":
      return /stop-on-reply/.test(c.detail)
        ? `someone at ${company} had just replied, so we paused our other messages to them`
        : "our team had paused outreach at the time";
    case "suppression":
      return `they are on our do-not-contact list, or ${company} is already a customer or in talks with us`;
    case "icp":
      return `${company} is not the kind of company we reach out to`;
    case "persona":
      return c.rule === "recipient"
        ? "the message was not addressed to their contact details on file"
        : "their role is not one we reach out to about this";
    case "intent":
      return `there was not enough recent interest from ${company}`;
    case "content_quality":
      return "the message did not meet our quality standards";
    case "confidence":
      return "our assistant was not confident enough about it";
    case "volume":
      return "we had reached our limit of messages for that day";
    case "coordination":
      return /: inside$/.test(c.detail)
        ? "it was outside their working hours"
        : `we had already been in touch with ${company} recently, and we space our messages out`;
    case "experiment":
      return `${company} was in a group we deliberately do not contact, to measure what our outreach changes`;
    case "rule":
      return "one of our outreach rules excludes it";
    default:
      return "it did not pass our checks";
  }
}

/**
 * A check's label in a GTM report: "stop-on-reply pause" and "operator pause" instead of kill_switch,
 * the coordination rule's name with what kind of rule it is. Internal names stay in --json.
 */
export function checkLabel(c: CheckResult): string {
  switch (c.check) {
    case "kill_switch":
      return /stop-on-reply/.test(c.detail) ? "stop-on-reply pause" : "operator pause";
    case "suppression":
      return `do-not-contact / customer${c.rule ? ` (${c.rule})` : ""}`;
    case "icp":
      return `outside the ICP${c.rule ? ` (${c.rule.replace(/^icp\./, "")})` : ""}`;
    case "persona":
      return c.rule === "recipient"
        ? "not addressed to the person on file"
        : `persona not targeted${c.rule ? ` (${c.rule})` : ""}`;
    case "intent":
      return "not enough intent";
    case "content_quality":
      return "message quality";
    case "confidence":
      return "low confidence";
    case "volume":
      return `daily volume cap${c.rule ? ` (${c.rule})` : ""}`;
    case "coordination":
      return /: inside$/.test(c.detail) ? `quiet hours (${c.rule})` : `collision rule (${c.rule})`;
    case "experiment":
      return "experiment holdout";
    case "rule":
      return `conditional rule (${c.rule})`;
    default:
      return c.rule ? `${c.check} (${c.rule})` : c.check;
  }
}

const VERDICT_LABELS: Record<string, string> = {
  allow: "sent",
  schedule: "scheduled",
  require_approval: "sent for approval",
  defer: "held for later",
  block: "blocked",
};

/** "held for later" / "blocked": a verdict in a report line. */
export const verdictLabel = (v: string) => VERDICT_LABELS[v] ?? v;
