// The venue screen fetches the rotating QR code before the old one expires.
(function () {
  const box = document.querySelector("[data-code-url]");
  if (!box) return;
  async function refresh() {
    try {
      const r = await fetch(box.dataset.codeUrl, {headers: {Accept: "application/json"}});
      if (!r.ok) return;
      const d = await r.json();
      box.querySelector(".checkin-qr").innerHTML = d.svg;
      box.querySelector("[data-checkin-count]").textContent = d.count;
    } catch (e) { /* keep the current code */ }
  }
  setInterval(refresh, Number(box.dataset.refreshMs) || 30000);
})();
