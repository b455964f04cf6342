// Live help on the Judging step: each rubric's weights added up as you type, and the final formula on
// sample numbers (asked of the server, which uses judging/formula.py: one grammar). The page works
// without this file; the server's validation is what decides. No eval (the CSP forbids it).
(function () {
  "use strict";
  function rubricSums() {
    document.querySelectorAll("[data-rubric]").forEach(function (box) {
      var out = box.querySelector(".rubric-sum"), state = box.querySelector(".rubric-state");
      var line = box.querySelector(".rubric-total");
      function update() {
        var total = 0, seen = false;
        box.querySelectorAll("input[name$='-weight']").forEach(function (input) {
          var row = input.closest(".criterion");
          var removed = row && row.querySelector("input[name$='-DELETE']:checked");
          var value = parseFloat(input.value);
          if (!removed && !isNaN(value)) { total += value; seen = true; }
        });
        total = Math.round(total * 100) / 100;
        var ok = Math.abs(total - 100) < 1e-9;
        out.textContent = seen ? total + " %" : "—";
        state.textContent = seen ? (ok ? "✓" : "✗ 应为 100 % must be 100 %") : "";
        line.setAttribute("data-state", !seen ? "" : (ok ? "ok" : "bad"));
      }
      box.addEventListener("input", update);
      box.addEventListener("change", update);
      update();
    });
  }
  function formulaPreview() {
    var box = document.querySelector(".formula-preview");
    if (!box) return;
    var formula = document.getElementById("id_scoring-formula");
    var panel = document.getElementById("sample-panel"), likes = document.getElementById("sample-likes");
    var out = box.querySelector(".formula-result"), timer = null, asked = 0;
    function update() {
      var query = new URLSearchParams({formula: formula.value, panel: panel.value, likes: likes.value});
      var ticket = ++asked;
      fetch(box.getAttribute("data-preview-url") + "?" + query.toString(), {credentials: "same-origin"})
        .then(function (response) { return response.json(); })
        .then(function (data) {
          if (ticket !== asked) return;
          out.textContent = data.ok ? data.value + "（" + data.formula + "）" : data.message_zh + "（" + data.message_en + "）";
        })
        .catch(function () { out.textContent = "暂时无法预览 Preview unavailable"; });
    }
    [formula, panel, likes].forEach(function (el) {
      el.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 250); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { rubricSums(); formulaPreview(); });
})();
