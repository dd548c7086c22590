// Collapsible sections on phones: inside [data-collapsible-sections], each section's heading (the first
// h2 of its card body, or of the row that opens it) becomes a button that shows or hides the rest of the
// card; a <details data-fold-on-phone> (filters) starts closed on a phone. The first
// ``data-open`` sections (default 1) start open; on wider screens everything stays open. No inline
// scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  var PHONE = window.matchMedia("(max-width: 575.98px)");

  function setOpen(section, button, open) {
    section.classList.toggle("section-collapsed", !open);
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  function enhance(container) {
    var open = parseInt(container.getAttribute("data-open") || "1", 10);
    var sections = container.querySelectorAll(":scope > section");
    Array.prototype.forEach.call(sections, function (section, index) {
      // The heading: the card body's first element, or the first in the row that opens it (a heading
      // with a link beside it).
      var heading = section.querySelector(".card-body > h2:first-child, .card-body > :first-child > h2:first-child");
      if (!heading || heading.querySelector(".section-toggle")) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "section-toggle";
      while (heading.firstChild) { button.appendChild(heading.firstChild); }
      heading.appendChild(button);
      setOpen(section, button, !PHONE.matches || index < open);
      button.addEventListener("click", function () {
        setOpen(section, button, button.getAttribute("aria-expanded") !== "true");
      });
    });
  }

  function all() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-collapsible-sections]"), enhance);
    // Filters open on a laptop fold on a phone (their summary opens them).
    if (PHONE.matches) {
      Array.prototype.forEach.call(document.querySelectorAll("details[data-fold-on-phone]"), function (details) {
        details.open = false;
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", all);
  } else {
    all();
  }
  // Turning a phone to landscape past the breakpoint opens everything again.
  PHONE.addEventListener("change", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".section-toggle"), function (button) {
      if (!PHONE.matches) { setOpen(button.closest("section"), button, true); }
    });
  });
})();
