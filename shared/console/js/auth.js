// Sign-in. Locally: paste a token (`harness token create` or the one `npm start` prints). In AWS
// (config.json has `cognito`): the Cognito hosted UI by authorization code + PKCE (RFC 7636). The
// token is kept in sessionStorage (gone when the tab closes) and never put in a URL.

const TOKEN = "harness.token";
const PKCE = "harness.pkce";

export const getToken = () => sessionStorage.getItem(TOKEN);
export const setToken = (t) => sessionStorage.setItem(TOKEN, t);
export const signOut = () => sessionStorage.removeItem(TOKEN);

const b64url = (bytes) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

const random = (n) => b64url(crypto.getRandomValues(new Uint8Array(n)));

/** The hosted UI's origin: config may give "auth.example.com" or "https://auth.example.com". */
const origin = (domain) => (/^https?:\/\//.test(domain) ? domain : `https://${domain}`).replace(/\/$/, "");

const redirectUri = (cognito) => cognito.redirectUri ?? `${location.origin}${location.pathname}`;

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

/**
 * Sign out of the hosted UI too: its own session (a cookie of Cognito's domain, about an hour) would
 * otherwise sign the next person at this browser straight back in as this one, without a password or
 * MFA. Cognito ends it and returns to the console (a logout URL of the client, as the redirect is).
 */
export function endCognitoSession(cognito) {
  const q = new URLSearchParams({ client_id: cognito.clientId, logout_uri: redirectUri(cognito) });
  location.assign(`${origin(cognito.domain)}/logout?${q}`);
}

/**
 * Back from the hosted UI with ?code&state: check the state, exchange the code with the verifier,
 * keep the token, and take the code out of the address bar. Returns true when signed in this way.
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
  const res = await fetch(`${origin(cognito.domain)}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: cognito.clientId,
      code,
      redirect_uri: redirectUri(cognito),
      code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) throw new Error(`sign-in failed (${res.status})`);
  const tokens = await res.json();
  // The API's authorizer reads the ID token (groups are in its cognito:groups claim) unless config says otherwise.
  setToken(cognito.tokenUse === "access" ? tokens.access_token : tokens.id_token);
  return true;
}
