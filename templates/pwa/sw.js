{% autoescape off %}// The service worker: the site without a connection.
// - The app shell (styles, scripts, icons, the offline page) is kept at install.
// - Pages: network first; the report form, the drafts being edited, the home page and the guidance
//   notes a person opened are kept, so they open without a connection. They hold that person's data:
//   the cache of pages is emptied when someone logs out (and by the pages' script when another
//   person signs in on the same phone).
// - Nothing else is kept, and nothing is ever sent from here: forms written without a connection
//   wait in the page's outbox (static/js/offline.js) and are sent by the page.
"use strict";
var VERSION = "{{ version }}";
var SHELL = "on-shell-" + VERSION;
var PAGES = "on-pages-" + VERSION;
var SHELL_URLS = {{ shell }};
var STATIC_PREFIX = "{{ static_prefix }}";
var OFFLINE_URL = "{{ offline_url }}";
var LOGOUT_URL = "{{ logout_url }}";
var REPORT_NEW_URL = "{{ report_new_url }}";
var PAGE_PATTERNS = {{ page_patterns }}.map(function (source) { return new RegExp(source); });

function keptPage(url) {
  return PAGE_PATTERNS.some(function (pattern) { return pattern.test(url.pathname); });
}

function storable(response) {
  // Never keep a redirect (an expired session answers with the login page) or an error.
  return response && response.ok && !response.redirected && response.type === "basic";
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL).then(function (cache) {
      return cache.addAll(SHELL_URLS.map(function (url) { return new Request(url, { credentials: "omit" }); }));
    }).then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("on-") === 0 && name !== SHELL && name !== PAGES;
      }).map(function (name) { return caches.delete(name); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function fromNetworkKeepingPage(request, url) {
  return fetch(request).then(function (response) {
    if (keptPage(url) && storable(response)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { return cache.put(url.href, copy); });
    }
    return response;
  });
}

function fromCache(url) {
  var options = { ignoreVary: true };
  return caches.open(PAGES).then(function (cache) {
    return cache.match(url.href, options).then(function (hit) {
      // The report form opened with extra parameters (answering a request for opinion) falls back
      // to the plain form.
      if (!hit && url.pathname === REPORT_NEW_URL) {
        return cache.match(new URL(REPORT_NEW_URL, url).href, options);
      }
      return hit;
    });
  }).then(function (hit) {
    return hit || caches.match(OFFLINE_URL, options);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && url.pathname === LOGOUT_URL) {
    // Logging out: the pages kept belong to the person leaving.
    event.waitUntil(caches.delete(PAGES));
    return;
  }
  if (request.method !== "GET") { return; }
  if (url.pathname.indexOf(STATIC_PREFIX) === 0) {
    event.respondWith(
      caches.match(request, { ignoreVary: true }).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (storable(response)) {
            var copy = response.clone();
            caches.open(SHELL).then(function (cache) { return cache.put(request, copy); });
          }
          return response;
        });
      })
    );
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fromNetworkKeepingPage(request, url).catch(function () { return fromCache(url); }));
  }
});

// A signed-in page asks for the pages a person needs offline (the report form) to be kept now,
// even if they have not opened them since the last release.
self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type !== "keep" || !Array.isArray(data.urls)) { return; }
  event.waitUntil(caches.open(PAGES).then(function (cache) {
    return Promise.all(data.urls.map(function (path) {
      var url = new URL(path, self.location.origin);
      if (url.origin !== self.location.origin || !keptPage(url)) { return null; }
      return cache.match(url.href, { ignoreVary: true }).then(function (hit) {
        // Already kept: visiting the page refreshes it (network first), no need to fetch it now.
        return hit || fetch(url.href, { credentials: "same-origin" }).then(function (response) {
          return storable(response) ? cache.put(url.href, response) : null;
        });
      }).catch(function () { return null; });
    }));
  }).then(function () {
    if (event.source && event.source.postMessage) { event.source.postMessage({ type: "kept", urls: data.urls }); }
  }));
});

// Web Push (notifications/services/channels.py): show what arrives, open its page when tapped (this site only).
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (error) { data = {}; }
  event.waitUntil(self.registration.showNotification(data.title || "", {
    body: data.body || "",
    data: { url: data.url || "/" },
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = new URL((event.notification.data && event.notification.data.url) || "/", self.location.origin);
  if (url.origin !== self.location.origin) { url = new URL("/", self.location.origin); }
  event.waitUntil(self.clients.openWindow(url.href));
});
{% endautoescape %}
