// The livestream backdrop (/backdrop/<token>/): cycles through the five beauties and keeps the
// product panel in step with what the streamer or staff chose, polling a small JSON state
// every two seconds and updating the page in place (no reload, no inline script).
(function () {
  "use strict";

  var body = document.body;
  var stateUrl = body.dataset.stateUrl;
  var version = parseInt(body.dataset.version, 10) || 0;
  var pollMs = parseInt(body.dataset.pollMs, 10) || 2000;
  var slideSeconds = parseInt(body.dataset.slideSeconds, 10) || 8;
  var slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
  var current = 0;
  var slideTimer = null;

  function nextSlide() {
    if (slides.length < 2) {
      return;
    }
    slides[current].classList.remove("is-current");
    current = (current + 1) % slides.length;
    slides[current].classList.add("is-current");
  }

  function startSlides() {
    if (slideTimer) {
      clearInterval(slideTimer);
    }
    slideTimer = setInterval(nextSlide, slideSeconds * 1000);
  }

  var panel = document.querySelector("[data-product]");
  function part(name) {
    return panel.querySelector("[data-product-" + name + "]");
  }

  function show(product) {
    panel.classList.toggle("is-empty", !product);
    part("name").textContent = product ? product.name : "";
    part("village").textContent = product ? product.village : "";
    part("price").textContent = product ? product.price : "";
    part("price-label").hidden = !(product && product.price);
    part("qr").src = product ? product.qr : "data:,";
    part("photo").src = product && product.photo ? product.photo : "data:,";
    panel.dataset.productId = product ? String(product.id) : "";
  }

  function schedule() {
    window.setTimeout(poll, pollMs);
  }

  function poll() {
    fetch(stateUrl + "?since=" + version, { cache: "no-store", credentials: "omit" })
      .then(function (response) {
        if (response.status === 404) {
          body.classList.add("is-gone");
          return null;
        }
        return response.ok ? response.json() : null;
      })
      .then(function (state) {
        if (state && state.changed) {
          version = state.version;
          body.dataset.version = String(version);
          show(state.product);
          if (state.slide_seconds && state.slide_seconds !== slideSeconds) {
            slideSeconds = state.slide_seconds;
            startSlides();
          }
        }
      })
      .catch(function () {
        // A network hiccup: keep showing what we have and try again at the next tick.
      })
      .then(schedule);
  }

  startSlides();
  schedule();
})();
