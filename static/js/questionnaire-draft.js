/* Intercoop: keep a questionnaire's answers as the person types them.
 *
 * Progressive enhancement: without this script the form posts as any form does.
 * With it, every change is kept at once in this browser (localStorage: a tab closed
 * or a network lost before the draft reached the server loses nothing), and the form
 * is posted to its draft address (data-draft-url) a second after the typing stops.
 * The server keeps it as a draft: unsent, not counted as an answer. A copy the server
 * never acknowledged is put back in the form when the page is opened again, then sent.
 * The confirmation page ([data-questionnaire-clear]) forgets the copy.
 * Texts come from the page's data-text-* attributes (translated there).
 */
(function () {
  "use strict";

  var storage = null;
  try {
    storage = window.localStorage;
    storage.getItem("intercoop-probe");
  } catch (error) {
    storage = null;
  }

  var cleared = document.querySelector("[data-questionnaire-clear]");
  if (cleared && storage) {
    storage.removeItem(cleared.getAttribute("data-questionnaire-clear"));
  }

  var form = document.querySelector("form[data-questionnaire-draft]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var url = form.getAttribute("data-draft-url");
  var key = form.getAttribute("data-storage-key");
  var status = form.querySelector("[data-draft-status]");
  var DELAY_MS = 1000;
  var timer = null;
  var sending = false;
  var sendAgain = false;
  var submitting = false;
  // Said before the draft's state after answers were put back, until the next change.
  var restoredNote = "";

  function say(name) {
    if (status) {
      var text = form.getAttribute("data-text-" + name) || "";
      status.textContent = restoredNote ? restoredNote + " " + text : text;
    }
  }

  function answerFields() {
    return Array.prototype.filter.call(form.elements, function (field) {
      return field.name && field.name !== "csrfmiddlewaretoken" && field.tagName !== "BUTTON";
    });
  }

  function currentValues() {
    var values = {};
    answerFields().forEach(function (field) {
      var list = values[field.name] || (values[field.name] = []);
      if (field.type === "radio" || field.type === "checkbox") {
        if (field.checked) {
          list.push(field.value);
        }
      } else {
        list.push(field.value);
      }
    });
    return values;
  }

  function remember(synced) {
    if (!storage || !key) {
      return;
    }
    try {
      storage.setItem(key, JSON.stringify({ values: currentValues(), synced: synced }));
    } catch (error) {
      // A full or forbidden storage: the server copy still works.
    }
  }

  function send() {
    timer = null;
    if (submitting) {
      return;
    }
    if (sending) {
      sendAgain = true;
      return;
    }
    sending = true;
    say("saving");
    fetch(url, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("draft refused: " + response.status);
        }
        remember(true);
        say("saved");
      })
      .catch(function () {
        say("failed");
      })
      .then(function () {
        sending = false;
        if (sendAgain) {
          sendAgain = false;
          send();
        }
      });
  }

  function changed() {
    restoredNote = "";
    remember(false);
    if (timer) {
      clearTimeout(timer);
    }
    timer = setTimeout(send, DELAY_MS);
  }

  function restore() {
    var saved = null;
    if (!storage || !key) {
      return;
    }
    try {
      saved = JSON.parse(storage.getItem(key) || "null");
    } catch (error) {
      saved = null;
    }
    if (!saved || saved.synced || !saved.values) {
      return;
    }
    answerFields().forEach(function (field) {
      var kept = saved.values[field.name] || [];
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = kept.indexOf(field.value) !== -1;
      } else {
        field.value = kept[0] || "";
      }
    });
    restoredNote = form.getAttribute("data-text-restored") || "";
    send();
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
  form.addEventListener("submit", function () {
    submitting = true;
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
  });
  restore();
})();
