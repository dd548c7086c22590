// The API documentation page (/api/v1/docs/): Swagger UI from the vendored files, reading the schema of
// this site. No validator badge (it would load an image from elsewhere); writes carry the CSRF cookie's
// token, so "Try it out" works with the signed-in session. The schema and the answers are asked for in the
// page's language (the site's, not the browser's).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof SwaggerUIBundle === "undefined") {
    return;
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    requestInterceptor: function (request) {
      request.headers["Accept-Language"] = document.documentElement.lang || "vi";
      var token = csrfToken();
      if (token) {
        request.headers["X-CSRFToken"] = token;
      }
      return request;
    },
  });
})();
