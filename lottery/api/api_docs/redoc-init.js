// Starts ReDoc on /redoc. ReDoc writes its styles as <style> elements (styled-components):
// the page's CSP allows them by a nonce made per response, which this script's own tag
// carries and ReDoc then puts on every <style> it adds (docs/security.md).
"use strict";
(function () {
  const root = document.getElementById("redoc");
  const nonce = document.currentScript.nonce;
  // Inline code in descriptions: ReDoc's red (#e53935) fails WCAG 2.1 AA contrast on its
  // grey; a darker red passes (its other failing colours: redoc-page.css).
  const theme = { typography: { code: { color: "#b3261e" } } };
  Redoc.init(root.dataset.openapiUrl, { nonce: nonce, theme: theme }, root);
})();
