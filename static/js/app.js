// Site-wide behaviour. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  // Ask before a form marked data-confirm is sent.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
  // Disable submit buttons once a form is sent, against double clicks.
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented) { return; }
    var buttons = event.target.querySelectorAll("button[type=submit]:not([data-allow-resubmit])");
    window.setTimeout(function () {
      buttons.forEach(function (button) { button.disabled = true; });
    }, 0);
  });
})();
// Print buttons (printable codes, attendance sheets, certificates).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
// Re-enable submit buttons when the browser restores a page from its cache.
window.addEventListener("pageshow", function () {
  document.querySelectorAll("button[type=submit]:disabled").forEach(function (button) {
    button.disabled = false;
  });
});
