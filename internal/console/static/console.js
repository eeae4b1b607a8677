// The ticket page hears from the server (server-sent events) when the
// ticket changed (the customer wrote, someone commented); where the stream
// cannot be had (an old browser, a proxy that buffers, the server's stream
// limit) it asks every few seconds instead. On a change it reloads when
// nothing is being typed, else it shows a banner so no draft is lost.
(function () {
  var t = document.querySelector("[data-poll]");
  if (!t) return;
  var url = t.getAttribute("data-poll"), seen = t.getAttribute("data-version");
  var events = t.getAttribute("data-events"), polling = false;
  function changed() {
    var body = document.getElementById("body");
    if (!body || body.value.trim() === "") { location.reload(); return; }
    document.getElementById("updated-banner").hidden = false;
  }
  function poll() {
    fetch(url, {credentials: "same-origin", cache: "no-store"}).then(function (r) {
      return r.ok ? r.text() : seen;
    }).then(function (v) {
      if (v !== seen) changed();
    }).catch(function () {});
  }
  function startPolling() {
    if (polling) return;
    polling = true;
    t.setAttribute("data-updates", "poll");
    setInterval(poll, 3000);
  }
  if (!window.EventSource || !events) { startPolling(); return; }
  var es = new EventSource(events + "?v=" + encodeURIComponent(seen));
  t.setAttribute("data-updates", "sse");
  es.addEventListener("changed", function () { es.close(); changed(); });
  // A refused stream (an error answer) closes for good; a dropped one
  // reconnects by itself.
  es.onerror = function () { if (es.readyState === EventSource.CLOSED) startPolling(); };
})();
