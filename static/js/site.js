// Behaviour that used to sit in inline on…="" attributes, which the Content-Security-Policy
// (config/csp.py) does not run: auto-submitting selects, confirmations and print buttons.
(function () {
  document.addEventListener("change", function (e) {
    var el = e.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });
  document.addEventListener("click", function (e) {
    var el = e.target.closest && e.target.closest("[data-confirm], [data-print]");
    if (!el) return;
    if (el.hasAttribute("data-print")) { window.print(); return; }
    if (!window.confirm(el.getAttribute("data-confirm"))) e.preventDefault();
  });
})();
