// The console's lists: the Show button of the page-size choice is hidden (the choice applies as
// soon as it is made: submit-on-change.js, loaded by every page; the button is for browsers
// without JavaScript), and a "select all" box ticks every row of a bulk action.
(function () {
  "use strict";
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
