// Progressive enhancement of the attach pickers (select[data-filter="placeholder"]): a filter
// box above the list, and the list shown open. Without JavaScript the select works alone and
// starts on its empty choice ("Choose a policy"), which the server refuses.
(function () {
  "use strict";
  document.querySelectorAll("select[data-filter]").forEach(function (select) {
    var filter = document.createElement("input");
    filter.type = "search";
    filter.className = "policy-filter";
    filter.id = select.id + "_filter";
    filter.placeholder = select.getAttribute("data-filter");
    filter.setAttribute("aria-label", filter.placeholder);
    filter.setAttribute("aria-controls", select.id);
    filter.autocomplete = "off";
    select.parentNode.insertBefore(filter, select);
    var placeholder = select.querySelector('option[value=""]');
    var options = Array.prototype.filter.call(select.options, function (option) {
      return option.value !== "";
    });
    function update() {
      var words = filter.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
      var shown = 0;
      options.forEach(function (option) {
        var text = option.textContent.toLowerCase();
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        option.hidden = !match;
        if (match) shown += 1;
        if (!match && option.selected && placeholder) placeholder.selected = true;
      });
      select.querySelectorAll("optgroup").forEach(function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      select.size = Math.max(2, Math.min(shown + select.querySelectorAll("optgroup:not([hidden])").length, 12));
      select.classList.toggle("policy-picker-empty", shown === 0);
    }
    if (placeholder) placeholder.hidden = true;
    filter.addEventListener("input", update);
    update();
  });
})();
