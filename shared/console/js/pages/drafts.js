// Drafts: rules proposed from reviewers' corrections and intent weights refitted from outcomes (in
// shadow until confirmed); confirm or discard.
import { allItems, api, qs } from "../api.js";
import { fill, flash, fmtTime, h } from "../dom.js";

const num = (x) => (typeof x === "number" ? String(x) : "–");

/**
 * A weights draft as an admin decides on it: what it was fitted on, how many accounts it keeps over
 * the intent bar (usecases/signals-refit.ts scales it to keep as many as today), and each signal's
 * points in force against proposed, with the fitted log-odds and their standard error.
 */
function weightsBody(d) {
  const w = d.weights;
  const types = Object.keys(w.to).sort((a, b) => Math.abs(w.to[b]) - Math.abs(w.to[a]));
  const kept = w.scaledBy
    ? `Keeps ${w.scaledBy.accountsOver} of ${w.scaledBy.icpAccounts} ICP accounts over the intent bar${w.scaledBy.inForceOver === undefined ? ", as the weights in force do" : ` (under the weights in force: ${w.scaledBy.inForceOver})`}.`
    : "Scaled to the mean intent of the touches it was fitted on.";
  return [
    h(
      "p",
      { class: "fit" },
      `Refitted on ${d.correction?.touches ?? "?"} touches with ${d.correction?.meetings ?? "?"} meetings (${fmtTime(w.since)} to ${fmtTime(w.until)}).`,
    ),
    h("p", { class: "kept" }, kept),
    h(
      "table",
      { class: "weights" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, "Signal"),
          h("th", {}, "In force"),
          h("th", {}, "Proposed"),
          h("th", {}, "Fitted log-odds"),
        ),
      ),
      h(
        "tbody",
        {},
        types.map((t) =>
          h(
            "tr",
            { "data-signal": t },
            h("td", {}, t.replaceAll("_", " ")),
            h("td", { class: "from" }, num(w.from[t])),
            h("td", { class: "to" }, num(w.to[t])),
            h(
              "td",
              { class: "muted" },
              w.fitted?.[t] ? `${w.fitted[t].logOdds.toFixed(2)} ± ${w.fitted[t].se.toFixed(2)}` : "–",
            ),
          ),
        ),
      ),
    ),
  ];
}

export async function render(view) {
  const list = h("div", { id: "draft-list" });
  view.append(
    h("h1", {}, "Drafts"),
    h(
      "p",
      { class: "muted" },
      "Rules made when a reviewer rejects and asks for one, and intent weights refitted from outcomes. Each runs in shadow until confirmed.",
    ),
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
    // Every draft still in shadow (each waits for a decision), then the newest others. Before, only
    // the newest 50 of any status were read, and an older shadow draft could not be confirmed or
    // discarded from here.
    const [open, recent] = await Promise.all([
      allItems("/v1/specs/drafts", { status: "shadow" }),
      api("GET", `/v1/specs/drafts${qs({ limit: 50 })}`),
    ]);
    // A draft in both (closed between the two reads) as the newer read has it: no live buttons on it.
    const newer = new Map(recent.items.map((d) => [d.draftId, d]));
    const shadow = new Set(open.items.map((d) => d.draftId));
    const items = [
      ...open.items.map((d) => newer.get(d.draftId) ?? d),
      ...recent.items.filter((d) => !shadow.has(d.draftId)),
    ];
    if (open.more)
      flash(`More than ${open.items.length} drafts are in shadow: the oldest are not listed`, true);
    fill(
      list,
      items.length
        ? items.map((d) =>
            h(
              "div",
              { class: "card", "data-id": d.draftId },
              h(
                "div",
                { class: "row" },
                h("strong", {}, d.kind === "weights" ? "Intent weights" : (d.rule?.name ?? d.draftId)),
                h("span", { class: "pill" }, d.status),
                h("span", { class: "muted" }, fmtTime(d.createdAt)),
              ),
              d.correction?.reason ? h("p", {}, `From a correction: ${d.correction.reason}`) : null,
              d.kind === "weights" && d.weights ? weightsBody(d) : null,
              h(
                "details",
                {},
                h("summary", {}, d.kind === "weights" ? "Draft" : "Rule"),
                h("pre", {}, JSON.stringify(d.rule ?? d, null, 2)),
              ),
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
