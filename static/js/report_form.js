// The report form: a copy of everything typed is kept on the device, per person and form
// ("report-draft:<user>:new" for a new report, "report-draft:<user>:<id>" for a draft or a returned
// report; see static/js/offline.js), not per form token: a closed tab, a reload, an expired session
// or a new sign-in gets a new token, and the copy is still offered back. It is forgotten once the
// server confirms the report. Without a connection, "send" keeps the report in the phone's outbox,
// sent when the connection returns. No inline scripts: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  var MAX_AGE_MS = 30 * 24 * 3600 * 1000;
  var offline = window.OpinionOffline;
  if (!offline) { return; }
  var drafts = offline.drafts;

  // The server confirmed a send: forget the copy of that form, and never use its token again.
  document.querySelectorAll("[data-clear-draft]").forEach(function (marker) {
    var sent = marker.getAttribute("data-clear-draft");
    if (sent) {
      drafts.forgetToken(sent);
      offline.spent.add(sent);
    }
  });

  // Forget copies nobody came back to (a shared phone should not keep text for ever).
  try {
    var store = window.localStorage;
    for (var i = store.length - 1; i >= 0; i--) {
      var name = store.key(i);
      if (name && name.indexOf("report-draft:") === 0) {
        var old = JSON.parse(store.getItem(name) || "{}");
        if (!old.savedAt || Date.now() - old.savedAt > MAX_AGE_MS) { store.removeItem(name); }
      }
    }
  } catch (e) { /* no storage or a damaged entry: ignore */ }

  var form = document.getElementById("report-form");
  if (!form || !offline.user) { return; }
  var formId = form.getAttribute("data-draft-form");
  var tokenInput = form.querySelector("input[name=token]");
  var isNew = formId === "new";
  var offer = document.getElementById("draft-offer");
  var queuedNotice = document.getElementById("queued-notice");
  // The version of the draft the server sent (seconds); 0 for a new report. A local copy is offered
  // only if it was typed on top of this version or a later one, so the phone's clock never matters.
  var serverVersion = parseInt(form.getAttribute("data-server-saved") || "0", 10) || 0;
  var dirty = false;
  var pending = null; // a copy offered back, not yet restored or discarded

  function token() { return tokenInput ? tokenInput.value : form.getAttribute("data-token"); }

  function setToken(value) {
    if (tokenInput) { tokenInput.value = value; }
    form.setAttribute("data-token", value);
  }

  // A new form whose token was already used (the page came from the phone's cache after a report was
  // sent or queued with it) takes a fresh one; a token never sent stays, so a resend is still a no-op.
  if (isNew && offline.spent.has(token())) { setToken(offline.newToken()); }
  // A new report saved as a draft is now this form: its copy lives here from now on.
  if (!isNew) {
    var fromNew = drafts.get("new");
    if (fromNew && fromNew.token === token()) { drafts.remove("new"); }
  }

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

  function differs(values) {
    var current = collect();
    return Object.keys(values).some(function (name) {
      if (!(name in current)) { return false; }
      var a = values[name];
      var b = current[name];
      if (typeof b === "boolean") { return !!a !== b; }
      return JSON.stringify(a) !== JSON.stringify(b);
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
        var checked = v === true || v === "on" || v === "true";
        if (el.checked !== checked) { el.checked = checked; changed++; }
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) {
          var selected = Array.isArray(v) ? v.indexOf(o.value) !== -1 : o.value === v;
          if (o.selected !== selected) { o.selected = selected; changed++; }
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
    if (pending) { return; } // the copy offered back is kept until the person restores or discards it
    var values = collect();
    if (isEmpty(values)) { return; }
    drafts.put(formId, {
      savedAt: Date.now(), base: serverVersion, token: token(), url: window.location.pathname, values: values
    });
  }

  var timer = null;
  function saveSoon() {
    dirty = true;
    window.clearTimeout(timer);
    timer = window.setTimeout(save, 400);
  }

  function showErrors(messages) {
    var box = document.getElementById("queued-errors");
    if (!box) { return; }
    box.textContent = "";
    (messages || []).forEach(function (message) {
      var line = document.createElement("div");
      line.textContent = message;
      box.appendChild(line);
    });
    box.classList.toggle("d-none", !(messages && messages.length));
    if (messages && messages.length) { box.scrollIntoView({ block: "center" }); }
  }

  function hideOffer() {
    pending = null;
    if (offer) { offer.classList.add("d-none"); }
  }

  // A copy typed on this device that the server does not have: offer it back. A report the server
  // refused after it waited in the outbox comes straight back into the form, with the server's words.
  function offerBack() {
    var saved = drafts.get(formId);
    if (!saved || !saved.values || isEmpty(saved.values)) { return; }
    if (saved.errors) {
      apply(saved.values);
      showErrors(saved.errors);
      delete saved.errors;
      drafts.put(formId, saved);
      dirty = true;
      return;
    }
    if (!differs(saved.values)) { return; }
    if (!isNew && (saved.base || 0) < serverVersion) { return; } // the server has a later version
    pending = saved;
    if (offer) { offer.classList.remove("d-none"); }
  }

  if (offer) {
    offer.querySelector("[data-draft-restore]").addEventListener("click", function () {
      var values = pending && pending.values;
      hideOffer();
      if (values) { apply(values); showForKind(); dirty = true; save(); }
    });
    offer.querySelector("[data-draft-discard]").addEventListener("click", function () {
      hideOffer();
      drafts.remove(formId);
      if (!isEmpty(collect())) { save(); }
    });
  }
  document.addEventListener("offline:returned", function (event) {
    if (event.detail && event.detail.form === formId) { hideOffer(); offerBack(); }
  });

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

  offerBack();
  showForKind();

  form.addEventListener("input", saveSoon);
  form.addEventListener("change", function () { saveSoon(); showForKind(); });
  window.addEventListener("pagehide", function () { if (dirty) { save(); } });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && dirty) { save(); }
  });

  // Without a connection the report waits in the outbox, with its token and its files.
  function keepForLater(submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) { data.set(submitter.name, submitter.value); }
    var pairs = [];
    data.forEach(function (value, name) {
      if (typeof value !== "string" && !value.size && !value.name) { return; } // no file chosen
      pairs.push([name, value]);
    });
    var entry = {
      form: formId, page: window.location.pathname, action: form.getAttribute("action"),
      token: token(), base: serverVersion, fields: pairs,
      title: (form.querySelector("[name=title]") || {}).value || ""
    };
    return offline.queue(entry).then(function () {
      window.clearTimeout(timer);
      drafts.remove(formId);
      dirty = false;
      hideOffer();
      showErrors([]);
      if (isNew) {
        form.reset();
        setToken(offline.newToken());
        showForKind();
      }
      if (queuedNotice) {
        queuedNotice.classList.remove("d-none");
        queuedNotice.scrollIntoView({ block: "center" });
      }
    });
  }

  form.addEventListener("submit", function (event) {
    if (navigator.onLine !== false) {
      save();
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    save();
    keepForLater(event.submitter).catch(function () {
      // No outbox on this phone (private mode): the copy stays, to send once the connection is back.
      var notice = document.getElementById("offline-notice");
      if (notice) {
        notice.classList.remove("d-none");
        notice.scrollIntoView({ block: "center" });
      }
    });
  });
  window.addEventListener("online", function () {
    var notice = document.getElementById("offline-notice");
    if (notice) { notice.classList.add("d-none"); }
  });
})();
