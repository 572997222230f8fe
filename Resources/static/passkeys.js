// The passkeys page: add a passkey (navigator.credentials.create with a discoverable
// credential), rename and remove one. Every call carries the page's CSRF token.
"use strict";
(function () {
  const root = document.getElementById("passkeys");
  const codec = window.passkeyCodec;
  if (!root || !codec) return;
  const csrf = root.dataset.csrf;
  const status = document.getElementById("passkeys-status");

  function show(text) {
    status.textContent = text;
    status.hidden = false;
  }

  async function add() {
    status.hidden = true;
    const options = await codec.post("/passkeys/register/options", { csrf });
    if (options.status === 403) return show(root.dataset.reauthenticate);
    if (!options.ok) return show(root.dataset.failed);
    const o = options.json;
    const credential = await navigator.credentials.create({
      publicKey: {
        rp: o.rp, challenge: codec.decode(o.challenge), timeout: o.timeout,
        user: { id: codec.decode(o.user.id), name: o.user.name, displayName: o.user.displayName },
        pubKeyCredParams: o.pubKeyCredParams, excludeCredentials: codec.descriptors(o.excludeCredentials),
        authenticatorSelection: o.authenticatorSelection, attestation: o.attestation,
      },
    });
    const r = credential.response;
    const answer = await codec.post("/passkeys/register", {
      csrf, name: document.getElementById("passkey-name").value,
      credential: {
        id: credential.id, rawId: codec.encode(credential.rawId), type: credential.type,
        response: {
          clientDataJSON: codec.encode(r.clientDataJSON), attestationObject: codec.encode(r.attestationObject),
          transports: r.getTransports ? r.getTransports() : [],
        },
      },
    });
    if (!answer.ok) return show(root.dataset.failed);
    window.location.reload();
  }

  document.getElementById("passkey-add").addEventListener("click", () => add().catch(() => show(root.dataset.failed)));
  for (const item of root.querySelectorAll("li[data-id]")) {
    const id = encodeURIComponent(item.dataset.id);
    item.querySelector(".rename").addEventListener("click", async () => {
      const name = window.prompt(root.dataset.renamePrompt, item.querySelector(".passkey-name").textContent);
      if (!name) return;
      const answer = await codec.post("/passkeys/" + id + "/rename", { csrf, name });
      if (answer.ok) window.location.reload(); else show(root.dataset.failed);
    });
    item.querySelector(".remove").addEventListener("click", async () => {
      const answer = await codec.post("/passkeys/" + id + "/remove", { csrf });
      if (answer.ok) window.location.reload(); else show(root.dataset.failed);
    });
  }
})();
