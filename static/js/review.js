// The review queue: tick every report on the page at once; the bulk button is enabled
// only when something is ticked. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  function rows(form) {
    return Array.prototype.slice.call(form.querySelectorAll("[data-select-row]"));
  }

  function refresh(form) {
    var boxes = rows(form);
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.checked = boxes.length > 0 && ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    var button = form.querySelector("[data-bulk-submit]");
    if (button) { button.disabled = ticked === 0; }
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest("form");
    if (!form) { return; }
    if (event.target.matches("[data-select-all]")) {
      rows(form).forEach(function (box) { box.checked = event.target.checked; });
    }
    if (event.target.matches("[data-select-all], [data-select-row]")) { refresh(form); }
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-select-row]")) { refresh(form); }
    });
  });

  // Re-enable after the browser restores the page from its cache (boxes may still be ticked).
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form").forEach(function (form) {
      if (form.querySelector("[data-select-row]")) { refresh(form); }
    });
  });
})();
