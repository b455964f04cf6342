/* Django's admin, as organizers use it (templates/admin/base_site.html): names for the controls that
   Django's own scripts build without one (WCAG 4.1.2).
   - An autocomplete field (select2) is a combobox named only by its selected text, so an empty one has
     no name (axe: aria-input-field-name): it, and the read-only textbox showing the selection, are named by
     the field's <label> (the combobox then by the selection too).
   - The search icons of a two-box selector (filter_horizontal) are spans with an aria-label but no
     role (axe: aria-prohibited-attr): they become role="img".
   Both are fixed as Django's scripts insert them (a MutationObserver), so rows added later are too. */
(function () {
  "use strict";
  var fix = function (root) {
    if (!root.querySelectorAll) { return; }
    root.querySelectorAll(".select2-selection[role=combobox]:not([data-named])").forEach(function (box) {
      var wrapper = box.closest(".select2");
      var select = wrapper && wrapper.previousElementSibling;
      var label = select && select.id && document.querySelector("label[for='" + select.id + "']");
      if (!label) { return; }
      if (!label.id) { label.id = select.id + "-label"; }
      var shown = box.querySelector(".select2-selection__rendered");
      box.setAttribute("aria-labelledby", label.id + (shown && shown.id ? " " + shown.id : ""));
      if (shown && shown.getAttribute("role") === "textbox") { shown.setAttribute("aria-labelledby", label.id); }
      box.setAttribute("data-named", "1");
    });
    root.querySelectorAll("span.help-tooltip[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  };
  new MutationObserver(function (changes) {
    changes.forEach(function (change) { change.addedNodes.forEach(function (node) { fix(node.parentNode || node); }); });
  }).observe(document.documentElement, {childList: true, subtree: true});
  document.addEventListener("DOMContentLoaded", function () { fix(document); });
}());
