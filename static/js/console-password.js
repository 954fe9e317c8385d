// Progressive enhancement of the console-password forms: show the custom password
// field only when it applies. Without JavaScript every field stays visible.
(function () {
  "use strict";
  var form = document.querySelector("form[data-console-password]");
  if (!form) return;
  var access = form.querySelector("#id_console_access");
  var kinds = form.querySelectorAll("input[name=password_kind]");
  var custom = form.querySelector("#id_password");
  var reset = form.querySelector("#id_password_reset_required");
  function fieldOf(input) { return input ? input.closest(".field") : null; }
  function update() {
    var on = access.checked;
    var isCustom = form.querySelector("input[name=password_kind]:checked");
    isCustom = isCustom && isCustom.value === "custom";
    fieldOf(kinds[0]).hidden = !on;
    fieldOf(custom).hidden = !(on && isCustom);
    fieldOf(reset).hidden = !on;
  }
  access.addEventListener("change", update);
  kinds.forEach(function (radio) { radio.addEventListener("change", update); });
  update();
})();
