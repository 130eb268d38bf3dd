/* Accessibility fixes to the theme's markup (docs/site.md, "Accessibility").
 * Material wraps a wide table in a box that scrolls sideways; a keyboard user must be able to
 * focus the box to scroll it (WCAG 2.1.1, axe-core's scrollable-region-focusable). The theme
 * wraps tables after the page loads, so every new box is labelled as it appears. */
(() => {
  const label = () => {
    for (const box of document.querySelectorAll(".md-typeset__scrollwrap:not([tabindex])")) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "表格（可左右滚动）");
    }
  };
  new MutationObserver(label).observe(document.documentElement, { childList: true, subtree: true });
  label();
})();
