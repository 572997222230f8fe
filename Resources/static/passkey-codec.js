// WebAuthn's binary members as base64url text, both ways, for the passkey pages' JSON calls.
"use strict";
window.passkeyCodec = {
  decode(text) {
    const base64 = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
    return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0)).buffer;
  },
  encode(buffer) {
    let binary = "";
    for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  },
  descriptors(list) {
    return (list || []).map((c) => ({ type: c.type, id: this.decode(c.id), transports: c.transports }));
  },
  async post(url, body) {
    const answer = await fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
    let json = {};
    try { json = await answer.json(); } catch (e) { /* an empty or non-JSON answer */ }
    return { ok: answer.ok, status: answer.status, json };
  },
};
