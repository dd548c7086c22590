// The site without a connection, on every page:
// - registers the service worker (/sw.js) that keeps the app shell, the report form and the guidance
//   notes a person opened;
// - keeps the copies of forms being typed per person and form (localStorage: "report-draft:<user>:<form>"),
//   so that a closed tab, a reload, an expired session or a new sign-in loses nothing;
// - keeps the reports written without a connection in an outbox (IndexedDB, files included), shows how
//   many wait, and sends them when the connection returns and when a page opens. Each carries its form's
//   token: the server's token check makes a second sending of the same report change nothing, so an
//   entry leaves the outbox only once the server has confirmed it.
// Only what belongs to the person signed in is offered back or sent. No inline scripts (CSP).
(function () {
  "use strict";
  var DRAFT_PREFIX = "report-draft:";
  var SPENT_PREFIX = "report-spent:";
  var OWNER_KEY = "offline-owner";
  var DB_NAME = "opinion-network";
  var STORE = "outbox";
  var status = document.getElementById("outbox-status");
  var user = status ? status.getAttribute("data-user") || "" : "";
  var listeners = [];

  function localStore() {
    try {
      var probe = "__offline_probe__";
      window.localStorage.setItem(probe, probe);
      window.localStorage.removeItem(probe);
      return window.localStorage;
    } catch (e) {
      return null; // private mode or storage full: the site still works, without local copies
    }
  }
  var store = localStore();

  // ---- Local copies of forms, per person and form ----
  var drafts = {
    key: function (form) { return user && store ? DRAFT_PREFIX + user + ":" + form : null; },
    get: function (form) {
      var key = drafts.key(form);
      if (!key) { return null; }
      try { return JSON.parse(store.getItem(key) || "null"); } catch (e) { store.removeItem(key); return null; }
    },
    put: function (form, record) {
      var key = drafts.key(form);
      if (!key) { return; }
      try { store.setItem(key, JSON.stringify(record)); } catch (e) { /* storage full */ }
    },
    remove: function (form) {
      var key = drafts.key(form);
      if (key) { store.removeItem(key); }
    },
    // The copies whose form was sent with this token (the server confirmed it): forget them.
    forgetToken: function (token) {
      if (!user || !store || !token) { return; }
      var prefix = DRAFT_PREFIX + user + ":";
      for (var i = store.length - 1; i >= 0; i--) {
        var name = store.key(i);
        if (name && name.indexOf(prefix) === 0) {
          try {
            var record = JSON.parse(store.getItem(name) || "{}");
            if (record.token === token) { store.removeItem(name); }
          } catch (e) { store.removeItem(name); }
        }
      }
    }
  };

  // Tokens already used by a report (sent, or waiting in the outbox): a form kept by the service
  // worker may still carry one, and must then take a new one, or its report would be taken for the
  // earlier one and dropped.
  var spent = {
    list: function () {
      if (!user || !store) { return []; }
      try { return JSON.parse(store.getItem(SPENT_PREFIX + user) || "[]"); } catch (e) { return []; }
    },
    has: function (token) { return spent.list().indexOf(token) !== -1; },
    add: function (token) {
      if (!user || !store || !token || spent.has(token)) { return; }
      var list = spent.list();
      list.push(token);
      try { store.setItem(SPENT_PREFIX + user, JSON.stringify(list.slice(-100))); } catch (e) { /* full */ }
    }
  };

  function newToken() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // ---- The outbox (IndexedDB) ----
  var dbPromise = null;
  function db() {
    if (!window.indexedDB) { return Promise.reject(new Error("no IndexedDB")); }
    if (!dbPromise) {
      dbPromise = new Promise(function (resolve, reject) {
        var request = window.indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    }
    return dbPromise;
  }

  function transact(mode, work) {
    return db().then(function (database) {
      return new Promise(function (resolve, reject) {
        var tx = database.transaction(STORE, mode);
        var result = work(tx.objectStore(STORE));
        tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
        tx.onabort = function () { reject(tx.error); };
      });
    });
  }

  function mine() {
    if (!user) { return Promise.resolve([]); }
    return transact("readonly", function (os) { return os.getAll(); }).then(function (all) {
      return (all || []).filter(function (entry) { return entry.user === user; });
    });
  }

  function queue(entry) {
    entry.user = user;
    entry.queuedAt = Date.now();
    return transact("readwrite", function (os) { return os.add(entry); }).then(function () {
      spent.add(entry.token);
      return refresh();
    });
  }

  function removeEntry(id) {
    return transact("readwrite", function (os) { return os.delete(id); });
  }

  // ---- What the person sees ----
  function text(name) { return status ? status.getAttribute("data-" + name + "-text") || "" : ""; }

  function note(message) {
    var box = status && status.querySelector("[data-outbox-note]");
    if (box) { box.textContent = message || ""; }
  }

  function refresh() {
    return mine().then(function (entries) {
      if (status) {
        status.querySelector("[data-testid=outbox-count]").textContent =
          text("count").replace("%(count)s", String(entries.length));
        status.classList.toggle("d-none", entries.length === 0);
        status.setAttribute("data-count", String(entries.length));
      }
      listeners.forEach(function (listener) { listener(entries.length); });
      return entries.length;
    }).catch(function () { return 0; });
  }

  function showReturned(url) {
    var box = document.getElementById("outbox-returned");
    if (!box) { return; }
    box.querySelector("[data-outbox-returned-text]").textContent = text("returned");
    box.querySelector("[data-outbox-returned-link]").setAttribute("href", url);
    box.classList.remove("d-none");
  }

  // ---- Sending ----
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function errorsOf(html) {
    try {
      var page = new DOMParser().parseFromString(html, "text/html");
      var messages = [];
      page.querySelectorAll("[data-testid=form-errors], .invalid-feedback, .errorlist").forEach(function (el) {
        var message = el.textContent.replace(/\s+/g, " ").trim();
        if (message && messages.indexOf(message) === -1) { messages.push(message); }
      });
      return messages;
    } catch (e) { return []; }
  }

  // The form the server refused comes back as the person's copy of that form, with the server's words.
  function bringBack(entry, messages) {
    var values = {};
    entry.fields.forEach(function (pair) {
      if (typeof pair[1] !== "string" || pair[0] === "csrfmiddlewaretoken" || pair[0] === "token" || pair[0] === "action") { return; }
      if (pair[0] in values) {
        values[pair[0]] = [].concat(values[pair[0]], pair[1]);
      } else {
        values[pair[0]] = pair[1];
      }
    });
    drafts.put(entry.form, {
      savedAt: Date.now(), base: entry.base || 0, token: entry.token, url: entry.page, values: values,
      errors: messages.length ? messages : [text("failed")]
    });
    document.dispatchEvent(new CustomEvent("offline:returned", { detail: { form: entry.form } }));
    showReturned(entry.page);
  }

  // One entry: resolves true when the outbox may go on with the next one.
  function send(entry) {
    var body = new FormData();
    var csrf = csrfToken();
    entry.fields.forEach(function (pair) {
      if (pair[0] !== "csrfmiddlewaretoken") { body.append(pair[0], pair[1]); }
    });
    body.append("csrfmiddlewaretoken", csrf);
    return fetch(entry.action, {
      method: "POST", body: body, credentials: "same-origin", headers: { "X-CSRFToken": csrf }
    }).then(function (response) {
      var path = new URL(response.url, window.location.href).pathname;
      if (response.ok && path === status.getAttribute("data-login-url")) {
        note(text("signed-out")); // the session ended: keep it for after the next sign-in
        return false;
      }
      if (response.ok) {
        // Sent (or, for a second sending of the same token, found already sent): done.
        return removeEntry(entry.id).then(function () {
          spent.add(entry.token);
          drafts.forgetToken(entry.token);
          return true;
        });
      }
      if (response.status >= 400 && response.status < 500 && response.status !== 403 && response.status !== 429) {
        return response.text().then(function (html) {
          bringBack(entry, errorsOf(html));
          return removeEntry(entry.id).then(function () { return true; });
        });
      }
      return false; // 403 (a stale form key), 429 or 5xx: keep it and try again later
    }, function () { return false; }); // no connection: keep it
  }

  var flushing = null;
  function flush() {
    if (!user || navigator.onLine === false) { return refresh(); }
    if (flushing) { return flushing; }
    if (status) { status.setAttribute("data-state", "sending"); }
    flushing = mine().then(function (entries) {
      if (!entries.length) { return null; }
      note(text("sending"));
      var chain = Promise.resolve(true);
      entries.forEach(function (entry) {
        chain = chain.then(function (goOn) { return goOn ? send(entry) : false; });
      });
      return chain.then(function (allSent) { if (allSent) { note(""); } });
    }).catch(function () { return null; }).then(function () {
      flushing = null;
      return refresh();
    }).then(function (count) {
      if (status) { status.setAttribute("data-state", "idle"); }
      return count;
    });
    return flushing;
  }

  // ---- The service worker and the pages it keeps ----
  function forgetKeptPages() {
    if (!window.caches) { return Promise.resolve(); }
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) { return name.indexOf("on-pages-") === 0; })
        .map(function (name) { return caches.delete(name); }));
    });
  }

  if (user && store) {
    // Another person signed in on this phone: the pages kept for the previous one go.
    var owner = store.getItem(OWNER_KEY);
    if (owner && owner !== user) { forgetKeptPages(); }
    try { store.setItem(OWNER_KEY, user); } catch (e) { /* full */ }
  }
  // Logging out: the pages kept for this person go (the service worker does the same).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (status && form && form.getAttribute("action") === status.getAttribute("data-logout-url")) {
      forgetKeptPages();
    }
  });

  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* the site works without it */ });
    var keep = status ? (status.getAttribute("data-keep") || "").split(" ").filter(Boolean) : [];
    // A page opened before the service worker took control (the first visit) was not kept on the
    // way: ask for it too (the service worker keeps only the pages it keeps anyway: notes, forms).
    if (user && !navigator.serviceWorker.controller) { keep.push(window.location.pathname); }
    if (keep.length && navigator.onLine !== false) {
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data && event.data.type === "kept" && status) { status.setAttribute("data-kept", "1"); }
      });
      navigator.serviceWorker.ready.then(function (registration) {
        if (registration.active) { registration.active.postMessage({ type: "keep", urls: keep }); }
      });
    }
  }

  if (user) {
    var sendButton = status && status.querySelector("[data-outbox-send]");
    if (sendButton) { sendButton.addEventListener("click", function () { flush(); }); }
    window.addEventListener("online", function () { flush(); });
    flush();
  }

  window.OpinionOffline = {
    user: user,
    drafts: drafts,
    spent: spent,
    newToken: newToken,
    queue: queue,
    flush: flush,
    count: function () { return mine().then(function (entries) { return entries.length; }); },
    onCount: function (listener) { listeners.push(listener); }
  };
})();
