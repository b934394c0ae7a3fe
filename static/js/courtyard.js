// The courtyard pages: the cost estimate as the visitor types, pick-up hides the address, and a
// form sent once (a double tap on a slow village connection must not send it twice; the server
// is idempotent anyway). No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  function yuan(value) {
    return value.toLocaleString("zh-CN", { minimumFractionDigits: 0, maximumFractionDigits: 0 });
  }

  function estimate(form) {
    var input = form.querySelector("input[name=area]");
    var output = form.querySelector(".estimate-result");
    var low = parseFloat(form.getAttribute("data-min"));
    var high = parseFloat(form.getAttribute("data-max"));
    var text = (input.value || "").replace(/[^0-9.]/g, "");
    var area = parseFloat(text);
    if (!(area >= 1 && area <= 10000)) {
      output.hidden = true;
      return false;
    }
    output.textContent = output.getAttribute("data-template")
      .replace("{low}", yuan(low * area))
      .replace("{high}", yuan(high * area))
      .replace("{area}", String(area));
    output.hidden = false;
    var book = document.querySelector("a.book-button");
    if (book) {
      book.href = form.getAttribute("data-book") + "?area=" + encodeURIComponent(String(area));
    }
    return true;
  }

  document.querySelectorAll("form.estimate-form").forEach(function (form) {
    form.addEventListener("input", function () { estimate(form); });
    form.addEventListener("submit", function (event) {
      if (estimate(form)) {
        event.preventDefault();
      }
    });
  });

  var pickup = document.querySelector("input[name=pickup]");
  var delivery = document.querySelector(".delivery");
  function showDelivery() {
    if (pickup && delivery) {
      delivery.hidden = pickup.checked;
    }
  }
  if (pickup) {
    pickup.addEventListener("change", showDelivery);
    showDelivery();
  }

  document.addEventListener("submit", function (event) {
    var button = event.target.querySelector("button[data-once]");
    if (!button || event.defaultPrevented) {
      return;
    }
    if (button.getAttribute("aria-busy") === "true") {
      event.preventDefault();
      return;
    }
    button.setAttribute("aria-busy", "true");
  });
})();
