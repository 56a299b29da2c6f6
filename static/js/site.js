/* Live countdowns: every [data-due] says the time left, on the server's clock. */
(function () {
  var skew = Number(document.body.dataset.now) - Date.now();
  function span(ms) {
    var m = Math.floor(Math.abs(ms) / 60000), h = Math.floor(m / 60), d = Math.floor(h / 24);
    if (d >= 2) return d + " d " + (h % 24) + " h";
    return h ? h + " h " + (m % 60) + " min" : m + " min";
  }
  function tick() {
    document.querySelectorAll("[data-due]").forEach(function (el) {
      var left = Number(el.dataset.due) - (Date.now() + skew);
      el.textContent = left >= 0 ? span(left) + " left" : "overdue by " + span(left);
    });
  }
  setInterval(tick, 30000);
  document.addEventListener("htmx:afterSettle", tick);
})();

/* A hold's countdown: every [data-expires] says minutes:seconds left, each second; once
   its time is up, its confirm button goes (the server would refuse it anyway). */
(function () {
  var skew = Number(document.body.dataset.now) - Date.now();
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  function tick() {
    document.querySelectorAll("[data-expires]").forEach(function (el) {
      var left = Math.max(0, Math.floor((Number(el.dataset.expires) - (Date.now() + skew)) / 1000));
      var m = Math.floor(left / 60), s = left % 60;
      if (left > 0) {
        el.textContent = m + ":" + (s < 10 ? "0" : "") + s + " left";
        el.setAttribute("aria-label", plural(m, "minute") + " " + plural(s, "second") + " left");
        return;
      }
      el.textContent = "expired";
      el.setAttribute("aria-label", el.textContent);
      var hold = el.closest(".hold");
      if (hold) hold.querySelectorAll("button.book").forEach(function (b) { b.disabled = true; });
    });
  }
  tick();
  setInterval(tick, 1000);
  document.addEventListener("htmx:afterSettle", tick);
})();

/* A read-only field to copy (the calendar feed's address) is selected when focused. */
document.addEventListener("focusin", function (event) {
  if (event.target.matches("[data-select-on-focus]")) event.target.select();
});
