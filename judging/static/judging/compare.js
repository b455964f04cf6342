// Comparative judging: ← / → choose the left / right entry, ↓ too close to call; A / B play or pause
// each recording, R replays both. Keys are ignored while typing in a field.
(function () {
  const form = document.getElementById("compare-form");
  if (!form) return;
  const click = (id) => { const b = document.getElementById(id); if (b && !b.disabled) { b.disabled = false; b.click(); } };
  const media = (side) => document.getElementById("media-" + side);
  function toggle(side) {
    const m = media(side);
    if (!m) return;
    const other = media(side === "a" ? "b" : "a");
    if (other && !other.paused) other.pause();  // one recording at a time
    if (m.paused) m.play(); else m.pause();
  }
  document.querySelectorAll(".play-toggle").forEach((btn) => {
    const m = document.getElementById(btn.dataset.target);
    btn.addEventListener("click", () => toggle(btn.dataset.target.slice(-1)));
    if (m) {
      m.addEventListener("play", () => { btn.textContent = "⏸ 暂停 Pause"; });
      m.addEventListener("pause", () => { btn.textContent = "▶ 播放 Play"; });
    }
  });
  let sent = false;
  form.addEventListener("submit", () => { sent = true; });
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || sent) return;
    if (["INPUT", "TEXTAREA", "SELECT"].includes(e.target.tagName)) return;
    if (e.target.tagName === "AUDIO" || e.target.tagName === "VIDEO") {
      if (e.key === "ArrowLeft" || e.key === "ArrowRight") return;  // the player's own seek keys
    }
    if (e.key === "ArrowLeft") { e.preventDefault(); click("choose-a"); }
    else if (e.key === "ArrowRight") { e.preventDefault(); click("choose-b"); }
    else if (e.key === "ArrowDown") { e.preventDefault(); click("choose-tie"); }
    else if (e.key === "a" || e.key === "A") { e.preventDefault(); toggle("a"); }
    else if (e.key === "b" || e.key === "B") { e.preventDefault(); toggle("b"); }
    else if (e.key === "r" || e.key === "R") {
      ["a", "b"].forEach((s) => { const m = media(s); if (m) { m.pause(); m.currentTime = 0; } });
    }
  });
})();
