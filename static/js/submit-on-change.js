// A <select data-submit-on-change> sends its form as soon as a choice is made: the language
// switch on every page, a list's page size. Without JavaScript the form's own button does it.
// (An onchange="..." attribute would be refused: the Content-Security-Policy allows no inline
// script.)
(function () {
  "use strict";
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
