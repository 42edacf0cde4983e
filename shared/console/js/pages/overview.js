// Overview: per day, proposals by verdict, collisions prevented, touches sent, replies and meetings,
// as charts (the daily report; default the last 14 days of the server's clock).
import { api, qs, serverNow, showErrors, syncClock } from "../api.js";
import { fill, h } from "../dom.js";
import { lineChart } from "./chart.js";

const VERDICTS = ["allow", "schedule", "require_approval", "defer", "block"];
const DAY = 86_400_000;
const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const num = (...vs) => vs.find((v) => typeof v === "number") ?? 0;

export async function render(view) {
  await syncClock();
  const form = h(
    "form",
    { class: "row", id: "overview-range" },
    h("label", {}, "From", h("input", { name: "from", type: "date", value: isoDay(serverNow() - 13 * DAY) })),
    h("label", {}, "To", h("input", { name: "to", type: "date", value: isoDay(serverNow()) })),
    h("button", { type: "submit" }, "Show"),
  );
  const charts = h("div", { id: "overview-charts" });
  view.append(h("h1", {}, "Overview"), form, charts);

  async function load() {
    const res = await api(
      "GET",
      `/v1/reports/daily${qs({ from: form.elements.from.value, to: form.elements.to.value })}`,
    );
    const days = res.days ?? res.items ?? [];
    fill(charts);
    if (!days.length) {
      charts.append(h("p", { class: "muted" }, "No activity in this range."));
      return;
    }
    const xs = days.map((d) => Date.parse(d.date ?? d.day) / 1000);
    const box = () => charts.appendChild(h("div", { class: "chart" }));
    const byVerdict = (d) => d.proposals ?? d.byVerdict ?? d.verdicts ?? {};
    lineChart(
      box(),
      "Proposals by verdict",
      xs,
      VERDICTS.map((v) => ({ label: v, values: days.map((d) => num(byVerdict(d)[v])) })),
      { bars: false },
    );
    lineChart(
      box(),
      "Collisions prevented",
      xs,
      [{ label: "collisions prevented", values: days.map((d) => num(d.collisionsPrevented, d.collisions)) }],
      { bars: true },
    );
    lineChart(box(), "Touches, replies and meetings", xs, [
      { label: "touches sent", values: days.map((d) => num(d.touchesSent, d.touches)) },
      { label: "replies", values: days.map((d) => num(d.replies)) },
      { label: "meetings", values: days.map((d) => num(d.meetings, d.meetingsBooked)) },
    ]);
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await load();
    } catch (err) {
      showErrors(form, err);
    }
  });
  try {
    await load();
  } catch (err) {
    showErrors(form, err);
  }
}
