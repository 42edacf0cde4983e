// Kill switches: pause and resume sending globally, for an agent, a channel or an account, with a
// reason and an optional end time.
import { api, clearErrors, showErrors } from "../api.js";
import { fill, flash, fmtTime, h } from "../dom.js";

export async function render(view) {
  const form = h(
    "form",
    { class: "card", id: "pause-form" },
    h(
      "div",
      { class: "row" },
      h(
        "label",
        {},
        "Scope",
        h(
          "select",
          { name: "scope" },
          ["agent", "channel", "account", "global"].map((s) => h("option", { value: s }, s)),
        ),
      ),
      h(
        "label",
        {},
        "Target",
        h("input", { name: "target", placeholder: "agent id, channel or account id" }),
      ),
      h("label", {}, "Reason", h("input", { name: "reason", size: 30 })),
      h("label", {}, "Until (optional)", h("input", { name: "until", type: "datetime-local" })),
      h("button", { class: "primary", type: "submit", "data-act": "pause" }, "Pause"),
    ),
  );
  const list = h("div", { id: "pause-list" });
  view.append(h("h1", {}, "Kill switches"), form, h("h2", {}, "In force"), list);

  async function load() {
    const { items } = await api("GET", "/v1/pauses");
    fill(
      list,
      items.length
        ? h(
            "table",
            {},
            h(
              "tr",
              {},
              ["scope", "target", "reason", "by", "since", "until", ""].map((c) => h("th", {}, c)),
            ),
            items.map((p) =>
              h(
                "tr",
                { "data-id": p.pauseId },
                h("td", {}, p.scope),
                h("td", {}, p.target ?? "everything"),
                h("td", {}, p.reason),
                h("td", {}, p.createdBy),
                h("td", {}, fmtTime(p.createdAt)),
                h("td", {}, p.until ? fmtTime(p.until) : "until resumed"),
                h(
                  "td",
                  {},
                  h(
                    "button",
                    {
                      "data-act": "resume",
                      onclick: async () => {
                        try {
                          await api("DELETE", `/v1/pauses/${encodeURIComponent(p.pauseId)}`);
                          flash(`Resumed ${p.scope} ${p.target ?? ""}`);
                          await load();
                        } catch (err) {
                          flash(err.message, true);
                        }
                      },
                    },
                    "Resume",
                  ),
                ),
              ),
            ),
          )
        : h("p", { class: "muted" }, "Nothing is paused."),
    );
  }

  // One pause per press: a double click submitted twice, each a kill switch of its own id, and one
  // Resume left the agent paused without anyone seeing why.
  let busy = false;
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (busy) return;
    const f = form.elements;
    // Empty fields are left out, so the API names what is missing; a local time becomes an instant.
    const body = { scope: f.scope.value, reason: f.reason.value.trim() || undefined };
    if (f.target.value.trim()) body.target = f.target.value.trim();
    if (f.until.value) body.until = new Date(f.until.value).toISOString();
    if (body.reason === undefined) delete body.reason;
    busy = true;
    try {
      await api("POST", "/v1/pauses", body);
      form.reset();
      flash(`Paused ${body.scope} ${body.target ?? ""}`);
      clearErrors(form);
      await load();
    } catch (err) {
      showErrors(form, err);
    } finally {
      busy = false;
    }
  });
  await load();
}
