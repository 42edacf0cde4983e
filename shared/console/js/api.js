// The public API under /v1, called with the signed-in person's bearer token. Errors keep the API's
// body so forms can show a 400's field issues next to their fields.
import { dropSession, freshToken, getToken, renewToken } from "./auth.js";
import { h } from "./dom.js";

let config = {};

/** config.json beside index.html: { apiBase, cognito? } in AWS; absent locally (same origin). */
export async function loadConfig() {
  try {
    const res = await fetch("config.json", { cache: "no-store" });
    config = res.ok ? await res.json() : {};
  } catch {
    config = {};
  }
  return config;
}

export const getConfig = () => config;

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/**
 * One call to the API. In AWS the token is renewed before it expires and, when the API answers 401
 * anyway (revoked, or a clock that slept), once more, and the call is made again with the new one.
 * A call given its own `token` (the sign-in form checking a pasted one) is made as it is.
 */
export async function api(method, path, body, { contentType = "application/json", token } = {}) {
  const send = (bearer) => {
    const headers = {};
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers["content-type"] = contentType;
    return fetch(`${(config.apiBase ?? "").replace(/\/$/, "")}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
  };
  const bearer = token ?? (await freshToken(config.cognito));
  let res = await send(bearer);
  if (res.status === 401 && !token && config.cognito && bearer) {
    // Another call may have renewed it meanwhile; otherwise join (or start) the one renewal.
    const now = getToken();
    const renewed = now && now !== bearer ? { token: now } : await renewToken(config.cognito);
    // Cognito did not answer: the sign-in stays (its refresh token may well work in a moment), and
    // this call says so, where before the tab was signed out with whatever was being typed.
    if (renewed === "unavailable")
      throw new ApiError(503, {
        error: "sign_in_unavailable",
        message:
          "Your sign-in could not be renewed just now (the sign-in service did not answer): try again.",
      });
    if (typeof renewed === "object") res = await send(renewed.token);
  }
  const text = await res.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = { message: text };
  }
  // Still 401 (or no renewal to be had): sign in again, as the only way on; never another renewal.
  if (res.status === 401 && !token) {
    // Forgotten at once; its refresh token revoked on the way (before, it stayed good for the day).
    void dropSession(config.cognito);
    location.hash = "#/signin";
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/**
 * Every item of a paged listing, page after page (its `cursor`), up to `max`: a queue shows what it
 * holds, not its newest page. Before, the inbox read one page of 100, newest first, and the oldest
 * waiting actions (the first to expire) were never shown. `more` says the listing had more than `max`.
 */
export async function allItems(path, params = {}, max = 1000) {
  const items = [];
  let cursor;
  do {
    const page = await api("GET", `${path}${qs({ ...params, limit: 100, cursor })}`);
    items.push(...(page.items ?? []));
    cursor = page.cursor;
  } while (cursor && items.length < max);
  return { items: items.slice(0, max), more: Boolean(cursor) || items.length > max };
}

/** `?a=1&b=x` from the non-empty entries of an object. */
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : "";
}

/** Clear the error marks a previous submit left on a form. */
export function clearErrors(form) {
  for (const el of form.querySelectorAll(".field-error, .form-error")) el.remove();
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/**
 * Show an API error on a form: each 400 issue next to the field whose name (or data-path prefix)
 * matches its path; issues naming no field, and other errors, at the top of the form.
 */
export function showErrors(form, err) {
  clearErrors(form);
  const issues = err instanceof ApiError && Array.isArray(err.body?.issues) ? err.body.issues : [];
  const loose = [];
  for (const issue of issues) {
    const field = fieldFor(form, issue.path ?? "");
    if (!field) {
      loose.push(issue);
      continue;
    }
    field.setAttribute("aria-invalid", "true");
    const note = h("span", { class: "field-error", "data-error-for": field.name }, messageOf(issue));
    const holder = field.closest("label") ?? field;
    holder.append(note);
  }
  if (loose.length || issues.length === 0) {
    const text = loose.length ? loose.map(messageOf).join("; ") : (err.message ?? String(err));
    form.prepend(h("div", { class: "form-error", role: "alert" }, text));
  }
}

const messageOf = (issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message);

function fieldFor(form, path) {
  const exact = [...form.elements].find((el) => el.name === path);
  if (exact) return exact;
  // A field that stands for a whole document (a spec's text) takes every issue under its prefix.
  return [...form.querySelectorAll("[data-path]")].find(
    (el) => el.dataset.path === "*" || path === el.dataset.path || path.startsWith(`${el.dataset.path}.`),
  );
}

/**
 * Time left and countdowns are measured on the server's clock (a demo server may run a simulated
 * one): the offset to this browser's clock is read from /v1/health.
 */
let offsetMs = 0;
export async function syncClock() {
  try {
    const t0 = Date.now();
    const health = await api("GET", "/v1/health");
    offsetMs = Date.parse(health.time) - (t0 + Date.now()) / 2;
  } catch {
    offsetMs = 0;
  }
}
export const serverNow = () => Date.now() + offsetMs;
