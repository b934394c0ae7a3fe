// Forwarding monitor: "tick all on this page". No inline scripts (the CSP forbids them).
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (!all || !all.form) {
      return;
    }
    var name = all.getAttribute("data-select-all");
    all.form.querySelectorAll("input[type=checkbox][name='" + name + "']").forEach(function (box) {
      box.checked = all.checked;
    });
  });
})();
