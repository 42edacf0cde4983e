/**
 * Whom a touch goes to: the person the gate checked, at their address on file.
 *
 * The gate decides about the target person (suppression, persona, collisions), but a connector sends
 * to the address in the payload: SES to `to`, LinkedIn to `linkedinUrl` or the segment member's
 * `email`. An agent that proposed Jane with Bob's address would have emailed Bob past every check made
 * on Jane, Bob's opt-out included; and a payload with no address passed the gate, was approved, and
 * failed at execution. So the address is the knowledge base's: the gate fills it from the person on
 * file when the payload has none (`addressed`), and blocks a payload addressed to anyone else
 * (`recipientProblem`, a `persona` check entry with rule `recipient`, as the draft's fault). Apart from
 * the payloads' schemas (touch-payloads.ts), so that a function that re-checks the address but parses
 * no payload (the Release step) does not carry them.
 */
import { pointerGet } from "./json-pointer.ts";
import type { Person } from "./kb.ts";

interface AddressField {
  field: string;
  /** What the field holds, in a sentence ("email", "LinkedIn profile"). */
  what: string;
  of(person: Person): string | undefined;
  same(a: string, b: string): boolean;
}

const sameEmail = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** A profile URL as LinkedIn resolves it: host without `www.`, path without case or trailing slash. */
function profileOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return `${u.hostname.replace(/^www\./, "")}${u.pathname.replace(/\/+$/, "").toLowerCase()}`;
  } catch {
    return undefined;
  }
}
const sameProfile = (a: string, b: string) => {
  const p = profileOf(a);
  return p !== undefined && p === profileOf(b);
};

const email: AddressField = { field: "to", what: "email", of: (p) => p.email, same: sameEmail };
const linkedin: AddressField = {
  field: "linkedinUrl",
  what: "LinkedIn profile",
  of: (p) => p.linkedinUrl,
  same: sameProfile,
};

/** Where each person-addressed built-in action's connector reads its recipient. */
const ADDRESSES: Readonly<Record<string, readonly AddressField[]>> = {
  "email.send": [email],
  "linkedin.message": [linkedin],
  "linkedin.audience.add": [
    { ...email, field: "email" },
    { field: "personId", what: "person id", of: (p) => p.personId, same: (a, b) => a === b },
  ],
};

/**
 * The payload with the person's address on file where it has none. The same object when nothing is
 * filled (most payloads of the harness's own agents carry it): the gate's payload digest is unchanged.
 */
export function addressed(
  actionType: string,
  payload: Record<string, unknown>,
  person: Person | undefined,
): Record<string, unknown> {
  const fields = ADDRESSES[actionType];
  if (!fields || !person) return payload;
  let out = payload;
  for (const f of fields) {
    const onFile = f.of(person);
    if (out[f.field] === undefined && onFile !== undefined) {
      if (out === payload) out = { ...payload };
      out[f.field] = onFile;
    }
  }
  return out;
}

/** Where a mapped tool's arguments hold the address (JSON pointers: spec-tools.ts `tool.recipient`). */
export interface ToolRecipient {
  email?: string | undefined;
  linkedinUrl?: string | undefined;
}

/**
 * Why the payload would reach someone other than the person the gate checked, if it would: a built-in
 * action's address field, or the address a mapped tool's arguments hold where its mapping says (a tool
 * call carries its arguments as the agent wrote them: nothing is filled there, so none is a problem).
 */
export function recipientProblem(
  actionType: string,
  payload: Record<string, unknown>,
  person: Person,
  tool?: ToolRecipient,
): string | undefined {
  const fields = ADDRESSES[actionType];
  const problems: string[] = [];
  if (tool) {
    for (const [f, pointer] of [
      [email, tool.email],
      [linkedin, tool.linkedinUrl],
    ] as const) {
      if (pointer === undefined) continue;
      const onFile = f.of(person);
      const given = pointerGet(payload.arguments, pointer);
      if (onFile === undefined)
        problems.push(`${person.personId} has no ${f.what} on file to send ${actionType} to`);
      else if (typeof given !== "string" || !f.same(given, onFile))
        problems.push(`arguments${pointer} is not the ${f.what} on file for ${person.personId}`);
    }
  }
  for (const f of fields ?? []) {
    const onFile = f.of(person);
    const given = payload[f.field];
    if (onFile === undefined)
      problems.push(`${person.personId} has no ${f.what} on file to send ${actionType} to`);
    // None given is the one on file: the gate fills it (`addressed`) before the decision is kept.
    else if (given !== undefined && (typeof given !== "string" || !f.same(given, onFile)))
      problems.push(`payload.${f.field} is not the ${f.what} on file for ${person.personId}`);
  }
  return problems.length > 0 ? problems.join("; ") : undefined;
}
