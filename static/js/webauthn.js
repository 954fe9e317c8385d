// Passkeys and security keys: navigator.credentials.create/get for the form marked data-webauthn.
// The server sends options as WebAuthn JSON; the browser's answer goes back as JSON in the
// form's hidden "credential" field. Messages come from the page (data-msg-*), in its language.
(function () {
  "use strict";

  function b64urlToBuffer(value) {
    const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "===".slice((base64.length + 3) % 4);
    const binary = atob(padded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes.buffer;
  }

  function bufferToB64url(buffer) {
    const bytes = new Uint8Array(buffer);
    let binary = "";
    for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // For browsers without PublicKeyCredential.parse*OptionsFromJSON / toJSON.
  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    const options = Object.assign({}, json);
    options.challenge = b64urlToBuffer(json.challenge);
    options.user = Object.assign({}, json.user, { id: b64urlToBuffer(json.user.id) });
    options.excludeCredentials = (json.excludeCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: b64urlToBuffer(c.id) });
    });
    return options;
  }

  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    const options = Object.assign({}, json);
    options.challenge = b64urlToBuffer(json.challenge);
    options.allowCredentials = (json.allowCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: b64urlToBuffer(c.id) });
    });
    return options;
  }

  function credentialToJSON(credential) {
    if (typeof credential.toJSON === "function") return credential.toJSON();
    const response = credential.response;
    const json = {
      id: credential.id,
      rawId: bufferToB64url(credential.rawId),
      type: credential.type,
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
      clientExtensionResults: credential.getClientExtensionResults(),
      response: { clientDataJSON: bufferToB64url(response.clientDataJSON) },
    };
    if (response.attestationObject) {
      json.response.attestationObject = bufferToB64url(response.attestationObject);
      json.response.transports = response.getTransports ? response.getTransports() : [];
    } else {
      json.response.authenticatorData = bufferToB64url(response.authenticatorData);
      json.response.signature = bufferToB64url(response.signature);
      if (response.userHandle) json.response.userHandle = bufferToB64url(response.userHandle);
    }
    return json;
  }

  // For passkey-signin.js (loaded after this file): the same conversions.
  window.TobiraWebAuthn = { requestOptions: requestOptions, credentialToJSON: credentialToJSON };

  function messageFor(form, error) {
    const name = error && error.name;
    if (name === "NotAllowedError") return form.dataset.msgCancelled;
    if (name === "InvalidStateError") return form.dataset.msgRegistered;
    if (name === "SecurityError") return form.dataset.msgSecurity;
    return form.dataset.msgFailed;
  }

  function show(form, text) {
    const box = form.querySelector("[data-webauthn-error]");
    box.textContent = text;
    box.hidden = false;
  }

  async function run(form, button) {
    const register = form.dataset.webauthn === "register";
    const token = form.querySelector("[name=csrfmiddlewaretoken]").value;
    button.disabled = true;
    try {
      const response = await fetch(form.dataset.optionsUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": token, Accept: "application/json" },
      });
      if (!response.ok) throw new Error("options " + response.status);
      const json = await response.json();
      const credential = register
        ? await navigator.credentials.create({ publicKey: creationOptions(json) })
        : await navigator.credentials.get({ publicKey: requestOptions(json) });
      form.querySelector("[name=credential]").value = JSON.stringify(credentialToJSON(credential));
      form.submit();
    } catch (error) {
      show(form, messageFor(form, error));
      button.disabled = false;
    }
  }

  document.querySelectorAll("form[data-webauthn]").forEach(function (form) {
    const button = form.querySelector("[data-webauthn-start]");
    if (!window.PublicKeyCredential || !navigator.credentials) {
      show(form, form.dataset.msgUnsupported);
      button.disabled = true;
      return;
    }
    button.hidden = false;
    button.addEventListener("click", function (event) {
      event.preventDefault();
      run(form, button);
    });
  });

  // The assign page: the app's suggested name does not name a passkey.
  const name = document.querySelector("input[data-app-suggestion]");
  if (name) {
    document.querySelectorAll("input[name=device_type]").forEach(function (radio) {
      radio.addEventListener("change", function () {
        const suggestion = name.dataset.appSuggestion;
        if (radio.value === "webauthn" && name.value === suggestion) name.value = "";
        if (radio.value === "app" && name.value === "") name.value = suggestion;
      });
    });
  }
})();
