// What every chart of the app does, in one place: a chart whose figures are all zero (or that has none)
// writes "no data yet" across its area, and says so to screen readers, instead of drawing empty axes.
// The words come from the script tag's data-empty attribute (templates/_partials/chart_scripts.html).
(function () {
  "use strict";
  var script = document.currentScript;
  var text = script ? script.getAttribute("data-empty") : "";
  if (typeof Chart === "undefined" || !text) {
    return;
  }
  function hasFigure(value) {
    if (value === null || value === undefined) {
      return false;
    }
    if (typeof value === "object") {
      return hasFigure(value.y) || hasFigure(value.x);
    }
    return Number(value) !== 0 && !isNaN(Number(value));
  }
  function isEmpty(chart) {
    return !chart.data.datasets.some(function (set) {
      return (set.data || []).some(hasFigure);
    });
  }
  Chart.register({
    id: "noData",
    afterDraw: function (chart) {
      if (!isEmpty(chart)) {
        return;
      }
      var area = chart.chartArea || { left: 0, top: 0, right: chart.width, bottom: chart.height };
      var ctx = chart.ctx;
      ctx.save();
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillStyle = "#6c757d";
      ctx.font = "15px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
      ctx.fillText(text, (area.left + area.right) / 2, (area.top + area.bottom) / 2);
      ctx.restore();
      chart.canvas.setAttribute("aria-label", text);
      chart.canvas.setAttribute("data-empty", "true");
    },
  });
})();
