// Sign-in with a passkey on the login page (any discoverable passkey, nothing typed; also
// offered in the login field's autofill where the browser supports conditional mediation)
// and on the second-factor page (the passkeys of the user whose password was accepted).
"use strict";
(function () {
  const root = document.getElementById("passkey");
  const codec = window.passkeyCodec;
  if (!root || !codec || !window.PublicKeyCredential || !navigator.credentials) return;
  const interaction = root.dataset.interaction;
  const csrf = root.dataset.csrf;
  const button = document.getElementById("passkey-signin");
  const status = document.getElementById("passkey-status");
  let conditional = null;

  function fail() {
    status.textContent = root.dataset.failed;
    status.hidden = false;
  }

  async function signIn(mediation, signal) {
    const options = await codec.post("/login/passkey/options", { interaction, csrf });
    if (!options.ok) throw new Error("options refused");
    const o = options.json;
    const credential = await navigator.credentials.get({
      mediation, signal,
      publicKey: {
        challenge: codec.decode(o.challenge), rpId: o.rpId, timeout: o.timeout,
        userVerification: o.userVerification, allowCredentials: codec.descriptors(o.allowCredentials),
      },
    });
    if (!credential) return;
    const r = credential.response;
    const answer = await codec.post("/login/passkey", {
      interaction, csrf,
      credential: {
        id: credential.id, rawId: codec.encode(credential.rawId), type: credential.type,
        response: {
          clientDataJSON: codec.encode(r.clientDataJSON), authenticatorData: codec.encode(r.authenticatorData),
          signature: codec.encode(r.signature), userHandle: r.userHandle ? codec.encode(r.userHandle) : null,
        },
      },
    });
    if (answer.ok && answer.json.location) {
      window.location.assign(answer.json.location);
    } else {
      fail();
    }
  }

  button.hidden = false;
  button.addEventListener("click", () => {
    if (conditional) conditional.abort();
    conditional = null;
    status.hidden = true;
    signIn("optional").catch(fail);
  });
  if (root.dataset.conditional && PublicKeyCredential.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then((available) => {
      if (!available) return;
      conditional = new AbortController();
      signIn("conditional", conditional.signal).catch(() => {});
    });
  }
})();
