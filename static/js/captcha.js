/* "Nuova immagine" for the CAPTCHA: asks django-simple-captcha for a new challenge
   (/captcha/refresh/, JSON) and swaps the image, the hidden key and the audio link in
   place. Without JS the button sends the form back and the server answers with the same
   values and a new image. */
(function () {
  "use strict";
  document.querySelectorAll("[data-captcha]").forEach(function (box) {
    var button = box.querySelector("[data-captcha-refresh]");
    var image = box.querySelector("[data-captcha-image]");
    var status = box.querySelector("[data-captcha-status]");
    var form = button && button.form;
    if (!button || !image || !form) { return; }
    var key = form.querySelector("input[name$='captcha_0']");
    var answer = form.querySelector("input[name$='captcha_1']");
    button.addEventListener("click", function (event) {
      event.preventDefault();
      button.disabled = true;
      fetch(box.getAttribute("data-refresh-url"), {
        headers: { "X-Requested-With": "XMLHttpRequest" },
        credentials: "same-origin"
      }).then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      }).then(function (data) {
        image.src = data.image_url;
        if (key) { key.value = data.key; }
        var audio = box.querySelector("[data-captcha-audio]");
        if (audio && data.audio_url) { audio.href = data.audio_url; }
        if (answer) { answer.value = ""; answer.focus(); }
        if (status) { status.textContent = "Nuova immagine caricata."; }
      }).catch(function () {
        form.requestSubmit ? form.requestSubmit(button) : form.submit();
      }).finally(function () {
        button.disabled = false;
      });
    });
  });
})();
