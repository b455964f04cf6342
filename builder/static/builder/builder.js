// Live help on the Judging step: the rubric weights' sum and the final formula on sample numbers.
// Only reads the page; the server's validation is what decides.
(function () {
  "use strict";
  function rubricSum() {
    var box = document.querySelector("[data-rubric-for]");
    if (!box) return;
    var area = document.getElementById(box.getAttribute("data-rubric-for"));
    var out = box.querySelector(".rubric-sum");
    function update() {
      // Sum per round: every "rubric:" list restarts the count; show each round's total.
      var totals = [], current = null;
      area.value.split("\n").forEach(function (line) {
        if (/^\s*(-\s*)?rubric\s*:/.test(line)) { current = 0; totals.push(0); }
        var m = line.match(/^\s*(-\s*)?weight\s*:\s*([0-9.]+)/);
        if (m && current !== null) { totals[totals.length - 1] += parseFloat(m[2]); }
      });
      out.textContent = totals.length ? totals.map(function (t) { return t + " %" + (Math.abs(t - 100) < 1e-9 ? " ✓" : " ✗（应为 100 must be 100）"); }).join("；") : "—";
    }
    area.addEventListener("input", update);
    update();
  }
  function formulaPreview() {
    var area = document.getElementById("sec-scoring");
    var out = document.querySelector(".formula-result");
    if (!area || !out) return;
    var panel = document.getElementById("sample-panel"), likes = document.getElementById("sample-likes");
    function update() {
      var m = area.value.match(/formula\s*:\s*["']?([^"'\n]+)/);
      if (!m) { out.textContent = "—"; return; }
      var expr = m[1].trim();
      // Same grammar as the server: numbers, panel, likes, + - * / and parentheses.
      if (!/^[0-9.\s+\-*\/()a-z]*$/.test(expr) || /[a-z]+/g.test(expr.replace(/panel|likes/g, ""))) {
        out.textContent = "公式只能用数字、panel、likes 和 + - * / 括号 (numbers, panel, likes, + - * / only)"; return;
      }
      var text = expr.replace(/panel/g, "(" + (parseFloat(panel.value) || 0) + ")").replace(/likes/g, "(" + (parseFloat(likes.value) || 0) + ")");
      try {
        var value = Function('"use strict"; return (' + text + ");")();
        out.textContent = (Math.round(value * 100) / 100) + "（" + expr + "）";
      } catch (e) { out.textContent = "公式写法有误 The formula cannot be read"; }
    }
    [area, panel, likes].forEach(function (el) { el.addEventListener("input", update); });
    update();
  }
  document.addEventListener("DOMContentLoaded", function () { rubricSum(); formulaPreview(); });
})();
