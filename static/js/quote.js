/* Intercoop: answer a post, or quote just a passage of it, from the thread page.
 *
 * Progressive enhancement: without this script "Répondre" and "Citer" are plain links
 * that reload the page with the reply box set (the whole post quoted by the server).
 * With it, selecting a passage inside a post and pressing that post's "Citer" puts
 * only the passage in the box, as Markdown "> " lines under an attribution line.
 * No dependency, no network request.
 */
(function () {
  "use strict";

  var form = document.querySelector("[data-reply-form]");
  if (!form || !window.getSelection || !Element.prototype.closest) {
    return;
  }
  var textarea = form.querySelector("textarea[name=body]");
  var replyTo = form.querySelector("input[name=in_reply_to]");
  var indicator = form.querySelector("[data-replying-to]");
  if (!textarea || !replyTo) {
    return;
  }
  // Pressing a link can collapse the selection before "click": remember it earlier.
  var remembered = null;

  function selectedTextIn(post) {
    var selection = window.getSelection();
    var body = post && post.querySelector("[data-post-body]");
    if (!body || !selection || selection.isCollapsed || !selection.rangeCount) {
      return "";
    }
    var range = selection.getRangeAt(0);
    if (!body.contains(range.startContainer) || !body.contains(range.endContainer)) {
      return "";
    }
    return selection.toString().trim();
  }

  function remember(event) {
    var link = event.target.closest && event.target.closest("[data-quote]");
    if (!link) {
      return;
    }
    var text = selectedTextIn(link.closest("[data-post]"));
    if (text) {
      remembered = { link: link, text: text };
    }
  }

  function answer(link) {
    replyTo.value = link.getAttribute("data-post-id");
    if (indicator) {
      indicator.textContent = link.getAttribute("data-reply-label") || "";
      indicator.hidden = false;
    }
  }

  function appendQuote(text, attribution) {
    var lines = text.replace(/\r\n?/g, "\n").split("\n").map(function (line) {
      return line.trim() ? "> " + line : ">";
    });
    var before = textarea.value.replace(/\s+$/, "");
    textarea.value = (before ? before + "\n\n" : "") + attribution + "\n\n" + lines.join("\n") + "\n\n";
  }

  function focusReplyBox() {
    textarea.focus();
    var end = textarea.value.length;
    textarea.setSelectionRange(end, end);
    if (textarea.scrollIntoView) {
      textarea.scrollIntoView({ block: "center" });
    }
  }

  document.addEventListener("mousedown", remember, true);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      remember(event);
    }
  }, true);

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-quote], [data-reply]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey) {
      return;
    }
    if (link.hasAttribute("data-quote")) {
      remember(event);
      var text = remembered && remembered.link === link ? remembered.text : "";
      remembered = null;
      if (!text) {
        return; // nothing selected in this post: the server quotes all of it
      }
      event.preventDefault();
      answer(link);
      appendQuote(text, link.getAttribute("data-attribution") || "");
    } else {
      event.preventDefault();
      answer(link);
    }
    focusReplyBox();
  });
})();
