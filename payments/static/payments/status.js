// "Verifica in corso": look again every few seconds, for two minutes at most, until the
// gateway's notification has decided.
(function () {
  var box = document.querySelector("[data-waiting='1']");
  if (!box) return;
  var started = Number(sessionStorage.getItem("sp-wait-" + location.pathname) || Date.now());
  sessionStorage.setItem("sp-wait-" + location.pathname, String(started));
  if (Date.now() - started < 120000) {
    setTimeout(function () { location.reload(); }, 3000);
  } else {
    sessionStorage.removeItem("sp-wait-" + location.pathname);
    var hint = document.getElementById("sp-wait-hint");
    if (hint) hint.hidden = false;
  }
})();
