import { ApiError, api, getConfig, showErrors } from "../api.js";
import { endCognitoSession, getToken, setToken, signOut, startCognitoSignIn } from "../auth.js";
import { h } from "../dom.js";

/** Sign out (the page's button and the header's link): in AWS the hosted UI's session ends too. */
export function signOutNow() {
  const cognito = getConfig().cognito;
  // In AWS the session's end revokes the refresh token first, so it clears the tab itself.
  if (cognito) return endCognitoSession(cognito);
  signOut();
  location.hash = "#/signin";
  location.reload();
}

/** Sign in: Cognito's hosted UI in AWS; locally, a pasted token checked against the API first. */
export function render(view) {
  const cognito = getConfig().cognito;
  if (getToken()) {
    view.append(h("h1", {}, "Signed in"), h("button", { onclick: signOutNow }, "Sign out"));
    return;
  }
  if (cognito) {
    view.append(
      h("h1", {}, "Sign in"),
      h(
        "button",
        { class: "primary", onclick: () => startCognitoSignIn(cognito) },
        "Sign in with your company account",
      ),
    );
    return;
  }
  const form = h(
    "form",
    { class: "card", id: "signin" },
    h(
      "label",
      {},
      "Access token",
      h("input", { type: "password", name: "token", autocomplete: "off", required: true, size: 60 }),
    ),
    h(
      "p",
      { class: "muted" },
      "Paste the admin or approver token that `npm start` printed (or make one with `harness token create`). It stays in this tab only.",
    ),
    h("button", { class: "primary", type: "submit" }, "Sign in"),
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const token = form.elements.token.value.trim();
    try {
      // Any reader route proves the token (agents' tokens cannot read the inbox).
      await api("GET", "/v1/approvals?limit=1", undefined, { token });
      setToken(token);
      location.hash = "#/approvals";
    } catch (err) {
      showErrors(form, err instanceof ApiError ? new Error(`Not signed in: ${err.message}`) : err);
    }
  });
  view.append(h("h1", {}, "Sign in"), form);
}
