// Trainings pages. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  // Copy a read-only field (the calendar feed address) to the clipboard.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) { return; }
    field.select();
    if (navigator.clipboard) {
      navigator.clipboard.writeText(field.value).catch(function () {});
    }
  });
})();
