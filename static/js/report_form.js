// The report form: a copy of everything typed is kept on the device (localStorage)
// so that a dropped connection or a closed tab loses nothing; it is restored when
// the form is opened again and forgotten once the server confirms the report was sent.
// No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  var PREFIX = "report-draft:";
  var MAX_AGE_MS = 30 * 24 * 3600 * 1000;

  function storage() {
    try {
      var probe = "__report_probe__";
      window.localStorage.setItem(probe, probe);
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null; // private mode or storage full: the form still works, without the local copy
    }
  }
  var store = storage();
  if (!store) { return; }

  // The server confirmed a send: forget the local copy of that form.
  document.querySelectorAll("[data-clear-draft]").forEach(function (marker) {
    var sent = marker.getAttribute("data-clear-draft");
    if (sent) { store.removeItem(PREFIX + sent); }
  });

  // Forget copies nobody came back to (a shared phone should not keep text for ever).
  try {
    for (var i = store.length - 1; i >= 0; i--) {
      var name = store.key(i);
      if (name && name.indexOf(PREFIX) === 0) {
        var old = JSON.parse(store.getItem(name) || "{}");
        if (!old.savedAt || Date.now() - old.savedAt > MAX_AGE_MS) { store.removeItem(name); }
      }
    }
  } catch (e) { /* a damaged entry: ignore */ }

  var form = document.getElementById("report-form");
  if (!form) { return; }
  var token = form.getAttribute("data-token");
  if (!token) { return; }
  var key = PREFIX + token;
  // The version of the draft the server sent (seconds); 0 for a new report. A local copy
  // is restored only if it was typed on top of this version or a later one, so the
  // phone's clock never matters.
  var serverVersion = parseInt(form.getAttribute("data-server-saved") || "0", 10) || 0;
  var dirty = false;

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrfmiddlewaretoken" && el.name !== "token" &&
        el.type !== "file" && el.type !== "submit" && el.type !== "button" && el.type !== "reset";
    });
  }

  function collect() {
    var values = {};
    fields().forEach(function (el) {
      if (el.type === "radio") {
        if (el.checked) { values[el.name] = el.value; } else if (!(el.name in values)) { values[el.name] = ""; }
      } else if (el.type === "checkbox") {
        values[el.name] = el.checked;
      } else if (el.tagName === "SELECT" && el.multiple) {
        values[el.name] = Array.prototype.map.call(el.selectedOptions, function (o) { return o.value; });
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function isEmpty(values) {
    return Object.keys(values).every(function (name) {
      var v = values[name];
      return v === "" || v === false || (Array.isArray(v) && v.length === 0);
    });
  }

  function apply(values) {
    var changed = 0;
    fields().forEach(function (el) {
      if (!(el.name in values)) { return; }
      var v = values[el.name];
      if (el.type === "radio") {
        var on = el.value === v;
        if (el.checked !== on) { el.checked = on; changed++; }
      } else if (el.type === "checkbox") {
        if (el.checked !== !!v) { el.checked = !!v; changed++; }
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) {
          var on = Array.isArray(v) && v.indexOf(o.value) !== -1;
          if (o.selected !== on) { o.selected = on; changed++; }
        });
      } else if (typeof v === "string" && el.value !== v) {
        if (el.tagName === "SELECT" && !Array.prototype.some.call(el.options, function (o) { return o.value === v; })) {
          return; // a choice that no longer exists
        }
        el.value = v;
        changed++;
      }
    });
    return changed;
  }

  function save() {
    var values = collect();
    if (isEmpty(values)) { return; }
    try {
      store.setItem(key, JSON.stringify({ savedAt: Date.now(), base: serverVersion, values: values }));
    } catch (e) { /* storage full: nothing more we can do */ }
  }

  var timer = null;
  function saveSoon() {
    dirty = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 400);
  }

  // Restore a copy typed on this device that the server does not have.
  try {
    var saved = JSON.parse(store.getItem(key) || "null");
    if (saved && saved.values && (isEmpty(collect()) || (saved.base || 0) >= serverVersion)) {
      if (apply(saved.values) > 0) {
        dirty = true;
        var notice = document.getElementById("restored-notice");
        if (notice) { notice.classList.remove("d-none"); }
      }
    }
  } catch (e) { store.removeItem(key); }

  // The "I heard this too" choice only makes sense for a rumour.
  function showForKind() {
    var checked = form.querySelector("input[name=kind]:checked");
    var kind = checked ? checked.value : "";
    form.querySelectorAll("[data-show-for-kind]").forEach(function (box) {
      var select = box.querySelector("select");
      var keep = select && select.value;
      box.classList.toggle("d-none", box.getAttribute("data-show-for-kind") !== kind && !keep);
    });
  }
  showForKind();

  form.addEventListener("input", saveSoon);
  form.addEventListener("change", function () { saveSoon(); showForKind(); });
  window.addEventListener("pagehide", function () { if (dirty) { save(); } });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty) { save(); }
  });

  form.addEventListener("submit", function (event) {
    save();
    if (navigator.onLine === false) {
      event.preventDefault();
      event.stopPropagation();
      var offline = document.getElementById("offline-notice");
      if (offline) {
        offline.classList.remove("d-none");
        offline.scrollIntoView({ block: "center" });
      }
    }
  });
  window.addEventListener("online", function () {
    var offline = document.getElementById("offline-notice");
    if (offline) { offline.classList.add("d-none"); }
  });
})();
