// Charts with uPlot (loaded as the global `uPlot`): time on x, one line per series.
import { fill, h } from "../dom.js";

const COLORS = ["#2f5fd0", "#d05f2f", "#137333", "#8e44ad", "#b54708", "#0f766e", "#b42318"];

/**
 * series: [{ label, values, scale? }]; xs in seconds. Series on scale "level" get their own axis
 * on the right (trust levels 1-3 next to a 0-1 score).
 */
export function lineChart(el, title, xs, series, { bars = false } = {}) {
  const Plot = globalThis.uPlot;
  fill(el, h("div", { class: "chart-title" }, h("strong", {}, title)));
  if (!Plot) {
    el.append(h("p", { class: "muted" }, "Charts need the uPlot library (run npm ci)."));
    return;
  }
  const width = Math.max(320, Math.min(1100, (el.clientWidth || 900) - 20));
  const narrow = xs.length < 2 || Math.max(...xs) - Math.min(...xs) < 3600;
  const scales = new Set(series.map((s) => s.scale).filter(Boolean));
  const opts = {
    width,
    height: 220,
    // Points all at one instant would leave the axis no width: give it a day either side.
    scales: {
      x: narrow
        ? { time: true, auto: false, range: [Math.min(...xs) - 86400, Math.max(...xs) + 86400] }
        : { time: true },
    },
    series: [
      {},
      ...series.map((s, i) => ({
        label: s.label,
        stroke: COLORS[i % COLORS.length],
        width: 2,
        points: { show: true, size: narrow ? 9 : 5 },
        ...(s.scale ? { scale: s.scale } : {}),
        ...(bars
          ? { paths: Plot.paths.bars({ size: [0.6, 40] }), fill: `${COLORS[i % COLORS.length]}55` }
          : {}),
      })),
    ],
    axes: [{}, {}, ...[...scales].map((s) => ({ scale: s, side: 1, grid: { show: false } }))],
  };
  return new Plot(opts, [xs, ...series.map((s) => s.values)], el);
}
