// Signing in with a passkey alone, on a sign-in page's form marked data-passkey-signin.
// Two ways in: the browser's autofill (WebAuthn conditional mediation: the user name box has
// autocomplete="username webauthn"; the browser offers this site's passkeys there) and the
// "Sign in with a passkey" button. Both ask the server for options (no allowCredentials, user
// verification required), and post the browser's answer as JSON in the hidden "credential" field.
// Needs webauthn.js before it (window.TobiraWebAuthn). Without JavaScript, or without WebAuthn,
// nothing shows: the page is the password sign-in. Messages come from the page (data-msg-*).
(function () {
  "use strict";

  const form = document.querySelector("form[data-passkey-signin]");
  if (!form || !window.PublicKeyCredential || !navigator.credentials || !window.TobiraWebAuthn) {
    return;
  }
  const helpers = window.TobiraWebAuthn;
  const button = form.querySelector("[data-passkey-start]");
  const box = form.querySelector("[data-webauthn-error]");
  let autofill = null; // the AbortController of the pending autofill request

  function show(text) {
    box.textContent = text;
    box.hidden = false;
  }

  function messageFor(error) {
    const name = error && error.name;
    if (name === "NotAllowedError") return form.dataset.msgCancelled;
    if (name === "SecurityError") return form.dataset.msgSecurity;
    return form.dataset.msgFailed;
  }

  async function options() {
    const token = form.querySelector("[name=csrfmiddlewaretoken]").value;
    const response = await fetch(form.dataset.optionsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, Accept: "application/json" },
    });
    if (!response.ok) throw new Error("options " + response.status);
    return helpers.requestOptions(await response.json());
  }

  function submit(credential) {
    form.querySelector("[name=credential]").value = JSON.stringify(
      helpers.credentialToJSON(credential)
    );
    form.dataset.passkeyState = "submitting";
    form.submit();
  }

  // The autofill: a request that waits until the person picks a passkey in the user name box.
  async function startAutofill() {
    const controller = new AbortController();
    autofill = controller;
    const publicKey = await options();
    if (controller.signal.aborted) return;
    form.dataset.passkeyState = "autofill";
    const credential = await navigator.credentials.get({
      publicKey: publicKey,
      mediation: "conditional",
      signal: controller.signal,
    });
    if (credential) submit(credential);
  }

  // The button: the browser's own dialog, now.
  async function startModal() {
    if (autofill) autofill.abort();
    autofill = null;
    button.disabled = true;
    try {
      const publicKey = await options();
      form.dataset.passkeyState = "modal";
      const credential = await navigator.credentials.get({ publicKey: publicKey });
      submit(credential);
    } catch (error) {
      show(messageFor(error));
      button.disabled = false;
    }
  }

  form.closest("[data-testid=passkey-signin]").hidden = false;
  button.addEventListener("click", function (event) {
    event.preventDefault();
    startModal();
  });
  if (PublicKeyCredential.isConditionalMediationAvailable) {
    PublicKeyCredential.isConditionalMediationAvailable().then(function (available) {
      if (!available) return;
      startAutofill().catch(function () {
        // Aborted by the button, or ended without an answer: the autofill asked nothing of the
        // person, so nothing is said (a refusal shown by the server stays). The button and the
        // password remain.
        if (form.dataset.passkeyState === "autofill") form.dataset.passkeyState = "autofill-ended";
      });
    });
  }
})();
