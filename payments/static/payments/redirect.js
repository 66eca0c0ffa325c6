// The way to the payment gateway: the form of hidden fields is sent at once; its button
// stays for browsers without JavaScript.
(function () {
  var form = document.getElementById("sp-gateway-form");
  if (form && form.dataset.autosubmit === "1") form.submit();
})();
