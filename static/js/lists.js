// The console's lists: a page-size choice applies as soon as it is chosen (its Show button is
// for browsers without JavaScript), and a "select all" box ticks every row of a bulk action.
(function () {
  "use strict";
  document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.querySelectorAll("[data-js-hide]").forEach(function (element) {
    element.style.display = "none";
  });
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    var boxes = document.querySelectorAll("input[type=checkbox][name='" + all.dataset.selectAll + "']");
    all.hidden = false;
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
  });
})();
