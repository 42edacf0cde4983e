// Drafts: rules proposed from reviewers' corrections (in shadow until confirmed); confirm or discard.
import { api, qs } from "../api.js";
import { fill, flash, fmtTime, h } from "../dom.js";

export async function render(view) {
  const list = h("div", { id: "draft-list" });
  view.append(
    h("h1", {}, "Draft rules"),
    h("p", { class: "muted" }, "Made when a reviewer rejects and asks for a rule."),
    list,
  );

  async function close(d, how) {
    try {
      await api("POST", `/v1/specs/drafts/${encodeURIComponent(d.draftId)}/${how}`, {});
      flash(`Draft ${d.draftId} ${how === "confirm" ? "confirmed" : "discarded"}`);
      await load();
    } catch (err) {
      flash(err.message, true);
    }
  }

  async function load() {
    const page = await api("GET", `/v1/specs/drafts${qs({ limit: 50 })}`);
    fill(
      list,
      page.items.length
        ? page.items.map((d) =>
            h(
              "div",
              { class: "card", "data-id": d.draftId },
              h(
                "div",
                { class: "row" },
                h("strong", {}, d.rule?.name ?? d.draftId),
                h("span", { class: "pill" }, d.status),
                h("span", { class: "muted" }, fmtTime(d.createdAt)),
              ),
              d.correction?.reason ? h("p", {}, `From a correction: ${d.correction.reason}`) : null,
              h("details", {}, h("summary", {}, "Rule"), h("pre", {}, JSON.stringify(d.rule ?? d, null, 2))),
              d.status === "shadow"
                ? h(
                    "div",
                    { class: "row" },
                    h(
                      "button",
                      { class: "primary", onclick: () => close(d, "confirm") },
                      "Confirm (enforce)",
                    ),
                    h("button", { class: "danger", onclick: () => close(d, "discard") }, "Discard"),
                  )
                : null,
            ),
          )
        : h("p", { class: "muted" }, "No drafts."),
    );
  }
  await load();
}
