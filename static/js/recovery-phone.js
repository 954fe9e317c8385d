// The phone step while a call is live: poll the attempt's state; when it changes (the digits
// were verified, the call ended or timed out) reload the page, which the server renders for
// the new state. The page is a GET (POST/redirect/GET), so reloading it places no call.
(function () {
  "use strict";
  const panel = document.querySelector("[data-recovery-phone]");
  if (!panel) return;
  const live = ["call_requested", "call_in_progress"]; // the call is placed in between
  if (!live.includes(panel.dataset.state)) return;
  async function poll() {
    try {
      const response = await fetch(panel.dataset.statusUrl, {
        credentials: "same-origin",
        cache: "no-store",
      });
      const status = await response.json();
      if (!live.includes(status.state)) {
        window.location.reload();
        return;
      }
    } catch (e) {
      // A network hiccup: try again below.
    }
    setTimeout(poll, 2000);
  }
  setTimeout(poll, 1000);
})();
