// The ticket page asks every few seconds whether the ticket changed (the
// customer wrote, someone commented); it reloads when nothing is being
// typed, else it shows a banner so no draft is lost.
(function () {
  var t = document.querySelector("[data-poll]");
  if (!t) return;
  var url = t.getAttribute("data-poll"), seen = t.getAttribute("data-version");
  function poll() {
    fetch(url, {credentials: "same-origin", cache: "no-store"}).then(function (r) {
      return r.ok ? r.text() : seen;
    }).then(function (v) {
      if (v === seen) return;
      var body = document.getElementById("body");
      if (!body || body.value.trim() === "") { location.reload(); return; }
      document.getElementById("updated-banner").hidden = false;
    }).catch(function () {});
  }
  setInterval(poll, 3000);
})();
