// The demo relying party: a public client in the browser doing authorization code + PKCE
// against this server, then showing the decoded tokens and the userinfo answer.
(function () {
  const root = document.getElementById("demo");
  if (!root) return;
  const issuer = root.dataset.issuer;
  const clientId = root.dataset.clientId;
  const redirectUri = issuer + "/demo";
  const out = document.getElementById("output");
  const status = document.getElementById("status");
  const b64url = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const random = (n) => b64url(crypto.getRandomValues(new Uint8Array(n)));
  const decode = (jwt) => JSON.parse(atob(jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));

  async function signIn() {
    const verifier = random(32), state = random(16), nonce = random(16);
    const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
    sessionStorage.setItem("demo", JSON.stringify({ verifier, state, nonce }));
    const params = new URLSearchParams({ response_type: "code", client_id: clientId, redirect_uri: redirectUri,
      scope: "openid profile email", state, nonce, code_challenge: challenge, code_challenge_method: "S256" });
    location.assign(issuer + "/authorize?" + params);
  }

  async function tokenRequest(body) {
    const response = await fetch(issuer + "/token", { method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(body) });
    return response.json();
  }

  async function show(tokens) {
    if (tokens.error) { status.textContent = tokens.error + ": " + tokens.error_description; return; }
    sessionStorage.setItem("demo-refresh", tokens.refresh_token || "");
    const userinfo = await fetch(issuer + "/userinfo", { headers: { Authorization: "Bearer " + tokens.access_token } }).then((r) => r.json());
    document.getElementById("tokens-title").hidden = false;
    document.getElementById("refresh").hidden = !tokens.refresh_token;
    out.textContent = JSON.stringify({ access_token: decode(tokens.access_token),
      id_token: tokens.id_token ? decode(tokens.id_token) : null, refresh_token: tokens.refresh_token ? "(opaque)" : null,
      expires_in: tokens.expires_in, scope: tokens.scope, userinfo }, null, 2);
  }

  async function callback(params) {
    const saved = JSON.parse(sessionStorage.getItem("demo") || "{}");
    history.replaceState(null, "", redirectUri);
    if (params.get("error")) { status.textContent = params.get("error") + ": " + params.get("error_description"); return; }
    if (params.get("state") !== saved.state) { status.textContent = "state mismatch: the response is not for this browser"; return; }
    const tokens = await tokenRequest({ grant_type: "authorization_code", code: params.get("code"),
      redirect_uri: redirectUri, client_id: clientId, code_verifier: saved.verifier });
    if (tokens.id_token && decode(tokens.id_token).nonce !== saved.nonce) { status.textContent = "nonce mismatch"; return; }
    status.textContent = "";
    await show(tokens);
  }

  document.getElementById("signin").addEventListener("click", signIn);
  document.getElementById("refresh").addEventListener("click", async () => {
    show(await tokenRequest({ grant_type: "refresh_token", refresh_token: sessionStorage.getItem("demo-refresh"), client_id: clientId }));
  });
  const params = new URLSearchParams(location.search);
  if (params.has("code") || params.has("error")) callback(params);
})();
