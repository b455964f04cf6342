/* Live progress of an entry: WebSocket first (state on connect, then changes), polling the status
   URL as a fallback. Renders into an element with data-entry-id. */
(function () {
  "use strict";
  function render(box, s) {
    var status = box.querySelector("[data-status]");
    var message = box.querySelector("[data-message]");
    var media = box.querySelector("[data-media]");
    box.dataset.state = s.status;
    if (status) { status.textContent = s.status_zh + " · " + s.status_en; }
    if (message) {
      message.textContent = s.message_zh ? (s.message_zh + " (" + s.message_en + ")") : "";
      message.hidden = !s.message_zh;
    }
    var progress = box.querySelector("progress");
    if (progress) {
      progress.hidden = s.final;
      if (s.status === "processing") { progress.value = 60; } else if (s.status === "received") { progress.value = 20; }
    }
    if (media && s.status === "ready" && s.playback_url && !media.dataset.filled) {
      media.dataset.filled = "1";
      var el;
      if (s.kind === "audio") { el = document.createElement("audio"); el.controls = true; el.preload = "metadata"; }
      else if (s.kind === "video") { el = document.createElement("video"); el.controls = true; el.playsInline = true; if (s.thumbnail_url) { el.poster = s.thumbnail_url; } }
      else if (s.kind === "image") { el = document.createElement("img"); el.alt = "作品图片 Entry picture"; }
      if (el) { el.src = s.playback_url; el.className = "entry-media"; media.appendChild(el); }
      if (s.duration_s) {
        var d = document.createElement("p"); d.className = "muted";
        d.textContent = "时长 Duration: " + s.duration_s.toFixed(1) + " s"; media.appendChild(d);
      }
    }
    if (s.final && s.status === "ready" && !s.playback_url && s.kind === "essay" && media && !media.dataset.filled) {
      media.dataset.filled = "1";
      var p = document.createElement("p"); p.textContent = "字数 Characters: " + s.char_count; media.appendChild(p);
    }
    box.dispatchEvent(new CustomEvent("entry-state", { detail: s }));
  }

  function poll(box, id) {
    var timer = setInterval(function () {
      fetch("/entries/" + id + "/status/", { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) { render(box, s); if (s.final) { clearInterval(timer); } })
        .catch(function () {});
    }, 1500);
  }

  function watch(box) {
    var id = box.dataset.entryId;
    if (!id) { return; }
    var done = false, opened = false;
    var ws;
    try { ws = new WebSocket(wsURL("/ws/entries/" + id + "/")); } catch (e) { poll(box, id); return; }
    ws.onopen = function () { opened = true; };
    ws.onmessage = function (ev) {
      var s = JSON.parse(ev.data);
      render(box, s);
      if (s.final) { done = true; ws.close(); }
    };
    ws.onclose = function () { if (!done) { poll(box, id); } };
    ws.onerror = function () { if (!opened && !done) { done = true; poll(box, id); } };
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden && ws.readyState === 1) { ws.send(JSON.stringify({ type: "refresh" })); }
    });
  }

  window.ShuxiangEntry = { watch: watch, render: render };
  document.querySelectorAll("[data-entry-id]").forEach(watch);
})();
