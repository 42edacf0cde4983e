// Explain: "why did you contact me?" by email, in plain words with local times, a short answer one
// could send the prospect, and rule ids only when expanded.
import { api, clearErrors, qs, showErrors } from "../api.js";
import { fill, fmtTime, h } from "../dom.js";

export function render(view) {
  const form = h(
    "form",
    { class: "card", id: "explain-form" },
    h(
      "div",
      { class: "row" },
      h(
        "label",
        {},
        "Email",
        h("input", { name: "email", type: "text", size: 36, placeholder: "jane@acme.io" }),
      ),
      h("button", { class: "primary", type: "submit" }, "Explain"),
    ),
  );
  const out = h("div", { id: "explanation" });
  view.append(h("h1", {}, "Why did we contact them?"), form, out);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    fill(out);
    try {
      const x = await api("GET", `/v1/explain${qs({ email: form.elements.email.value.trim() })}`);
      clearErrors(form);
      fill(out, answer(x));
    } catch (err) {
      showErrors(form, err);
    }
  });
}

function answer(x) {
  const tz = x.timeZone;
  return [
    x.person ? h("h2", {}, `${x.person.name}${x.person.title ? `, ${x.person.title}` : ""}`) : null,
    h("div", { class: "card summary prose" }, x.summary ?? ""),
    x.shortAnswer
      ? h(
          "div",
          { class: "card" },
          h("strong", {}, "A reply you could send"),
          h("p", { class: "short-answer prose" }, x.shortAnswer),
          h(
            "button",
            { type: "button", onclick: () => navigator.clipboard?.writeText(x.shortAnswer) },
            "Copy",
          ),
        )
      : null,
    h("h2", {}, `Contacts (${x.contacts?.length ?? 0})`),
    (x.contacts ?? []).map((c) =>
      h(
        "div",
        { class: "card contact" },
        h(
          "div",
          { class: "row" },
          h("strong", {}, c.localTime ?? fmtTime(c.decision?.decidedAt, c.timeZone ?? tz)),
          c.timeZone ? h("span", { class: "muted" }, c.timeZone) : null,
          c.decision ? h("span", { class: "pill" }, c.decision.channel ?? c.decision.actionType) : null,
        ),
        c.reasons?.length
          ? h(
              "ul",
              {},
              c.reasons.map((r) => h("li", {}, r)),
            )
          : h("p", {}, c.explanation ?? ""),
        h(
          "details",
          {},
          h("summary", {}, "Details for the team"),
          c.ruleIds?.length ? h("p", {}, "Rules: ", c.ruleIds.join(", ")) : null,
          c.decision
            ? h(
                "p",
                {},
                h(
                  "a",
                  { href: `#/decision/${encodeURIComponent(c.decision.decisionId)}` },
                  "Open the decision",
                ),
              )
            : null,
        ),
      ),
    ),
    x.otherDecisions?.length
      ? h(
          "details",
          {},
          h("summary", {}, `Other decisions (${x.otherDecisions.length})`),
          h(
            "ul",
            {},
            x.otherDecisions.map((o) => h("li", {}, o.plain ?? `${o.actionType}: ${o.status}`)),
          ),
        )
      : null,
  ];
}
