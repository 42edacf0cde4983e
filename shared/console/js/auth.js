// Sign-in. Locally: paste a token (`harness token create` or the one `npm start` prints). In AWS
// (config.json has `cognito`): the Cognito hosted UI by authorization code + PKCE (RFC 7636). The
// token, and in AWS Cognito's refresh token, are kept in sessionStorage (gone when the tab closes)
// and never put in a URL.

const TOKEN = "harness.token";
const REFRESH = "harness.refresh";
const PKCE = "harness.pkce";

/** Renew a token that has less than this left: the call it is for, and a slow network, fit inside. */
const RENEW_BEFORE_MS = 2 * 60_000;

export const getToken = () => sessionStorage.getItem(TOKEN);
export const setToken = (t) => sessionStorage.setItem(TOKEN, t);
/** Forget this tab's sign-in: the token and the refresh token that would mint the next one. */
export const signOut = () => {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(REFRESH);
};

const b64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

const random = (n) => b64url(crypto.getRandomValues(new Uint8Array(n)));

/** The hosted UI's origin: config may give "auth.example.com" or "https://auth.example.com". */
const origin = (domain) => (/^https?:\/\//.test(domain) ? domain : `https://${domain}`).replace(/\/$/, "");

const redirectUri = (cognito) => cognito.redirectUri ?? `${location.origin}${location.pathname}`;

/** POST a form to the hosted UI's domain (its token and revoke endpoints take no JSON). */
const postForm = (cognito, path, fields, init = {}) =>
  fetch(`${origin(cognito.domain)}${path}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
    ...init,
  });

/** Keep what /oauth2/token answered: the token the API reads, and the refresh token if one came. */
function keepTokens(cognito, tokens) {
  // The API's authorizer reads the ID token (groups are in its cognito:groups claim) unless config says otherwise.
  setToken(cognito.tokenUse === "access" ? tokens.access_token : tokens.id_token);
  // A refresh grant answers without one (Cognito sends a new one only when it rotates them): the first stays.
  if (tokens.refresh_token) sessionStorage.setItem(REFRESH, tokens.refresh_token);
}

/** When a JWT expires (ms since the epoch); undefined for a token that is not one (a pasted harness token). */
function expiresAt(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = new TextDecoder().decode(Uint8Array.from(atob(part), (c) => c.charCodeAt(0)));
    const { exp } = JSON.parse(json);
    return typeof exp === "number" ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** The refresh in flight: the calls that need a new token at once wait for the same one. */
let renewing;

/**
 * A new token from Cognito's refresh token (`grant_type=refresh_token`; a public client, so no
 * secret). Concurrent callers share one request: an inbox's calls all expire together, and N
 * refreshes would each be a request to Cognito for the same thing. Resolves to `{ token }`,
 * `"refused"` (no refresh token, or Cognito will never take it again: the tab is signed out) or
 * `"unavailable"` (Cognito did not answer, or not yet: the session stays, to be tried again).
 */
export function renewToken(cognito) {
  renewing ??= refresh(cognito).finally(() => {
    renewing = undefined;
  });
  return renewing;
}

/** Cognito's answers that mean this refresh token will never mint a token again (RFC 6749 §5.2). */
const FOR_GOOD = new Set(["invalid_grant", "invalid_client", "unauthorized_client"]);

async function refresh(cognito) {
  const refreshToken = sessionStorage.getItem(REFRESH);
  if (!refreshToken) return "refused";
  let res;
  try {
    res = await postForm(cognito, "/oauth2/token", {
      grant_type: "refresh_token",
      client_id: cognito.clientId,
      refresh_token: refreshToken,
    });
  } catch {
    // Offline: the session stays, and the call that wanted a new token says so.
    return "unavailable";
  }
  // Signed out (or in again) while it was asked: what it answers is no longer this tab's to keep.
  // Before, a renewal in flight at sign-out put a token back after /logout, signed in as before.
  if (sessionStorage.getItem(REFRESH) !== refreshToken) return "refused";
  if (!res.ok) {
    // invalid_grant: the refresh token expired (the client's validity) or was revoked; it will never
    // work again, so the tab signs out instead of asking once per call. Anything else (a 429, a 5xx,
    // a 400 of another kind) may pass: before, any 400 signed the tab out, and a moment's trouble at
    // Cognito lost a sign-in with whatever the approver had typed.
    const error = await res
      .json()
      .then((b) => b?.error)
      .catch(() => undefined);
    if (res.status === 401 || FOR_GOOD.has(error)) {
      signOut();
      return "refused";
    }
    return "unavailable";
  }
  keepTokens(cognito, await res.json());
  return { token: getToken() };
}

/**
 * The token to send: in AWS, renewed first when it has under two minutes left. Cognito's tokens
 * live an hour and an approver works through the inbox for longer; before, every call answered
 * 401 an hour after signing in. Checked before each call (not on a timer), so a tab woken after a
 * night asks once, when it is next used. Locally (no cognito, or a token that is no JWT) as it is.
 */
export async function freshToken(cognito) {
  const token = getToken();
  if (!cognito || !token) return token;
  const exp = expiresAt(token);
  if (exp === undefined || exp - Date.now() > RENEW_BEFORE_MS) return token;
  const renewed = await renewToken(cognito);
  return typeof renewed === "object" ? renewed.token : getToken();
}

/**
 * Start the code flow: a fresh verifier (32 random bytes) and state are kept in sessionStorage; only
 * the verifier's SHA-256 (the challenge) goes to the hosted UI.
 */
export async function startCognitoSignIn(cognito) {
  const verifier = random(32);
  const state = random(16);
  sessionStorage.setItem(PKCE, JSON.stringify({ verifier, state }));
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const q = new URLSearchParams({
    response_type: "code",
    client_id: cognito.clientId,
    redirect_uri: redirectUri(cognito),
    scope: cognito.scope ?? "openid email",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  });
  location.assign(`${origin(cognito.domain)}/oauth2/authorize?${q}`);
}

/** Revoke a refresh token (`/oauth2/revoke`): a copy of it would otherwise mint tokens until it expires. */
async function revoke(cognito, refreshToken) {
  try {
    await postForm(
      cognito,
      "/oauth2/revoke",
      { token: refreshToken, client_id: cognito.clientId },
      { signal: AbortSignal.timeout(5000) },
    );
  } catch {
    // Unreachable, or an answer the browser may not read: signing out goes on (the tab forgot it).
  }
}

/**
 * The console's tabs in this browser. Each tab signed in through the hosted UI holds a refresh token
 * of its own, which renews its sign-in for 12 hours: a sign-out that ended only its own tab left the
 * others signed in for the rest of the day (before renewal, they lapsed within the hour).
 */
const tabs = typeof BroadcastChannel === "function" ? new BroadcastChannel("harness.auth") : undefined;
const SIGNED_OUT = "signed-out";

/**
 * Sign out of this tab, the console's other tabs and the hosted UI. The refresh token is revoked
 * first: a copy of it would otherwise mint tokens for the rest of its validity. Then the hosted UI's
 * own session (a cookie of Cognito's domain, about an hour), which would otherwise sign the next
 * person at this browser straight back in as this one, without a password or MFA. Cognito ends it
 * and returns to the console (a logout URL of the client, as the redirect is).
 */
export async function endCognitoSession(cognito) {
  const refreshToken = sessionStorage.getItem(REFRESH);
  signOut();
  tabs?.postMessage(SIGNED_OUT);
  if (refreshToken) await revoke(cognito, refreshToken);
  const q = new URLSearchParams({ client_id: cognito.clientId, logout_uri: redirectUri(cognito) });
  location.assign(`${origin(cognito.domain)}/logout?${q}`);
}

/**
 * Forget this tab's sign-in (at once) and revoke its refresh token: the API refused even a renewed
 * token (a user removed, a client changed), and the refresh token would otherwise stay good.
 */
export async function dropSession(cognito) {
  const refreshToken = sessionStorage.getItem(REFRESH);
  signOut();
  if (cognito && refreshToken) await revoke(cognito, refreshToken);
}

/** Another tab signed out: this one revokes its own refresh token, forgets its sign-in, then `then()`. */
export function followSignOuts(cognito, then) {
  tabs?.addEventListener("message", async (e) => {
    if (e.data !== SIGNED_OUT) return;
    const refreshToken = sessionStorage.getItem(REFRESH);
    signOut();
    if (refreshToken) await revoke(cognito, refreshToken);
    then();
  });
}

/**
 * Back from the hosted UI with ?code&state: check the state, exchange the code with the verifier,
 * keep the tokens, and take the code out of the address bar. Returns true when signed in this way.
 */
export async function finishCognitoSignIn(cognito) {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  if (!code) return false;
  const saved = JSON.parse(sessionStorage.getItem(PKCE) ?? "null");
  sessionStorage.removeItem(PKCE);
  history.replaceState(null, "", `${location.pathname}${location.hash}`);
  if (!saved || saved.state !== params.get("state"))
    throw new Error("sign-in state did not match: try again");
  const res = await postForm(cognito, "/oauth2/token", {
    grant_type: "authorization_code",
    client_id: cognito.clientId,
    code,
    redirect_uri: redirectUri(cognito),
    code_verifier: saved.verifier,
  });
  if (!res.ok) throw new Error(`sign-in failed (${res.status})`);
  // A new sign-in replaces the whole session: no refresh token of a previous one is kept beside it.
  signOut();
  keepTokens(cognito, await res.json());
  return true;
}
