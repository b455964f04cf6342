/* Live quiz client shared by the host screen and the phones. The server's state is the truth:
   every (re)connect receives the whole room state; the socket reconnects with backoff. */
(function () {
  var root = document.getElementById("live");
  var role = root.dataset.role, code = root.dataset.code, token = root.dataset.token || "";
  var $ = function (id) { return document.getElementById(id); };
  var ws, delay = 500, timer = null, endAt = 0, current = null;

  function send(msg) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg)); }
  function text(id, value) { var el = $(id); if (el) el.textContent = value; }

  function countdown() {
    clearTimeout(timer);
    var left = Math.max(0, Math.ceil((endAt - Date.now()) / 1000));
    text("live-remaining", left);
    if (left > 0) timer = setTimeout(countdown, 250);
  }

  function renderBoard(rows) {
    var list = $("live-board");
    if (!list) return;
    list.replaceChildren.apply(list, (rows || []).map(function (r) {
      var li = document.createElement("li"); li.textContent = r.rank + ". " + r.nickname + " — " + r.score; return li;
    }));
  }

  function render(s) {
    current = s;
    text("live-state", {lobby: "等待主持人开始 Waiting", question: "答题中 Answer now", reveal: "公布答案 Answer", finished: "已结束 Finished"}[s.state]);
    text("live-players", s.players);
    text("live-progress", s.index >= 0 ? (s.index + 1) + " / " + s.total : "0 / " + s.total);
    var q = $("live-question");
    if (s.question) {
      q.hidden = false;
      text("live-stem", s.question.stem);
      var opts = $("live-options");
      opts.replaceChildren.apply(opts, s.question.options.map(function (o) {
        var li = document.createElement("li"), b = document.createElement("button");
        b.type = "button"; b.className = "secondary"; b.dataset.letter = o.letter;
        b.textContent = o.letter + ". " + o.text;
        if (s.answer && s.answer.indexOf(o.letter) >= 0) { b.className = "primary"; b.setAttribute("aria-label", o.letter + ". " + o.text + "（正确答案 correct）"); }
        if (role === "player" && s.state === "question" && !(s.me && s.me.answered)) {
          b.addEventListener("click", function () { send({action: "answer", index: s.index, choice: o.letter}); });
        } else { b.disabled = role === "player"; }
        li.appendChild(b); return li;
      }));
      endAt = Date.now() + (s.remaining || 0) * 1000; countdown();
      text("live-answers", s.answers || 0);
    } else { q.hidden = true; }
    text("live-explanation", s.explanation || "");
    if (s.me) {
      text("live-me", s.me.nickname + "：" + s.me.score + " 分 · 第 " + s.me.rank + " 名" +
        (s.me.answered ? (s.state === "question" ? " · 已提交 (sent)" : (s.me.correct ? " · ✓ 答对了 +" + s.me.points : " · ✗ 答错了")) : ""));
    }
    renderBoard(s.leaderboard);
    var next = $("live-next"); if (next) next.textContent = s.state === "question" ? "公布答案 Reveal" : (s.index + 1 >= s.total ? "结束 Finish" : "下一题 Next question");
    if (next && s.state === "finished") next.disabled = true;
  }

  function connect() {
    ws = new WebSocket(wsURL("/ws/events/live/" + code + "/" + (token ? "?player=" + encodeURIComponent(token) : "")));
    ws.onopen = function () { delay = 500; text("live-conn", "已连接 Connected"); };
    ws.onmessage = function (e) {
      var m = JSON.parse(e.data);
      if (m.type === "state") render(m);
      else if (m.type === "answers") { text("live-answers", m.answers); text("live-players", m.players); }
      else if (m.type === "answered") { text("live-me", "已提交，等待公布答案 (sent)"); send({action: "state"}); }
      else if (m.type === "error") { text("live-error", m.message_zh + " (" + m.message_en + ")"); }
    };
    ws.onclose = function () { text("live-conn", "连接断开，正在重连 Reconnecting…"); setTimeout(connect, delay); delay = Math.min(delay * 2, 8000); };
  }
  var next = $("live-next");
  if (next) next.addEventListener("click", function () {
    if (!current) return;
    send({action: current.state === "question" ? "reveal" : (current.index + 1 >= current.total && current.state !== "lobby" ? "finish" : "next")});
  });
  connect();
})();
