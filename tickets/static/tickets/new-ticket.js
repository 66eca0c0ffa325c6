/* "Nuova richiesta" and a request's page.
   - The RQSII block (holder, codes, addresses, meter check) is shown only for a water
     complaint; without JS it is always there, with a sentence saying when it applies.
   - A draft of what is typed is kept in this browser tab (sessionStorage, under a per-user
     key the server makes), so a session that expires while the customer writes loses
     nothing: after logging in again the form comes back filled. Files cannot be kept by a
     browser. The draft is removed when the request's page confirms the protocol, and goes
     with the tab: nothing the customer wrote stays on a shared computer.
   - Files that together pass what the server accepts in one submission (data-max-body) are
     reported next to the field before sending, instead of a page that refuses the upload.
   - The send button is disabled once pressed (the server also files a double submit once). */
(function () {
  "use strict";

  var clear = document.querySelector("[data-draft-clear]");
  if (clear) {
    try { window.sessionStorage.removeItem(clear.getAttribute("data-draft-clear")); } catch (e) { /* storage off */ }
    try { window.localStorage.removeItem(clear.getAttribute("data-draft-clear")); } catch (e) { /* older drafts */ }
  }

  function tooLarge(form) {
    var limit = parseInt(form.getAttribute("data-max-body") || "0", 10);
    var input = form.querySelector("input[type='file']");
    var error = form.querySelector("[data-size-error]");
    if (!limit || !input || !error || !input.files) { return false; }
    var total = 0;
    Array.prototype.forEach.call(input.files, function (file) { total += file.size; });
    var over = total > limit - 65536; // room for the other fields
    error.hidden = !over;
    if (over) {
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", error.id);
      input.focus();
    } else {
      input.removeAttribute("aria-invalid");
    }
    return over;
  }

  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (tooLarge(form)) {
        event.preventDefault();
        return;
      }
      var button = form.querySelector("[data-submit-once]");
      if (button) {
        window.setTimeout(function () { button.disabled = true; }, 0);
      }
    });
  });

  var form = document.querySelector("[data-ticket-form]");
  if (!form) {
    return;
  }
  var block = form.querySelector("[data-rqsii-block]");

  function checked(name) {
    var input = form.querySelector("input[name='" + name + "']:checked");
    return input ? input.value : "";
  }

  function toggle() {
    if (block) {
      block.hidden = !(checked("area") === "water" && checked("kind") === "complaint");
    }
  }

  var key = form.getAttribute("data-draft-key");
  var storage = null;
  try { storage = window.sessionStorage; } catch (e) { storage = null; }
  var SKIP = { csrfmiddlewaretoken: true, idempotency_key: true, files: true };

  function fields() {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && !SKIP[el.name] && el.type !== "file" && el.type !== "submit";
    });
  }

  function save() {
    if (!storage) { return; }
    var data = {};
    fields().forEach(function (el) {
      if (el.type === "radio") {
        if (el.checked) { data[el.name] = el.value; }
      } else if (el.type === "checkbox") {
        data[el.name] = el.checked;
      } else {
        data[el.name] = el.value;
      }
    });
    try { storage.setItem(key, JSON.stringify(data)); } catch (e) { /* full or off */ }
  }

  function restore() {
    if (!storage) { return; }
    var typed = fields().some(function (el) {
      return (el.tagName === "TEXTAREA" || el.type === "text") && el.value;
    });
    if (typed) { return; } // the server sent back what was typed (a form with errors)
    var raw = null;
    try { raw = storage.getItem(key); } catch (e) { raw = null; }
    if (!raw) { return; }
    var data;
    try { data = JSON.parse(raw); } catch (e) { return; }
    fields().forEach(function (el) {
      if (!(el.name in data)) { return; }
      if (el.type === "radio") {
        el.checked = data[el.name] === el.value;
      } else if (el.type === "checkbox") {
        el.checked = Boolean(data[el.name]);
      } else {
        el.value = data[el.name];
      }
    });
    var note = form.querySelector("[data-draft-note]");
    if (note) { note.hidden = false; }
  }

  restore();
  toggle();
  form.addEventListener("change", function () { toggle(); save(); });
  form.addEventListener("input", save);
  if (storage) {
    var note = form.querySelector("[data-draft-note]");
    if (note) { note.hidden = false; }
  }
})();
