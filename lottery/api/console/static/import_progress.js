// The registry import's status page (docs/console.md): asks for the job's progress every
// second, updates the status sentence (a polite live region) and the bar in place, and
// reloads the page when the job is done, which then shows its outcome. No inline script
// (the console's CSP is script-src 'self'); without script the page refreshes itself.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box) {
    return;
  }
  var url = box.getAttribute("data-poll");
  var text = document.getElementById("import-text");
  var bar = document.getElementById("import-bar");
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json();
      })
      .then(function (status) {
        if (!status.running) {
          window.location.reload();
          return;
        }
        if (text.textContent !== status.text) {
          text.textContent = status.text;
        }
        bar.max = status.size;
        bar.value = status.read;
        bar.textContent = status.percent + "%";
        window.setTimeout(tick, 1000);
      })
      .catch(function () {
        window.setTimeout(tick, 3000);
      });
  }
  window.setTimeout(tick, 1000);
})();
