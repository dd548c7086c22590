// Web Push: from the preferences page's button, ask the person's permission, register the service worker
// (sw.js, which shows what arrives), ask the browser's push service for a subscription with the server's
// VAPID public key, and send the subscription to the server, which keeps it for this person.
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
    var permission = window.Notification && Notification.requestPermission ? Notification.requestPermission() : null;
    Promise.resolve(permission)
      .then(function (answer) {
        if (answer && answer !== "granted") throw new Error("notifications not allowed");
        return navigator.serviceWorker.register("/sw.js", { scope: "/" });
      })
      .then(function () {
        return navigator.serviceWorker.ready;
      })
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
        button.dataset.state = response.ok ? "subscribed" : "failed";
      })
      .catch(function () {
        status.textContent = button.dataset.failed;
        button.dataset.state = "failed";
      });
  });
})();
