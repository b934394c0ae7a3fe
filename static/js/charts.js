// Charts of the report pages, drawn by the vendored Chart.js from data the page carries in
// <script type="application/json"> elements (json_script). No inline scripts: the CSP forbids them.
(function () {
  "use strict";

  var PALETTE = ["#a61e5a", "#e07a5f", "#3d7ea6", "#81b29a", "#f2cc8f", "#6d597a", "#b5838d",
    "#457b9d", "#e9c46a", "#2a9d8f"];

  function colourOf(index) {
    return PALETTE[index % PALETTE.length];
  }

  function datasetsOf(spec) {
    return spec.datasets.map(function (set, index) {
      var result = { label: set.label, data: set.data, borderWidth: 0 };
      if (spec.type === "doughnut") {
        result.backgroundColor = set.data.map(function (_value, at) { return colourOf(at); });
      } else {
        result.backgroundColor = colourOf(index);
        result.borderColor = colourOf(index);
      }
      if (spec.type === "line") {
        result.borderWidth = 2;
        result.pointRadius = set.data.length > 60 ? 0 : 2;
        result.tension = 0.2;
      }
      return result;
    });
  }

  function optionsOf(spec) {
    var options = {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { display: spec.type === "doughnut" || spec.stacked === true } },
    };
    if (spec.stacked) {
      options.scales = { x: { stacked: true }, y: { stacked: true, beginAtZero: true } };
    } else if (spec.type !== "doughnut") {
      options.scales = { y: { beginAtZero: true } };
    }
    return options;
  }

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || typeof window.Chart === "undefined") {
      return;
    }
    var spec = JSON.parse(source.textContent);
    canvas.chart = new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasetsOf(spec) },
      options: optionsOf(spec),
    });
    canvas.setAttribute("data-drawn", "true");
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
