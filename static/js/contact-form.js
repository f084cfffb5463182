// Progressive enhancement of "Modifier les coordonnées": without JavaScript every field is shown
// and the server discards what does not apply; with it, the form shows only what applies.
(function () {
  "use strict";
  var form = document.getElementById("contact-form");
  if (!form) return;
  document.documentElement.classList.add("js");

  function legalForm() {
    var checked = form.querySelector("input[name=legal_form]:checked");
    return checked ? checked.value : "";
  }

  function listed() {
    var select = form.querySelector("select[name=listed]");
    return select && select.value === "True";
  }

  function refresh() {
    var current = legalForm();
    form.querySelectorAll("[data-legal-forms]").forEach(function (block) {
      var applies = block.getAttribute("data-legal-forms").split(" ").indexOf(current) !== -1;
      block.hidden = !applies;
      block.querySelectorAll("input, select, textarea").forEach(function (input) { input.disabled = !applies; });
    });
    var options = document.getElementById("publication-options");
    if (options) options.hidden = !listed();
  }

  var all = document.getElementById("apply-to-all");
  if (all) {
    all.addEventListener("change", function () {
      form.querySelectorAll("input[name=targets]").forEach(function (box) { box.checked = all.checked; });
    });
  }

  form.addEventListener("change", refresh);
  refresh();
})();
