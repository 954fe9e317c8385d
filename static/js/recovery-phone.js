// The phone step: poll the attempt's state while the call runs; show the next button.
(function () {
  "use strict";
  const panel = document.querySelector("[data-recovery-phone]");
  if (!panel || !panel.querySelector("[data-testid=phone-code]")) return;
  const complete = panel.querySelector("form[data-complete]");
  const again = panel.querySelector("form[data-call]");
  const error = panel.querySelector("[data-phone-error]");
  const waiting = panel.querySelector("[data-phone-waiting]");
  const messages = {
    "no-answer": panel.dataset.msgNoAnswer,
    busy: panel.dataset.msgBusy,
    digits: panel.dataset.msgDigits,
  };
  async function poll() {
    try {
      const response = await fetch(panel.dataset.statusUrl, { credentials: "same-origin" });
      const status = await response.json();
      if (status.state === "phone_verified") {
        complete.hidden = false;
        if (waiting) waiting.hidden = true;
        return;
      }
      if (status.state === "email_verified" && status.error) {
        error.textContent = messages[status.error] || panel.dataset.msgFailed;
        error.hidden = false;
        if (status.calls_left > 0) again.hidden = false;
        if (waiting) waiting.hidden = true;
        return;
      }
    } catch (e) {
      // A network hiccup: try again below.
    }
    setTimeout(poll, 2000);
  }
  setTimeout(poll, 1000);
})();
