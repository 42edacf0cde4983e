// Trust: per agent × action type, the score, level and evidence; the history as a chart (uPlot);
// pin and unpin a level (admin).
import { ApiError, api, showErrors } from "../api.js";
import { fill, flash, fmtTime, h } from "../dom.js";
import { lineChart } from "./chart.js";

const path = (r) => `/v1/trust/${encodeURIComponent(r.agentId)}/${encodeURIComponent(r.actionType)}`;

const round = (n) => (Number.isInteger(n) ? n : Number(n.toFixed(2)));

/** { success: 9.42, failure: 1 } -> "9.42 good / 1 bad"; numbers rounded. */
function count(v) {
  if (typeof v === "number") return round(v);
  if (v && typeof v === "object" && "success" in v)
    return `${round(v.success)} good / ${round(v.failure ?? 0)} bad`;
  return JSON.stringify(v);
}

/** Evidence counts, whatever the record carries (reviews, market outcomes, silences...). */
function evidence(r) {
  const e = r.evidence ?? r.counts;
  if (e && typeof e === "object")
    return Object.entries(e)
      .map(([k, v]) => `${k} ${count(v)}`)
      .join(" · ");
  return r.sample !== undefined ? `sample ${r.sample}` : "";
}

export async function render(view) {
  const table = h("div", { id: "trust-table" });
  const detail = h("div", { id: "trust-detail" });
  view.append(h("h1", {}, "Trust"), table, detail);

  async function load() {
    const { items } = await api("GET", "/v1/trust?limit=100");
    fill(
      table,
      h(
        "table",
        {},
        h(
          "tr",
          {},
          [
            "agent",
            "action",
            "score",
            "lower bound",
            "evidence",
            "earned",
            "pinned",
            "in force",
            "max",
            "",
          ].map((c) => h("th", {}, c)),
        ),
        items.map((r) =>
          h(
            "tr",
            { "data-key": `${r.agentId}/${r.actionType}` },
            h("td", {}, r.agentId),
            h("td", {}, r.actionType),
            h("td", {}, r.score),
            h("td", {}, r.lowerBound ?? ""),
            h("td", {}, evidence(r)),
            h("td", {}, r.earnedLevel ?? ""),
            h("td", {}, r.pinnedLevel ?? "—"),
            h("td", {}, h("strong", {}, r.effectiveLevel ?? "")),
            h("td", {}, r.maxLevel ?? ""),
            h("td", {}, h("button", { onclick: () => show(r) }, "Open")),
          ),
        ),
      ),
      items.length ? null : h("p", { class: "muted" }, "No agent has a trust record yet."),
    );
  }

  async function show(r) {
    const pin = h(
      "form",
      { class: "card", id: "pin-form" },
      h(
        "div",
        { class: "row" },
        h(
          "label",
          {},
          "Level",
          h(
            "select",
            { name: "level" },
            [1, 2, 3].map((l) => h("option", { value: l }, `level ${l}`)),
          ),
        ),
        h("label", {}, "Reason", h("input", { name: "reason", size: 30 })),
        h("button", { class: "primary", type: "submit", "data-act": "pin" }, "Pin"),
        h("button", { type: "button", "data-act": "unpin", onclick: () => send(null) }, "Unpin"),
      ),
    );
    async function send(level) {
      try {
        await api("PUT", path(r), { level, reason: pin.elements.reason.value.trim() });
        flash(level === null ? "Unpinned" : `Pinned at level ${level}`);
        await load();
      } catch (err) {
        showErrors(pin, err);
      }
    }
    pin.addEventListener("submit", (e) => {
      e.preventDefault();
      send(Number(pin.elements.level.value));
    });
    const chart = h("div", { class: "chart" });
    const changes = h("div");
    fill(detail, h("h2", {}, `${r.agentId} · ${r.actionType}`), chart, changes, pin);
    try {
      const hist = await api("GET", `${path(r)}/history`);
      // uPlot needs ascending x; a point without a time is left out.
      const points = (hist.points ?? hist.scores ?? hist.items ?? [])
        .filter((p) => Number.isFinite(Date.parse(p.at)))
        .sort((a, b) => Date.parse(a.at) - Date.parse(b.at))
        .filter((p, i, all) => all[i + 1]?.at !== p.at);
      if (points.length)
        lineChart(
          chart,
          "Score and level over time",
          points.map((p) => Date.parse(p.at) / 1000),
          [
            { label: "score", values: points.map((p) => p.score ?? null) },
            {
              label: "level",
              values: points.map((p) => p.level ?? p.effectiveLevel ?? null),
              scale: "level",
            },
          ],
        );
      else fill(chart, h("p", { class: "muted" }, "No score history yet."));
      const levelChanges = hist.changes ?? hist.levelChanges ?? [];
      if (levelChanges.length)
        fill(
          changes,
          h("h2", {}, "Level changes"),
          h(
            "ul",
            { class: "timeline" },
            levelChanges.map((c) =>
              h(
                "li",
                {},
                `${fmtTime(c.at)}: ${c.from ?? "?"} → ${c.to ?? "?"}`,
                c.detail ? ` · ${c.detail}` : "",
                c.reason ? ` · ${c.reason}` : "",
              ),
            ),
          ),
        );
    } catch (err) {
      fill(
        chart,
        h(
          "p",
          { class: "muted" },
          err instanceof ApiError && err.status === 404 ? "No history available." : err.message,
        ),
      );
    }
  }
  await load();
}
