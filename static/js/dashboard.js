// The dashboard's charts. Every chart's data comes from the json_script block "dashboard-data"
// (the CSP forbids inline scripts); each canvas id is a key of that object. The same numbers are
// in the tables next to the charts, which are the accessible version.
(function () {
  "use strict";
  var source = document.getElementById("dashboard-data");
  if (!source || typeof Chart === "undefined") {
    return;
  }
  var charts = JSON.parse(source.textContent);
  // One colour per meaning, the same on every chart.
  var colours = {
    opinion: "#0d6efd", rumour: "#6f42c1", hot_spot: "#dc3545", question: "#20c997", proposal: "#fd7e14",
    positive: "#198754", neutral: "#ffc107", negative: "#dc3545", mixed: "#6c757d",
    unverified: "#6c757d", "true": "#dc3545", "false": "#198754", corrected: "#20c997",
    submitted: "#0d6efd", returned: "#ffc107", accepted: "#198754", rejected: "#dc3545", archived: "#adb5bd",
    now: "#0d6efd", before: "#adb5bd", hot: "#dc3545", urgent: "#fd7e14",
    reported: "#198754", missing: "#dc3545",
    sessions: "#0d6efd", registered: "#6f42c1", attended: "#198754"
  };
  var palette = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#ffc107", "#6c757d"];
  function colour(key, i) {
    return colours[key] || palette[i % palette.length];
  }

  Object.keys(charts).forEach(function (id) {
    var canvas = document.getElementById(id);
    if (!canvas) {
      return;
    }
    var spec = charts[id];
    var box = canvas.parentElement;
    // Horizontal bars get a height from their number of rows; other charts a fixed height.
    var rows = parseInt(box.getAttribute("data-rows") || "0", 10);
    var height = spec.horizontal ? Math.max(160, 40 + rows * 28) : (box.classList.contains("dashboard-chart-small") ? 220 : 280);
    box.style.position = "relative";
    box.style.height = height + "px";
    var perPoint = spec.type === "doughnut" || (spec.keys && spec.datasets.length === 1);
    var datasets = spec.datasets.map(function (series, i) {
      var set = { label: series.label, data: series.data };
      if (perPoint) {
        set.backgroundColor = spec.keys.map(colour);
      } else if (spec.type === "line") {
        set.borderColor = colour(series.key, i);
        set.backgroundColor = colour(series.key, i);
        set.tension = 0.2;
      } else {
        set.backgroundColor = colour(series.key, i);
      }
      return set;
    });
    var options = { responsive: true, maintainAspectRatio: false, animation: false, plugins: { legend: { position: "bottom" } } };
    if (spec.type !== "doughnut") {
      var value = { beginAtZero: true, stacked: !!spec.stacked, ticks: { precision: 0 } };
      var category = { stacked: !!spec.stacked };
      options.indexAxis = spec.horizontal ? "y" : "x";
      options.scales = spec.horizontal ? { x: value, y: category } : { x: category, y: value };
      if (perPoint) {
        options.plugins.legend.display = false;
      }
    }
    new Chart(canvas, { type: spec.type, data: { labels: spec.labels, datasets: datasets }, options: options });
  });
})();
