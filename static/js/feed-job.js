/* The import job page (backoffice/feed.html) while its job is pending or running: every 2 s,
   ask the job's state (backoffice:feed_status, a small JSON answer), move the bar and the
   "Righe lette N di M" text, and reload the page when the state changes (the report, the
   counts and the rejected rows are then server-rendered). Without JS the page offers a link. */
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status-url]");
  if (!box || !window.fetch) {
    return;
  }
  var url = box.getAttribute("data-job-status-url");
  var state = box.getAttribute("data-job-state");
  var text = document.getElementById("job-rows");
  var bar = document.getElementById("job-progress");
  var INTERVAL = 2000;
  var failures = 0;

  function show(data) {
    var done = Number(data.rows_done) || 0;
    if (data.rows_total !== null && data.rows_total !== undefined) {
      var total = Number(data.rows_total);
      text.textContent = "Righe lette " + String(done) + " di " +
        String(total);
      if (bar) {
        bar.max = total || 1;
        bar.value = total ? Math.min(done, total) : 1;
      }
    } else {
      text.textContent = "Righe lette " + String(done);
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        if (data.state !== state) {
          window.location.reload();
          return;
        }
        show(data);
        window.setTimeout(poll, INTERVAL);
      })
      .catch(function () {
        // A lost connection or a server restart: slow down, do not give up at once.
        failures += 1;
        if (failures < 30) {
          window.setTimeout(poll, INTERVAL * Math.min(failures + 1, 5));
        }
      });
  }

  window.setTimeout(poll, INTERVAL);
})();
