/* Record a recitation in the browser: MediaRecorder with a level meter and the elapsed time,
   listen back, re-record, submit. Without microphone permission (or MediaRecorder) the plain
   file upload in the same form keeps working. */
(function () {
  "use strict";
  var form = document.getElementById("entry-form");
  var panel = document.getElementById("recorder");
  if (!form || !panel) { return; }

  // Poem choice shows the text large and the model reading, without a page load.
  var poemSelect = document.getElementById("poem");
  var poemsData = document.getElementById("poems-data");
  var poemBox = document.getElementById("poem-text");
  if (poemSelect && poemsData && poemBox) {
    var poems = JSON.parse(poemsData.textContent);
    poemSelect.addEventListener("change", function () {
      var p = poems[poemSelect.value];
      poemBox.innerHTML = "";
      if (!p) { return; }
      var h = document.createElement("h2"); h.textContent = p.title; poemBox.appendChild(h);
      var by = document.createElement("p"); by.className = "muted"; by.textContent = p.byline; poemBox.appendChild(by);
      var div = document.createElement("div"); div.className = "poem"; div.lang = "zh-CN";
      p.lines.forEach(function (line) { var l = document.createElement("p"); l.textContent = line; div.appendChild(l); });
      poemBox.appendChild(div);
      if (p.reading) {  // the same player as _model_reading.html (reading.js wires its button)
        var fig = document.createElement("figure"); fig.className = "model-reading";
        var cap = document.createElement("figcaption"); cap.id = "reading-caption-" + poemSelect.value;
        cap.textContent = "范读《" + p.title + "》 Model reading"; fig.appendChild(cap);
        var btn = document.createElement("button"); btn.type = "button"; btn.className = "secondary reading-play";
        btn.setAttribute("data-reading-play", ""); btn.setAttribute("aria-controls", "reading-audio-" + poemSelect.value);
        btn.innerHTML = '▶ 听范读 <span lang="en">Play</span>'; fig.appendChild(btn);
        var a = document.createElement("audio"); a.controls = true; a.src = p.reading; a.preload = "none";
        a.id = "reading-audio-" + poemSelect.value; a.className = "reading-audio";
        a.setAttribute("aria-labelledby", cap.id); fig.appendChild(a);
        poemBox.appendChild(fig);
      }
    });
  }

  if (!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder)) { return; }
  panel.hidden = false;
  var startBtn = document.getElementById("rec-start");
  var stopBtn = document.getElementById("rec-stop");
  var redoBtn = document.getElementById("rec-redo");
  var meter = document.getElementById("rec-level");
  var elapsed = document.getElementById("rec-elapsed");
  var playback = document.getElementById("rec-playback");
  var status = document.getElementById("rec-status");
  var submitBtn = document.getElementById("entry-submit");
  var progressBox = document.getElementById("entry-progress");
  var maxSeconds = parseFloat(panel.dataset.maxSeconds || "300");
  var recorder = null, chunks = [], blob = null, stream = null, audioCtx = null, raf = 0, tick = 0, started = 0;

  function say(text) { status.textContent = text; }
  function fmt(s) { var m = Math.floor(s / 60), r = Math.floor(s % 60); return m + ":" + (r < 10 ? "0" : "") + r; }

  function stopMeter() {
    cancelAnimationFrame(raf); clearInterval(tick);
    if (audioCtx) { audioCtx.close(); audioCtx = null; }
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
    meter.value = 0;
  }

  startBtn.addEventListener("click", function () {
    // The model reading must not play into the child's recording.
    Array.prototype.forEach.call(document.querySelectorAll("audio.reading-audio"), function (a) { a.pause(); });
    say("正在请求麦克风… Asking for the microphone…");
    navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } }).then(function (s) {
      stream = s;
      chunks = []; blob = null; playback.hidden = true;
      var type = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/mp4"].filter(function (t) {
        return MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(t);
      })[0];
      recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
      recorder.ondataavailable = function (e) { if (e.data && e.data.size) { chunks.push(e.data); } };
      recorder.onstop = function () {
        blob = new Blob(chunks, { type: recorder.mimeType || "audio/webm" });
        playback.src = URL.createObjectURL(blob);
        playback.hidden = false;
        stopMeter();
        startBtn.hidden = true; stopBtn.hidden = true; redoBtn.hidden = false;
        submitBtn.disabled = false;
        say("录好了，可以试听，满意后提交 · Recorded: listen back, then submit");
        playback.focus();
      };
      audioCtx = new (window.AudioContext || window.webkitAudioContext)();
      var analyser = audioCtx.createAnalyser();
      analyser.fftSize = 1024;
      audioCtx.createMediaStreamSource(stream).connect(analyser);
      var data = new Uint8Array(analyser.fftSize);
      (function level() {
        analyser.getByteTimeDomainData(data);
        var peak = 0;
        for (var i = 0; i < data.length; i++) { peak = Math.max(peak, Math.abs(data[i] - 128)); }
        meter.value = peak / 128;
        raf = requestAnimationFrame(level);
      })();
      started = Date.now();
      elapsed.textContent = "0:00";
      tick = setInterval(function () {
        var s = (Date.now() - started) / 1000;
        elapsed.textContent = fmt(s);
        if (s >= maxSeconds) { recorder.stop(); }
      }, 250);
      recorder.start(1000);
      startBtn.hidden = true; stopBtn.hidden = false; redoBtn.hidden = true;
      stopBtn.focus();
      say("正在录音… Recording…");
    }).catch(function () {
      say("没有麦克风权限，请改用下方“上传录音文件” · No microphone permission: upload a file below instead");
      panel.dataset.denied = "1";
    });
  });

  stopBtn.addEventListener("click", function () { if (recorder && recorder.state !== "inactive") { recorder.stop(); } });
  redoBtn.addEventListener("click", function () {
    blob = null; playback.hidden = true; playback.removeAttribute("src");
    redoBtn.hidden = true; startBtn.hidden = false; startBtn.focus();
    say("可以重新录音 · Ready to record again");
  });

  form.addEventListener("submit", function (ev) {
    var fileInput = document.getElementById("file");
    if (!blob) { return; }  // plain upload: let the form post normally
    if (fileInput && fileInput.files.length) { return; }
    ev.preventDefault();
    var data = new FormData(form);
    var ext = (blob.type.indexOf("ogg") >= 0) ? "ogg" : (blob.type.indexOf("mp4") >= 0 ? "m4a" : "webm");
    data.set("file", blob, "recording." + ext);
    data.set("recorded", "1");
    submitBtn.disabled = true;
    say("正在上传… Uploading…");
    fetch(form.action, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (res) {
        if (!res.ok) {
          say(res.body.message_zh + " (" + res.body.message_en + ")");
          submitBtn.disabled = false;
          return;
        }
        say("已提交，正在处理… Submitted, processing…");
        // A later submission from this page is a new one (it replaces this entry), not a retry.
        var keyInput = form.querySelector("input[name=idempotency_key]");
        if (keyInput) {
          keyInput.value = (window.crypto && crypto.randomUUID) ? crypto.randomUUID().replace(/-/g, "")
            : String(Date.now()) + Math.random().toString(16).slice(2);
        }
        progressBox.hidden = false;
        progressBox.dataset.entryId = res.body.id;
        var mediaBox = progressBox.querySelector("[data-media]");
        if (mediaBox) { mediaBox.innerHTML = ""; delete mediaBox.dataset.filled; }
        var link = progressBox.querySelector("a[data-entry-link]");
        if (link) { link.href = res.body.url; }
        window.ShuxiangEntry.watch(progressBox);
        progressBox.focus();
      })
      .catch(function () {
        say("网络不稳定，请再点一次提交（不会重复提交） · Network problem: press submit again (it will not be sent twice)");
        submitBtn.disabled = false;
      });
  });
})();
