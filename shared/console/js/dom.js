// Small DOM helpers. Text is always set as text (never innerHTML): payloads, notes and names come
// from agents and people, so nothing from the API is ever parsed as HTML.

/** h("button", { class: "primary", onclick }, "Approve") */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === "class") el.className = v;
    else if (k === "value") el.value = v;
    else if (k === "checked") el.checked = Boolean(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replace an element's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A date in the viewer's zone (or the given IANA zone), e.g. "Mar 10, 2026, 10:00 AM". */
export function fmtTime(iso, timeZone) {
  if (!iso) return "";
  const opts = { dateStyle: "medium", timeStyle: "short", ...(timeZone ? { timeZone } : {}) };
  try {
    return new Date(iso).toLocaleString(undefined, opts);
  } catch {
    return new Date(iso).toLocaleString();
  }
}

/** 3725000 -> "1h 02m 05s"; negative -> "0s". */
export function duration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const p = (n) => String(n).padStart(2, "0");
  if (d) return `${d}d ${hh}h ${p(mm)}m`;
  if (hh) return `${hh}h ${p(mm)}m ${p(ss)}s`;
  if (mm) return `${mm}m ${p(ss)}s`;
  return `${ss}s`;
}

let flashTimer;
/** A short message at the top of the page (role=status, read by screen readers). */
export function flash(message, error = false) {
  const el = document.getElementById("flash");
  if (!el) return;
  el.textContent = message;
  el.className = error ? "error" : "";
  clearTimeout(flashTimer);
  flashTimer = setTimeout(() => {
    el.textContent = "";
  }, 6000);
}

/** A check result as a coloured word. */
export function resultBadge(result) {
  const cls = result === "pass" ? "pass" : result === "fail" ? "fail" : "na";
  return h("span", { class: cls }, result);
}

/** The table of a decision's checks: pass, fail or n/a, with the rule, effect and detail. */
export function checksTable(checks = []) {
  return h(
    "table",
    { class: "checks" },
    h("tr", {}, h("th", {}, "check"), h("th", {}, "result"), h("th", {}, "effect"), h("th", {}, "detail")),
    checks.map((c) =>
      h(
        "tr",
        {},
        h(
          "td",
          {},
          c.check,
          c.rule ? h("span", { class: "muted" }, ` · ${c.rule}`) : null,
          c.shadow ? " (shadow)" : "",
        ),
        h("td", {}, resultBadge(c.result)),
        h("td", {}, c.effect ?? ""),
        h("td", {}, c.detail ?? ""),
      ),
    ),
  );
}

/**
 * A diff (jsdiff, loaded as the global `Diff`) of two texts as <ins>/<del> runs: by line for
 * documents (specs), by word for a message a reviewer edits.
 */
export function diffView(before, after, by = "lines") {
  const D = globalThis.Diff;
  const parts = D ? (by === "words" ? D.diffWordsWithSpace : D.diffLines)(before, after) : [{ value: after }];
  return h(
    "div",
    { class: "diff" },
    parts.map((p) => (p.added ? h("ins", {}, p.value) : p.removed ? h("del", {}, p.value) : p.value)),
  );
}
