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

/* A read-only field to copy (the calendar feed's address) is selected when focused. */
document.addEventListener("focusin", function (event) {
  if (event.target.matches("[data-select-on-focus]")) event.target.select();
});
