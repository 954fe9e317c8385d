// Submits form[data-autosubmit] once the page has loaded: the SAML HTTP-POST binding's hand-over
// of the response to the application. Without JavaScript the form's Continue button does it.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosubmit]");
  if (form) {
    form.submit();
  }
})();
