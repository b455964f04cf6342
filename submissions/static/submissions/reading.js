/* The model reading's play button: toggles its <audio> (which keeps its own visible controls). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-reading-play]");
    if (!button) { return; }
    var audio = document.getElementById(button.getAttribute("aria-controls"));
    if (!audio) { return; }
    if (audio.paused) { audio.play(); } else { audio.pause(); }
  });
  function sync(event) {
    var audio = event.target;
    if (!audio.classList || !audio.classList.contains("reading-audio")) { return; }
    var button = document.querySelector('[data-reading-play][aria-controls="' + audio.id + '"]');
    if (!button) { return; }
    button.innerHTML = audio.paused ? '▶ 听范读 <span lang="en">Play</span>' : '❚❚ 暂停 <span lang="en">Pause</span>';
  }
  document.addEventListener("play", sync, true);
  document.addEventListener("pause", sync, true);
  document.addEventListener("ended", sync, true);
})();
