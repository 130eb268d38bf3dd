// Starts Swagger UI on /docs: a file, not inline script, so the page's CSP needs no
// 'unsafe-inline' (docs/security.md). The settings are FastAPI's defaults, less the validator
// badge (it would call validator.swagger.io) and deep links (they put a link inside each
// operation's button: a nested control that keyboard and screen-reader users cannot reach).
"use strict";
(function () {
  const root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: false,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
