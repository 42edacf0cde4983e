/**
 * "Why did you contact me?" for a person outside engineering: what we did, when in the person's own
 * time zone, and why, in sentences without rule ids, agent names or UTC stamps; and a short answer one
 * could send the prospect. Built only from the recorded decision (its trace and sealed context), so
 * the answer is the same tomorrow as today. The rule ids stay available per contact (`ruleIds`) for
 * whoever expands the details.
 */
import type { Decision } from "../domain/decision.ts";
import {
  actionNoun,
  actionVerb,
  heldBackWords,
  interestWords,
  localTime,
  roleWords,
  zoneWords,
} from "./plain-words.ts";

export interface PlainPerson {
  firstName: string;
  lastName: string;
  title?: string;
}

/** When the action happened or will happen: sent, due, or decided. */
export const whenOf = (d: Decision) => d.execution?.at ?? d.executeAt ?? d.decidedAt;

const NOT_SENT: Partial<Record<Decision["status"], string>> = {
  scheduled: "not sent yet",
  pending_approval: "not sent yet",
  dispatched: "being sent",
  in_doubt: "we are checking whether it went out",
};

/** The reasons of one contact, each a sentence in plain words. */
export function contactReasons(d: Decision, person: PlainPerson, company: string, tz: string): string[] {
  const reasons: string[] = [];
  const icp = d.checks.filter((c) => c.check === "icp" && c.rule?.startsWith("icp.") && !c.shadow);
  const account = d.context.account;
  if (icp.length > 0 && icp.every((c) => c.result === "pass"))
    reasons.push(
      `${company} is the kind of company we work with${account ? ` (${account.industry}, ${account.employees.toLocaleString("en-US")} employees)` : ""}.`,
    );
  const interest = interestWords(d.context.intent);
  if (interest) reasons.push(`${company} showed interest recently: ${interest}.`);
  const persona = d.checks.find((c) => c.check === "persona" && c.result === "pass" && !c.shadow);
  if (persona) {
    const role = roleWords(person.firstName, d.context.person?.title ?? person.title, d.context.person?.role);
    if (role) reasons.push(role);
  }
  if (d.checks.some((c) => c.check === "coordination" && c.result === "pass" && !c.shadow))
    reasons.push(
      `Before it went out we checked that ${person.firstName} had not asked us to stop and that nobody else on our team had contacted ${company} too recently.`,
    );
  if (d.review)
    reasons.push(
      d.review.action === "edited"
        ? `A person on our team edited and approved the message on ${localTime(d.review.at, tz)}.`
        : `A person on our team approved it on ${localTime(d.review.at, tz)}.`,
    );
  else if (d.status === "scheduled" && d.executeAt)
    reasons.push(
      `It is due to go out on ${localTime(d.executeAt, tz)} unless a person on our team stops it first.`,
    );
  else if (d.status === "pending_approval")
    reasons.push(
      `It is waiting for a person on our team to approve it${d.expiresAt ? ` (until ${localTime(d.expiresAt, tz)})` : ""}; nothing has been sent.`,
    );
  else if (d.autonomyLevel === 2)
    reasons.push("It went out automatically after a person on our team had time to stop it and did not.");
  else if (d.autonomyLevel === 3)
    reasons.push(
      d.autonomySource === "pinned"
        ? "It went out automatically, as our team had set this kind of message to."
        : "It went out automatically: messages like this one have been well received so far.",
    );
  return reasons;
}

/** The ids of the rules and checks the decision went through (enforced ones), for the expanded view. */
export function ruleIdsOf(d: Decision): string[] {
  return [...new Set(d.checks.filter((c) => !c.shadow && c.result !== "n/a").map((c) => c.rule ?? c.check))];
}

/** "an email on Tue, Mar 10, 4:00 PM EDT was not sent: …". */
export function heldBackLine(d: Decision, company: string, tz: string): string {
  const failing = d.checks.find((c) => c.result === "fail" && !c.shadow && c.effect !== "review");
  const why =
    d.status === "rejected"
      ? "a person on our team decided not to send it"
      : d.status === "vetoed"
        ? "a person on our team stopped it before it went out"
        : d.status === "expired"
          ? "nobody on our team approved it in time"
          : d.status === "failed"
            ? "sending it failed"
            : failing
              ? heldBackWords(failing, company)
              : "it did not pass our checks";
  const later = d.status === "deferred" ? " (held for later)" : "";
  return `Not sent${later}: ${actionNoun(d.actionType)} planned for ${localTime(d.decidedAt, tz)}, because ${why}.`;
}

/** The whole answer, for a person on our side: one paragraph per contact, then what was held back. */
export function plainSummary(
  person: PlainPerson,
  company: string,
  tz: string,
  contacts: Decision[],
  heldBack: Decision[],
): string {
  const name = `${person.firstName} ${person.lastName}`;
  const lines = [
    `${name}${person.title ? `, ${person.title}` : ""} at ${company} (times are ${zoneWords(tz)}).`,
  ];
  if (contacts.length === 0) lines.push(`We have not contacted ${person.firstName}.`);
  for (const d of contacts) {
    const state = NOT_SENT[d.status];
    const subject = typeof d.payload.subject === "string" ? ` ("${d.payload.subject}")` : "";
    lines.push(
      `${actionVerb(d.actionType)}${subject} on ${localTime(whenOf(d), tz)}${state ? ` (${state})` : ""}. ${contactReasons(d, person, company, tz).join(" ")}`,
    );
  }
  for (const d of heldBack.slice(0, 5)) lines.push(heldBackLine(d, company, tz));
  if (heldBack.length > 5) lines.push(`…and ${heldBack.length - 5} more we did not send.`);
  return lines.join("\n");
}

/**
 * A reply one could send the prospect: who we reached out to and why, in two or three sentences,
 * nothing internal (no agents, checks, scores or approvals).
 */
export function shortAnswer(person: PlainPerson, company: string, tz: string, contacts: Decision[]): string {
  const hi = `Hi ${person.firstName}, thanks for asking.`;
  const sent = contacts.filter((d) => !NOT_SENT[d.status]);
  if (contacts.length === 0)
    return `${hi} We have not sent you any messages. If you would rather we never do, just say so and we will make sure of it.`;
  const first = [...contacts].sort((a, b) => whenOf(a).localeCompare(whenOf(b)))[0] as Decision;
  const interest = interestWords(first.context.intent);
  const as = person.title ? ` as ${person.title} at ${company}` : ` at ${company}`;
  const why = interest
    ? `because ${company} had recently shown interest in what we do (${interest})`
    : `because ${company} looked like a good fit for what we do`;
  const what =
    sent.length === 0
      ? `We planned to reach out to you${as} ${why}; nothing has been sent yet.`
      : `We reached out to you${as} ${why}; our first message was on ${localTime(whenOf(sent.sort((a, b) => whenOf(a).localeCompare(whenOf(b)))[0] as Decision), tz)}.`;
  return `${hi} ${what} If you would rather not hear from us, reply and we will not contact you again.`;
}
