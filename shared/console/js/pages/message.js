// A proposed action as its recipient will see it, and why the agent proposed it: shared by the
// approvals inbox, the scheduled queue and the decision page.
import { h } from "../dom.js";

/** The channel and "To: name, title · account". */
export function recipient(d) {
  const p = d.context?.person;
  const a = d.context?.account;
  const who = p ? `${p.name}${p.title ? `, ${p.title}` : ""}` : (d.personId ?? "(no person)");
  return h(
    "span",
    { class: "recipient" },
    h("span", { class: "pill" }, d.channel ?? d.actionType),
    " To: ",
    h("strong", {}, who),
    a ? ` · ${a.name}` : ` · ${d.accountId}`,
  );
}

const shown = (v) => (typeof v === "string" ? v : JSON.stringify(v));

/** Subject and body as sent; any other payload fields underneath. */
export function messageView(payload = {}) {
  const { subject, body, ...rest } = payload;
  const other = Object.entries(rest);
  return h(
    "div",
    { class: "message" },
    // Another action type's subject or body may be no string: shown as what it is, not "[object Object]".
    subject !== undefined ? h("div", { class: "subject" }, shown(subject)) : null,
    body !== undefined ? h("div", { class: "body" }, shown(body)) : null,
    other.length
      ? h(
          "div",
          { class: "muted" },
          other.map(([k, v]) => h("div", {}, `${k}: ${shown(v)}`)),
        )
      : null,
  );
}

/** Signals, persona, intent, the agent's reasoning and confidence. */
export function whyView(d) {
  const intent = d.context?.intent;
  const person = d.context?.person;
  return h(
    "div",
    { class: "why" },
    h("div", {}, h("strong", {}, "Agent: "), `${d.agentId} · ${d.actionType}`),
    h("div", {}, h("strong", {}, "Reasoning: "), d.reasoning ?? ""),
    h("div", {}, h("strong", {}, "Confidence: "), `${Math.round((d.confidence ?? 0) * 100)}%`),
    person?.persona || person?.role
      ? h("div", {}, h("strong", {}, "Persona: "), [person.persona, person.role].filter(Boolean).join(" · "))
      : null,
    intent
      ? h(
          "div",
          {},
          h("strong", {}, "Intent: "),
          `${intent.score}`,
          intent.counted?.length
            ? h(
                "span",
                { class: "muted" },
                ` (${intent.counted.map((c) => `${c.count}× ${c.type}`).join(", ")})`,
              )
            : null,
        )
      : null,
    d.claimedSignals?.length ? h("div", {}, h("strong", {}, "Signals: "), d.claimedSignals.join(", ")) : null,
  );
}
