// Decisions: a filtered list (account, person, agent, status, verdict and spec version, all through
// the API), and a decision's page: every check, the ledger timeline, outcomes.
import { api, qs, showErrors } from "../api.js";
import { checksTable, fill, fmtTime, h } from "../dom.js";
import { messageView, recipient, whyView } from "./message.js";

const STATUSES = [
  "scheduled",
  "pending_approval",
  "dispatched",
  "executed",
  "failed",
  "in_doubt",
  "rejected",
  "vetoed",
  "expired",
  "deferred",
  "blocked",
];
const VERDICTS = ["allow", "schedule", "require_approval", "defer", "block"];

const select = (name, values) =>
  h(
    "select",
    { name },
    h("option", { value: "" }, "any"),
    values.map((v) => h("option", { value: v }, v)),
  );

const verdictPill = (v) =>
  h("span", { class: `pill ${v === "block" ? "bad" : v === "allow" ? "ok" : ""}` }, v);

export async function render(view) {
  const params = new URLSearchParams(location.hash.split("?")[1] ?? "");
  const form = h(
    "form",
    { class: "card", id: "decision-filters" },
    h(
      "div",
      { class: "row" },
      h("label", {}, "Account", h("input", { name: "accountId", value: params.get("accountId") ?? "" })),
      h("label", {}, "Person", h("input", { name: "personId", value: params.get("personId") ?? "" })),
      h("label", {}, "Agent", h("input", { name: "agentId", value: params.get("agentId") ?? "" })),
      h("label", {}, "Status", select("status", STATUSES)),
      h("label", {}, "Verdict", select("verdict", VERDICTS)),
      h("label", {}, "Spec version", h("input", { name: "specVersion", type: "number", min: 1, size: 4 })),
      h("button", { class: "primary", type: "submit" }, "Filter"),
    ),
  );
  form.elements.status.value = params.get("status") ?? "executed";
  const table = h("div", { id: "decision-list" });
  const more = h("button", { hidden: true }, "More");
  view.append(h("h1", {}, "Decisions"), form, table, more);
  let rows = [];
  let cursor = null;
  // The query the rows answer, taken when Filter is pressed: More goes on with it, not with fields
  // changed since (which appended another query's rows under its cursor).
  let query = {};
  const formQuery = () => {
    const f = form.elements;
    return {
      accountId: f.accountId.value.trim(),
      personId: f.personId.value.trim(),
      agentId: f.agentId.value.trim(),
      status: f.status.value,
      verdict: f.verdict.value,
      specVersion: f.specVersion.value.trim(),
    };
  };

  // Each Filter starts a new listing; what an older one still reads (the first load while the
  // reviewer already filtered) is dropped, not drawn over the newer rows.
  let listing = 0;

  async function load(append) {
    if (!append) {
      query = formQuery();
      cursor = null;
      listing++;
    }
    const mine = listing;
    // One read at a time: a second click while pages are read would read the same cursor twice.
    more.disabled = true;
    try {
      // A filter the listing's index does not hold (a verdict, a spec version, a status beside an
      // agent) is applied to each page the API reads, so a page may hold few rows or none while more
      // match further back: read on until a screenful, or ten pages. Before, one empty page said "No
      // decisions match." beside its More button.
      // The rows and the cursor move together, once every page read: a read that fails leaves More
      // where it was (after a failed Filter, nothing of the old query is shown to go on from).
      const found = [];
      let next = cursor;
      for (let reads = 0; reads < 10 && found.length < 100; reads++) {
        const page = await api(
          "GET",
          `/v1/decisions${qs({ ...query, limit: 100, cursor: next ?? undefined })}`,
        );
        if (mine !== listing) return;
        found.push(...page.items);
        next = page.cursor;
        if (!next) break;
      }
      cursor = next;
      rows = append ? rows.concat(found) : found;
      more.hidden = !cursor;
      draw();
    } catch (err) {
      if (mine !== listing) return;
      if (!append) {
        rows = [];
        more.hidden = true;
        draw();
      }
      showErrors(form, err);
    } finally {
      if (mine === listing) more.disabled = false;
    }
  }

  function draw() {
    const shown = rows;
    fill(
      table,
      h(
        "table",
        {},
        h(
          "tr",
          {},
          ["decided", "agent", "action", "account", "person", "verdict", "status", "spec"].map((c) =>
            h("th", {}, c),
          ),
        ),
        shown.map((d) =>
          h(
            "tr",
            {},
            h(
              "td",
              {},
              h("a", { href: `#/decision/${encodeURIComponent(d.decisionId)}` }, fmtTime(d.decidedAt)),
            ),
            h("td", {}, d.agentId),
            h("td", {}, d.actionType),
            h("td", {}, d.accountId),
            h("td", {}, d.personId ?? ""),
            h("td", {}, verdictPill(d.verdict)),
            h("td", {}, d.status),
            h("td", {}, `v${d.specVersion}`),
          ),
        ),
      ),
      shown.length
        ? null
        : h(
            "p",
            { class: "muted" },
            cursor
              ? "None of the decisions read so far match; More reads further back."
              : "No decisions match.",
          ),
    );
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    load(false);
  });
  more.addEventListener("click", () => load(true));
  await load(false);
}

