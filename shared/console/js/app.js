// The console's shell: sign-in, a hash router (#/approvals, #/decisions/<id>, ...) and the nav.
// Each page module exports render(view, params) and may return a cleanup (timers, key handlers).
import { api, loadConfig } from "./api.js";
import { finishCognitoSignIn, followSignOuts, getToken } from "./auth.js";
import { flash } from "./dom.js";
import * as approvals from "./pages/approvals.js";
import * as decisions from "./pages/decisions.js";
import * as drafts from "./pages/drafts.js";
import * as explain from "./pages/explain.js";
import * as overview from "./pages/overview.js";
import * as pauses from "./pages/pauses.js";
import * as scheduled from "./pages/scheduled.js";
import * as signin from "./pages/signin.js";
import * as specs from "./pages/specs.js";
import * as trust from "./pages/trust.js";

const PAGES = {
  approvals: approvals.render,
  scheduled: scheduled.render,
  decisions: decisions.render,
  decision: decisions.renderOne,
  explain: explain.render,
  trust: trust.render,
  pauses: pauses.render,
  specs: specs.render,
  drafts: drafts.render,
  overview: overview.render,
  signin: signin.render,
};

let cleanup;
let who;
/** Which route() is the latest: a render that finishes after a newer one began is undone at once. */
let generation = 0;

/** "root · admin" from /v1/me, read once per token; a link to sign out. */
async function showWho() {
  const el = document.getElementById("who");
  if (!getToken()) {
    who = undefined;
    el.textContent = "";
    return;
  }
  if (!who) {
    try {
      const me = await api("GET", "/v1/me");
      who = `${me.subject} · ${me.roles.join(", ")}`;
    } catch {
      who = "signed in";
    }
  }
  el.replaceChildren(
    document.createTextNode(`${who} `),
    // Signs out: it only opened the sign-in page, which said "Signed in" and offered a button.
    Object.assign(document.createElement("a"), {
      href: "#/signin",
      textContent: "sign out",
      onclick: (e) => {
        e.preventDefault();
        signin.signOutNow();
      },
    }),
  );
}

async function route() {
  const mine = ++generation;
  // A page's own query (#/decisions?agentId=…, read by the page) is not part of its name.
  const [name = "approvals", ...rest] = location.hash.replace(/^#\/?/, "").split("?")[0].split("/");
  const page = getToken() || name === "signin" ? name : "signin";
  for (const a of document.querySelectorAll("#nav a"))
    a.classList.toggle("active", a.getAttribute("href") === `#/${page === "decision" ? "decisions" : page}`);
  showWho();
  if (typeof cleanup === "function") cleanup();
  cleanup = undefined;
  // Each render fills a container of its own: one a newer route() has replaced is detached, so what
  // an older render still writes (after its awaits) shows nowhere.
  const view = document.createElement("div");
  document.getElementById("view").replaceChildren(view);
  const render = PAGES[page] ?? PAGES.approvals;
  let done;
  try {
    done = await render(view, rest.map(decodeURIComponent));
  } catch (err) {
    if (mine === generation) flash(err.message ?? String(err), true);
  }
  // Two routes at once (the hash set after signing in, then its hashchange; a quick second click):
  // the older render's cleanup was lost, and its page lived on unseen, its keys still bound. An
  // Approvals page left so approved, on "a", the card its own stale cursor pointed at.
  if (mine !== generation) {
    if (typeof done === "function") done();
    return;
  }
  cleanup = done;
}

async function start() {
  const config = await loadConfig();
  if (config.cognito) {
    // Signed out in another tab: this one too, back to the sign-in page.
    followSignOuts(config.cognito, () => {
      if (location.hash === "#/signin") route();
      else location.hash = "#/signin";
    });
    try {
      if (await finishCognitoSignIn(config.cognito)) location.hash = "#/approvals";
    } catch (err) {
      flash(err.message, true);
    }
  }
  addEventListener("hashchange", route);
  // Alt+1..9 go to the nav's pages (plain keys belong to the page: the inbox's shortcuts).
  addEventListener("keydown", (e) => {
    if (!e.altKey) return;
    const link = document.querySelector(`#nav a[data-key="${e.key}"]`);
    if (link) {
      e.preventDefault();
      location.hash = link.getAttribute("href");
    }
  });
  await route();
}

start();
