// The seller's order desk. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  // <button data-print>: print the pick list.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
})();
