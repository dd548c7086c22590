// The spread chart of a rumour: sightings per day (bars) and the units it had been heard in so far (line).
// Data comes from the json_script block rendered by the page (the CSP forbids inline scripts).
(function () {
  "use strict";
  var source = document.getElementById("rumour-spread-data");
  var canvas = document.getElementById("rumour-spread-chart");
  var labels = document.getElementById("rumour-spread-labels");
  if (!source || !canvas || !labels || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  new Chart(canvas, {
    data: {
      labels: data.labels,
      datasets: [
        { type: "bar", label: labels.dataset.sightings, data: data.sightings, backgroundColor: "#dc3545" },
        { type: "line", label: labels.dataset.units, data: data.units, borderColor: "#0d6efd", yAxisID: "units" },
      ],
    },
    options: {
      responsive: true,
      animation: false,
      scales: {
        y: { beginAtZero: true, ticks: { precision: 0 } },
        units: { position: "right", beginAtZero: true, ticks: { precision: 0 }, grid: { drawOnChartArea: false } },
      },
    },
  });
})();
