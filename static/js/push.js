// Web Push: ask the browser for a push subscription with the server's VAPID public key and send it to
// the server, from the preferences page's button. The service worker (sw.js) shows what arrives.
(function () {
  "use strict";
  var button = document.getElementById("push-subscribe");
  if (!button) return;
  var status = document.getElementById("push-status");

  function keyBytes(base64) {
    var padded = (base64 + "===".slice((base64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  button.addEventListener("click", function () {
    if (!("serviceWorker" in navigator) || !("PushManager" in window)) {
      status.textContent = button.dataset.failed;
      return;
    }
    navigator.serviceWorker.ready
      .then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: keyBytes(button.dataset.key),
        });
      })
      .then(function (subscription) {
        return fetch(button.dataset.url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify(subscription.toJSON()),
        });
      })
      .then(function (response) {
        status.textContent = response.ok ? button.dataset.done : button.dataset.failed;
      })
      .catch(function () {
        status.textContent = button.dataset.failed;
      });
  });
})();
