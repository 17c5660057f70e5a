// Shows, under a textarea marked data-char-count, how many characters it holds out
// of its maxlength, as the person types. No inline script: the page's CSP allows
// only scripts from the site.
(function () {
  "use strict";
  function attach(output) {
    var field = document.getElementById(output.getAttribute("data-char-count-for"));
    if (!field) return;
    var max = parseInt(field.getAttribute("maxlength"), 10) || 0;
    var template = output.getAttribute("data-template") || "__COUNT__";
    function update() {
      var count = field.value.length;
      output.textContent = template.replace("__COUNT__", String(count));
      output.classList.toggle("char-count-near", max > 0 && count > max * 0.9);
    }
    field.addEventListener("input", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    var outputs = document.querySelectorAll("[data-char-count-for]");
    for (var i = 0; i < outputs.length; i++) attach(outputs[i]);
  });
})();