export async function renderOne(view, [id]) {
  const d = await api("GET", `/v1/decisions/${encodeURIComponent(id)}`);
  const tz = d.context?.account?.timezone;
  fill(
    view,
    h("p", {}, h("a", { href: "#/decisions" }, "← Decisions")),
    h(
      "h1",
      {},
      `${d.agentId} · ${d.actionType} `,
      verdictPill(d.verdict),
      " ",
      h("span", { class: "pill" }, d.status),
    ),
    h(
      "p",
      { class: "muted" },
      `Decided ${fmtTime(d.decidedAt, tz)} under spec v${d.specVersion}${d.arm ? ` (arm ${d.arm})` : ""}; autonomy level ${d.autonomyLevel} (${d.autonomySource}), trust ${d.trustScore}`,
      d.executeAt ? `; sends ${fmtTime(d.executeAt, tz)}${tz ? ` (${tz})` : ""}` : "",
    ),
    d.status === "in_doubt" ? settleForm(view, d) : null,
    h("div", { class: "card" }, recipient(d), messageView(d.payload)),
    h("div", { class: "card" }, whyView(d)),
    d.reasons?.length
      ? [
          h("h2", {}, "Reasons"),
          h(
            "ul",
            {},
            d.reasons.map((r) => h("li", {}, r)),
          ),
        ]
      : null,
    h("h2", {}, "Checks"),
    checksTable(d.checks),
    d.review
      ? [
          h("h2", {}, "Review"),
          h(
            "p",
            {},
            `${d.review.action} by ${d.review.by} at ${fmtTime(d.review.at)}`,
            d.review.note ? `: ${d.review.note}` : "",
          ),
        ]
      : null,
    h("h2", {}, "Ledger"),
    h(
      "ul",
      { class: "timeline" },
      (d.events ?? []).map((e) =>
        h(
          "li",
          {},
          h("strong", {}, e.type),
          ` · ${fmtTime(e.at)} · ${e.actor}`,
          e.from || e.to ? h("span", { class: "muted" }, ` (${e.from ?? ""} → ${e.to ?? ""})`) : null,
          e.detail ? h("div", { class: "muted" }, e.detail) : null,
        ),
      ),
    ),
    h("h2", {}, "Outcomes"),
    d.outcomes?.length
      ? h(
          "ul",
          {},
          d.outcomes.map((o) => h("li", {}, `${o.type} at ${fmtTime(o.at)}`)),
        )
      : h("p", { class: "muted" }, "None recorded."),
  );
}

// A decision in doubt: its executor could not tell whether the action went out, so nothing sent it
// again. A reviewer who has looked in the vendor's records says which it was (POST .../settle).
function settleForm(view, d) {
  const form = h(
    "form",
    { class: "card", id: "settle" },
    h("h2", {}, "Did it go out?"),
    h(
      "p",
      { class: "muted" },
      "The harness could not tell whether this action reached the vendor, so it did not send it again. Look in the vendor's own records (the HubSpot timeline, the LinkedIn sent folder, SES's sending log), then say which it was.",
    ),
    h(
      "div",
      { class: "row" },
      h("label", {}, "What you looked at", h("input", { name: "note", maxlength: 500, size: 40 })),
      h("label", {}, "Vendor's id (optional)", h("input", { name: "externalId", maxlength: 200, size: 24 })),
    ),
    h(
      "div",
      { class: "row" },
      h("button", { class: "primary", type: "button", "data-act": "went-out" }, "It went out"),
      h("button", { class: "danger", type: "button", "data-act": "not-sent" }, "It did not go out"),
    ),
  );
  // Only a button settles it: Enter in a field would otherwise press the first one, "It went out".
  form.addEventListener("submit", (e) => e.preventDefault());
  const settle = async (wentOut) => {
    const note = form.elements.note.value.trim();
    const externalId = form.elements.externalId.value.trim();
    try {
      // An empty note goes to the API, whose 400 names the field: shown beside it.
      await api("POST", `/v1/decisions/${encodeURIComponent(d.decisionId)}/settle`, {
        wentOut,
        note,
        ...(externalId ? { externalId } : {}),
      });
      await renderOne(view, [d.decisionId]);
    } catch (err) {
      showErrors(form, err);
    }
  };
  form.querySelector("[data-act=went-out]").addEventListener("click", () => settle(true));
  form.querySelector("[data-act=not-sent]").addEventListener("click", () => settle(false));
  return form;
}
