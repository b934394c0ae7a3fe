// The import result page: follows a running import once a second, then shows its result.
// No inline script (the Content-Security-Policy forbids it): the URL comes from a data attribute.
(function () {
  "use strict";

  var box = document.querySelector("[data-progress-url]");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("progress");
  var done = box.querySelector("[data-rows-done]");
  var total = box.querySelector("[data-rows-total]");
  var status = box.querySelector("[data-status]");

  function show(data) {
    if (data.rows_total) {
      bar.max = data.rows_total;
    }
    bar.value = data.rows_done;
    done.textContent = data.rows_done;
    total.textContent = data.rows_total;
    status.textContent = data.status_label;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(response.status);
        }
        return response.json();
      })
      .then(function (data) {
        show(data);
        if (data.finished) {
          window.location.replace(data.url);
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        // A lost connection or a restarting server: keep trying, a little slower.
        window.setTimeout(poll, 3000);
      });
  }

  window.setTimeout(poll, 1000);
})();
