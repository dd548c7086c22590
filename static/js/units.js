// The units pages: expand and collapse the tree, fill a unit code from the name search.
// No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";

  // Tree nodes: the first click loads the children with htmx (hx-trigger="click once");
  // every click shows or hides them.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-unit-toggle]");
    if (!button) { return; }
    var target = document.getElementById(button.getAttribute("aria-controls"));
    if (!target) { return; }
    var expanded = button.getAttribute("aria-expanded") === "true";
    button.setAttribute("aria-expanded", expanded ? "false" : "true");
    target.hidden = expanded;
    var icon = button.querySelector("[data-unit-toggle-icon]");
    if (icon) { icon.textContent = expanded ? "+" : "\u2212"; }
  });

  // Pickers: clicking a search result writes its code into the field.
  document.addEventListener("click", function (event) {
    var pick = event.target.closest("[data-unit-pick]");
    if (!pick) { return; }
    var fieldId = pick.getAttribute("data-unit-pick-target");
    var input = document.getElementById(fieldId);
    if (!input) { return; }
    input.value = pick.getAttribute("data-unit-pick");
    input.dispatchEvent(new Event("change", { bubbles: true }));
    var chosen = document.getElementById(fieldId + "-chosen");
    if (chosen) { chosen.textContent = "\u2714 " + pick.getAttribute("data-unit-pick-label"); }
    var results = document.getElementById(fieldId + "-results");
    if (results) { results.textContent = ""; }
  });

  // Enter in a picker's search box must not send the whole form.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches("[data-unit-pick-search]")) {
      event.preventDefault();
    }
  });
})();
