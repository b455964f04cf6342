/* Where this page opens its WebSockets. The ASGI server that serves /ws/ may live on another origin
   (WS_ORIGIN, e.g. `make run`'s socket port); when it is empty the page's own origin is used, as
   behind a proxy that routes /ws/ to the ASGI server (docs/deploy.md). */
(function () {
  var origin = (document.currentScript && document.currentScript.getAttribute("data-ws-origin")) || "";
  window.wsURL = function (path) {
    return (origin || ((location.protocol === "https:" ? "wss://" : "ws://") + location.host)) + path;
  };
})();
