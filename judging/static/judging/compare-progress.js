// The chief judge's view of a comparative round: SSR, split-half and judges' misfit, live.
window.renderComparative = function (c) {
  const esc = (s) => String(s).replace(/[&<>"']/g, (ch) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[ch]));
  const show = (v) => (v === null || v === undefined ? "—" : v);
  document.getElementById("cj-ssr").textContent = show(c.ssr);
  document.getElementById("cj-split").textContent = show(c.split_half);
  document.getElementById("cj-min").textContent = c.min_per_entry;
  document.getElementById("cj-judges").innerHTML = c.judges.map((j) =>
    "<tr><td>" + esc(j.name) + "</td><td>" + j.n + "</td><td>" + j.weight + "</td><td>" + j.infit + "</td><td>" +
    (j.flagged ? "⚠ 偏离 misfit" : "") + "</td></tr>").join("");
};
