/* Intercoop: what someone types in a compose box is kept in the browser until the
 * post is accepted.
 *
 * Each form marked data-draft (reply, new thread, edit, note) saves its text boxes in
 * localStorage under the path it posts to, as they are typed and when it is sent. A
 * reload, a page that refused the post (a session changed in another tab, a server
 * error), a closed tab: the next time the form is shown, an empty box gets its text
 * back. The server says a post was accepted with a short-lived cookie naming the path
 * the form posted to (forum/drafts.py); the page after the redirect forgets that
 * draft. Without this script or without storage the forms work as before.
 */
(function () {
  "use strict";

  var PREFIX = "intercoop:draft:";
  var ACCEPTED_COOKIE = "intercoop_draft_sent";
  var storage;
  try {
    storage = window.localStorage;
    storage.getItem(PREFIX);
  } catch (error) {
    return; // storage refused (private mode, a policy): nothing to keep drafts in
  }

  function forgetAccepted() {
    var pairs = document.cookie ? document.cookie.split("; ") : [];
    for (var i = 0; i < pairs.length; i++) {
      var eq = pairs[i].indexOf("=");
      if (pairs[i].slice(0, eq) !== ACCEPTED_COOKIE) {
        continue;
      }
      var path;
      try {
        path = decodeURIComponent(pairs[i].slice(eq + 1).replace(/^"|"$/g, ""));
      } catch (error) {
        path = "";
      }
      if (path) {
        storage.removeItem(PREFIX + path);
      }
      document.cookie = ACCEPTED_COOKIE + "=; Max-Age=0; Path=/; SameSite=Lax";
    }
  }

  function keyOf(form) {
    // form.action is absolute, and the page's own URL for a form without one.
    return PREFIX + new URL(form.action, window.location.href).pathname;
  }

  function boxesOf(form) {
    return Array.prototype.filter.call(form.elements, function (element) {
      return (
        element.name &&
        (element.tagName === "TEXTAREA" || (element.tagName === "INPUT" && element.type === "text"))
      );
    });
  }

  function save(form) {
    var fields = {};
    var written = false;
    boxesOf(form).forEach(function (box) {
      fields[box.name] = box.value;
      written = written || box.value.trim() !== "";
    });
    try {
      if (written) {
        storage.setItem(keyOf(form), JSON.stringify({ fields: fields, saved: Date.now() }));
      } else {
        storage.removeItem(keyOf(form)); // emptied on purpose
      }
    } catch (error) {
      // storage full: the form still works
    }
  }

  function restore(form) {
    var draft;
    try {
      draft = JSON.parse(storage.getItem(keyOf(form)) || "null");
    } catch (error) {
      draft = null;
    }
    if (!draft || !draft.fields) {
      return;
    }
    var replaceInitial = form.hasAttribute("data-draft-replaces-initial");
    boxesOf(form).forEach(function (box) {
      var text = draft.fields[box.name];
      if (typeof text !== "string" || text === box.value) {
        return;
      }
      // An empty box takes its draft back; a box the server filled keeps what it
      // shows (a refused post's own text, a quote just asked for), unless the form
      // edits something (its initial text is the old version).
      var serverFilled = box.value === box.defaultValue && box.value.trim() !== "";
      if (box.value.trim() === "" || (replaceInitial && serverFilled)) {
        box.value = text;
      }
    });
  }

  function watch(form) {
    restore(form);
    var pending = null;
    form.addEventListener("input", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () {
        save(form);
      }, 300);
    });
    form.addEventListener("change", function () {
      save(form);
    });
    form.addEventListener("submit", function () {
      window.clearTimeout(pending);
      save(form);
    });
  }

  forgetAccepted();
  Array.prototype.forEach.call(document.querySelectorAll("form[data-draft]"), watch);
  // A page restored from the back-forward cache runs no script again: the cookie of a
  // post accepted since is read then.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      forgetAccepted();
    }
  });
})();
