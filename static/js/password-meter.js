/* "Livello di sicurezza della password": a live estimate with zxcvbn, the same library the
   server uses to refuse weak passwords. Progressive enhancement: without JS the server still
   explains what is wrong. */
(function () {
  "use strict";
  var LEVELS = ["molto debole", "debole", "debole", "buono", "ottimo"];
  var input = document.querySelector("input[data-password-meter]");
  if (!input) { return; }
  var output = document.getElementById(input.getAttribute("data-password-meter"));
  if (!output) { return; }
  var bar = output.querySelector("meter");
  var label = output.querySelector("[data-level]");
  var form = input.form;

  function userInputs() {
    var values = [];
    var own = output.getAttribute("data-user-inputs");
    if (own) { values = values.concat(own.split("|")); }
    ["username", "email", "first_name", "last_name", "company_name", "codice_fiscale", "partita_iva"].forEach(function (name) {
      var field = form && form.elements[name];
      if (field && field.value) { values.push(field.value); }
    });
    return values;
  }

  function update() {
    if (typeof window.zxcvbn !== "function") { return; }
    var password = input.value;
    if (!password) {
      bar.value = 0;
      label.textContent = "-";
      output.setAttribute("data-score", "");
      return;
    }
    var score = window.zxcvbn(password.slice(0, 100), userInputs()).score;
    if (password.length < 8) { score = Math.min(score, 1); }
    bar.value = score;
    label.textContent = LEVELS[score];
    output.setAttribute("data-score", String(score));
  }

  var script = document.createElement("script");
  script.src = output.getAttribute("data-zxcvbn-src");
  script.async = true;
  script.onload = update;
  document.head.appendChild(script);
  input.addEventListener("input", update);
  output.hidden = false;
})();
