/* "Registrazione utente" and "Modifica profilo web": choosing "Persona fisica" or "Persona
   giuridica" shows only that kind's names (Nome, Cognome / Ragione sociale). Without JS
   both stay and the server keeps only the chosen kind's. Also moves the focus to the error
   summary when the form comes back with errors. */
(function () {
  "use strict";
  var radios = document.querySelectorAll("input[name='kind']");
  var groups = document.querySelectorAll("[data-kind]");
  function update() {
    var checked = document.querySelector("input[name='kind']:checked");
    groups.forEach(function (group) {
      group.hidden = !!checked && group.getAttribute("data-kind") !== checked.value;
    });
  }
  radios.forEach(function (radio) { radio.addEventListener("change", update); });
  update();

  var summary = document.querySelector("[data-error-summary]");
  if (summary) { summary.focus(); }
})();
