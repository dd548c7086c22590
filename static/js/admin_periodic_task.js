// The periodic task's admin form: the chosen schedule in words under the schedule field (what
// django-celery-beat does with an inline script, which the Content-Security-Policy refuses).
(function () {
  "use strict";
  var script = document.currentScript;
  var inWords = (script && script.getAttribute("data-in-words")) || "";
  function start() {
    var data = document.getElementById("readable-crontabs");
    var select = document.getElementById("id_crontab");
    var field = document.querySelector(".field-crontab");
    if (!data || !select || !field) { return; }
    var readable = JSON.parse(data.textContent);
    var help = field.querySelector(".help");
    var original = help ? help.textContent : "";
    var hidden = document.querySelector(".field-crontab_translation");
    if (hidden) { hidden.hidden = true; }
    select.addEventListener("change", function () {
      if (!help) { return; }
      help.textContent = original;
      var words = readable[select.value];
      if (words) {
        help.appendChild(document.createElement("br"));
        help.appendChild(document.createTextNode(inWords + " " + words));
      }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
