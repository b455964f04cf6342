// Live participant counter: the page already shows the database count; the socket pushes changes and
// re-sends the current count on every (re)connect, so a dropped connection never leaves it stale.
(function () {
  "use strict";
  var nodes = document.querySelectorAll("[data-live-participants]");
  if (!nodes.length || !("WebSocket" in window)) return;
  var path = nodes[0].getAttribute("data-live-participants");
  var delay = 1000;
  var socket = null;
  function show(count) {
    var text = Number(count).toLocaleString(document.documentElement.lang || "zh-CN");
    nodes.forEach(function (node) { node.textContent = text; });
  }
  function connect() {
    socket = new WebSocket(wsURL(path));
    socket.onopen = function () { delay = 1000; document.body.setAttribute("data-live", "on"); };
    socket.onmessage = function (event) {
      try {
        var data = JSON.parse(event.data);
        if (typeof data.participants === "number") show(data.participants);
      } catch (e) { /* ignore a malformed frame */ }
    };
    socket.onclose = function () {
      document.body.setAttribute("data-live", "off");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && socket && socket.readyState === 1) {
      socket.send(JSON.stringify({ type: "refresh" }));
    }
  });
  connect();
})();
