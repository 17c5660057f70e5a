/* Intercoop: the question form of the questionnaire builder shows only the fields of
 * the kind of question chosen (options for a choice, the ends of a scale).
 * Progressive enhancement: without this script every field is shown, under headings
 * saying which kinds they are for, and the server ignores those of other kinds.
 */
(function () {
  "use strict";

  var form = document.querySelector("form[data-question-form]");
  var kind = form && form.querySelector("select[name=kind]");
  if (!kind) {
    return;
  }
  var groups = form.querySelectorAll(".kind-fields[data-kinds]");

  function show() {
    Array.prototype.forEach.call(groups, function (group) {
      var kinds = group.getAttribute("data-kinds").split(" ");
      group.hidden = kinds.indexOf(kind.value) === -1;
    });
  }

  kind.addEventListener("change", show);
  show();
})();
