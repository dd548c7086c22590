// The effect chart of a guidance note: sightings, reports and new units per day around publication.
// Data comes from the json_script block rendered by the page (the CSP forbids inline scripts).
(function () {
  "use strict";
  var source = document.getElementById("effect-data");
  var canvas = document.getElementById("effect-chart");
  if (!source || !canvas || typeof Chart === "undefined") {
    return;
  }
  var data = JSON.parse(source.textContent);
  var colours = ["#dc3545", "#0d6efd", "#fd7e14"];
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (series, i) {
        return { label: series.label, data: series.data, backgroundColor: colours[i % colours.length] };
      }),
    },
    options: {
      responsive: true,
      animation: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
    },
  });
})();
