// Live counters: the server re-reads the figures on connect and every few seconds; this only
// replaces numbers. Reconnects with back-off; the page works (and prints) without it.
(function () {
  // Print every table, including the ones folded into <details> on screen.
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details:not([open])').forEach(function (d) { d.setAttribute('open', ''); d.dataset.printOpened = '1'; });
  });
  window.addEventListener('afterprint', function () {
    document.querySelectorAll('details[data-print-opened]').forEach(function (d) { d.removeAttribute('open'); delete d.dataset.printOpened; });
  });
  var root = document.querySelector('[data-ws]');
  if (!root || !('WebSocket' in window)) return;
  var status = document.querySelector('.live-status');
  var delay = 1000;
  function connect() {
    var ws = new WebSocket(wsURL(root.getAttribute('data-ws')));
    ws.onopen = function () { delay = 1000; if (status) status.textContent = '· 实时 Live'; };
    ws.onmessage = function (ev) {
      var data = JSON.parse(ev.data);
      if (!data.headline) return;
      Object.keys(data.headline).forEach(function (key) {
        var el = root.querySelector('[data-key="' + key + '"]');
        if (el && typeof data.headline[key] === 'number') el.textContent = data.headline[key];
      });
    };
    ws.onclose = function (ev) {
      if (status) status.textContent = '';
      if (ev.code === 4403 || ev.code === 4404) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }
  connect();
})();
