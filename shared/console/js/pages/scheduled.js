// Scheduled: level-2 actions inside their override window, each with a live countdown to its send
// time and a veto (with an optional reason).
import { ApiError, allItems, api, serverNow, showErrors, syncClock } from "../api.js";
import { duration, fill, flash, h } from "../dom.js";
import { messageView, recipient, whyView } from "./message.js";

async function listScheduled() {
  try {
    return (await allItems("/v1/decisions/scheduled")).items;
  } catch (err) {
    // Before the scheduled listing existed, the decisions listing filtered by status served the same.
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
    return (await api("GET", "/v1/decisions?status=scheduled&limit=100")).items ?? [];
  }
}

export async function render(view) {
  const list = h("div", { id: "scheduled" });
  view.append(
    h("h1", {}, "Scheduled"),
    h(
      "p",
      { class: "muted" },
      "Actions trusted at level 2 wait here until their send time: veto any you would not send.",
    ),
    h("button", { onclick: () => load() }, "Refresh"),
    list,
  );
  let items = [];

  function card(d) {
    const form = h(
      "form",
      { class: "row" },
      h("input", { name: "note", placeholder: "reason (optional)", "aria-label": "veto reason" }),
      h("button", { class: "danger", type: "submit", "data-act": "veto" }, "Veto"),
    );
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      const note = form.elements.note.value.trim();
      try {
        await api("POST", `/v1/decisions/${encodeURIComponent(d.decisionId)}/veto`, note ? { note } : {});
        items = items.filter((x) => x.decisionId !== d.decisionId);
        draw();
        flash("Vetoed: it will not be sent");
      } catch (err) {
        showErrors(form, err);
      }
    });
    return h(
      "div",
      { class: "card", "data-id": d.decisionId },
      h(
        "div",
        { class: "row" },
        recipient(d),
        d.executeAt
          ? [
              h("span", { class: "muted" }, "sends in"),
              h("span", { class: "countdown", "data-at": d.executeAt }),
            ]
          : null,
      ),
      messageView(d.payload),
      h("details", {}, h("summary", {}, "Why"), whyView(d)),
      form,
    );
  }

  function draw() {
    items.sort((a, b) => (a.executeAt ?? "").localeCompare(b.executeAt ?? ""));
    fill(list, items.length ? items.map(card) : h("p", { class: "muted" }, "Nothing is scheduled."));
    tick();
  }

  function tick() {
    for (const el of list.querySelectorAll(".countdown")) {
      const left = Date.parse(el.dataset.at) - serverNow();
      el.textContent = left > 0 ? duration(left) : "sending now";
    }
  }

  async function load() {
    items = await listScheduled();
    draw();
  }

  const timer = setInterval(tick, 1000);
  await syncClock();
  await load();
  return () => clearInterval(timer);
}
