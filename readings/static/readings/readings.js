// "Letture contatore": the "i" button shows and hides the guide's tips. Without this script
// the tips stay visible (the button then does nothing).
(function () {
  "use strict";
  document.querySelectorAll("[data-tips-toggle]").forEach(function (button) {
    var tips = document.getElementById(button.getAttribute("aria-controls"));
    if (!tips) return;
    tips.hidden = true;
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", open ? "false" : "true");
      tips.hidden = open;
    });
  });
})();
