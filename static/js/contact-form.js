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

  // As the customer types the postcode, the city field offers that postcode's communes (their
  // official names: what the directories will print) and says how many there are.
  var postcode = form.querySelector("input[name=postcode]");
  var list = document.getElementById("city-communes");
  var status = document.getElementById("city-communes-status");
  var asked = "";
  function listCommunes() {
    var digits = postcode.value.replace(/\s+/g, "");
    if (!/^[0-9]{5}$/.test(digits) || digits === asked) return;
    asked = digits;
    var url = postcode.getAttribute("data-communes-url").replace("00000", digits);
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { communes: [] }; })
      .then(function (data) {
        if (digits !== asked) return; // the customer typed another postcode meanwhile
        list.textContent = "";
        data.communes.forEach(function (commune) {
          var option = document.createElement("option");
          option.value = commune.name;
          list.appendChild(option);
        });
        var count = data.communes.length;
        status.textContent = count === 0 ? form.getAttribute("data-text-none")
          : count === 1 ? form.getAttribute("data-text-one").replace("%s", data.communes[0].name)
          : form.getAttribute("data-text-many").replace("%s", String(count));
      })
      .catch(function () { asked = ""; });
  }
  if (postcode && list && status && postcode.getAttribute("data-communes-url")) {
    postcode.addEventListener("input", listCommunes);
    listCommunes();
  }
})();
