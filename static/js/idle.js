/* Sessions that end: a minute before the idle timeout (data-idle-seconds on <body>, set
   for signed-in staff) a dialog offers to stay logged in; at the timeout the page reloads
   and the server, which alone decides, logs an idle session out. Requests the page makes
   by itself (htmx polling) carry X-Background so they do not count as activity. */
(function () {
  var body = document.body;
  var idle = Number(body.dataset.idleSeconds);
  if (!idle) return;
  var WARN = 60;
  var warnTimer, endTimer, box;

  function csrf() {
    try { return JSON.parse(body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function hide() {
    if (box) { box.remove(); box = null; }
  }

  function warn() {
    if (box) return;
    box = document.createElement("div");
    box.className = "idle-warning";
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-labelledby", "idle-warning-text");
    var text = document.createElement("p");
    text.id = "idle-warning-text";
    text.textContent = "You will be logged out in 1 minute because nothing has happened on this page.";
    var stay = document.createElement("button");
    stay.type = "button";
    stay.textContent = "Stay logged in";
    stay.addEventListener("click", function () {
      fetch(body.dataset.keepaliveUrl, {
        method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf()}
      }).then(function (response) {
        if (response.ok) { hide(); restart(); } else { window.location.reload(); }
      });
    });
    box.appendChild(text);
    box.appendChild(stay);
    body.appendChild(box);
    stay.focus();
  }

  function restart() {
    clearTimeout(warnTimer);
    clearTimeout(endTimer);
    warnTimer = setTimeout(warn, (idle - WARN) * 1000);
    endTimer = setTimeout(function () { window.location.reload(); }, idle * 1000);
  }

  function polling(element) {
    var trigger = element && element.getAttribute && element.getAttribute("hx-trigger");
    return Boolean(trigger && trigger.indexOf("every") !== -1);
  }

  document.addEventListener("htmx:configRequest", function (event) {
    if (polling(event.detail.elt)) event.detail.headers["X-Background"] = "1";
  });
  /* Marked on the request itself: after an outerHTML swap, htmx reports the end of the
     request on the swapped element's parent. */
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (polling(event.detail.elt)) event.detail.xhr.idleBackground = true;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!(event.detail.xhr && event.detail.xhr.idleBackground)) { hide(); restart(); }
  });
  restart();
})();
