// Equinet's few lines of JavaScript. Every page works without them; they only make two
// things quicker: the booking flow swaps the week and slot list in place (no full reload),
// and "near me" fills in the position from the browser.
(function () {
  "use strict";

  function swapPicker(url, focusSelector) {
    var picker = document.getElementById("picker");
    if (!picker || !window.fetch) { window.location.href = url; return; }
    picker.setAttribute("aria-busy", "true");
    fetch(url + (url.indexOf("?") < 0 ? "?" : "&") + "fragment=picker", {
      headers: { "Accept": "text/html" }, credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      picker.innerHTML = html;
      picker.removeAttribute("aria-busy");
      window.history.replaceState(null, "", url);
      var target = picker.querySelector(focusSelector) || picker.querySelector("h2");
      if (target) { target.focus(); }
    }).catch(function () { window.location.href = url; });
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-picker]") : null;
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) { return; }
    event.preventDefault();
    swapPicker(link.getAttribute("href"), link.getAttribute("data-picker"));
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-near-me]") : null;
    if (!button || !navigator.geolocation) { return; }
    event.preventDefault();
    var form = button.form;
    var status = document.getElementById("near-me-status");
    if (status) { status.textContent = button.getAttribute("data-locating"); }
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.latitude.value = position.coords.latitude.toFixed(5);
      form.elements.longitude.value = position.coords.longitude.toFixed(5);
      form.submit();
    }, function () {
      if (status) { status.textContent = button.getAttribute("data-failed"); }
    });
  });

  document.querySelectorAll("[data-near-me]").forEach(function (button) {
    if (navigator.geolocation) { button.hidden = false; }
  });
  // Copy buttons beside secret links (passport, calendar feed): the text stays selectable too.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
    if (!button) { return; }
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (!input) { return; }
    input.select();
    if (navigator.clipboard) { navigator.clipboard.writeText(input.value); }
  });
})();
