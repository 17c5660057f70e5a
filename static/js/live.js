/* Intercoop: live updates of a thread, a board, or a session's live page.
 *
 * Progressive enhancement: without this script the page is complete and a reload
 * shows what is new. With it, the page opens the websocket named by data-live-url
 * (realtime/_live_script.html) and applies the fragments the server pushes: the
 * very HTML the page renders, from the same templates. Nothing is rendered here.
 *
 * Each pushed event carries a number (seq) that grows by one per page group. The
 * page is rendered with the seq it reflects (data-live-seq); the socket is opened
 * with ?after=<last seq applied>, so the server first replays what was missed
 * (after a lost connection, a sleeping laptop), then sends live events. An event
 * whose seq was applied already is ignored, so none is ever applied twice.
 *
 * Reconnection: exponential backoff with full jitter (a random delay between 0 and
 * min(30 s, 1 s × 2^attempt)), so a restarted server is not hit by every browser at
 * once. A heartbeat every 30 s keeps the connection (the server closes an idle one
 * with 4408); a connection silent for 75 s is presumed dead and replaced.
 * No dependency, no build step.
 */
(function () {
  "use strict";

  var root = document.querySelector("[data-live-url]");
  if (!root || !window.WebSocket || !window.JSON || !("content" in document.createElement("template"))) {
    return;
  }

  var HEARTBEAT_MS = 30000;
  var SILENCE_MS = 75000;
  var TICK_MS = 5000;
  var BACKOFF_BASE_MS = 1000;
  var BACKOFF_CAP_MS = 30000;
  // Refusals that the same request would get again: no reconnection.
  var PERMANENT = { 4400: true, 4403: true, 4404: true };

  var path = root.getAttribute("data-live-url");
  var lastSeq = parseInt(root.getAttribute("data-live-seq"), 10) || 0;
  var me = root.getAttribute("data-live-user") || "";
  var statusBox = root.querySelector("[data-live-status]");
  var indicator = root.querySelector("[data-live-indicator]");
  var plural = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang || "fr") : null;
  var canReply = !!document.querySelector("[data-reply-form]");

  var socket = null;
  var wanted = true;
  var attempts = 0;
  var retryTimer = null;
  var ticker = null;
  var lastHeard = 0;
  var lastSent = 0;
  // New posts the reader has not seen yet: elements on this page below the fold,
  // or a count of posts on another page (href says where).
  var unseen = [];
  var elsewhere = { count: 0, href: null };
  var whileHidden = 0;
  var baseTitle = document.title;

  function attr(name) {
    return root.getAttribute(name) || "";
  }

  function setState(state) {
    root.setAttribute("data-live-state", state);
    if (!statusBox) {
      return;
    }
    var text = attr("data-live-label-" + state);
    statusBox.textContent = text;
    statusBox.setAttribute("data-state", state);
    statusBox.hidden = !text;
  }

  // Connection.

  function socketUrl() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    return scheme + location.host + path + "?after=" + lastSeq;
  }

  function connect() {
    wanted = true;
    clearTimeout(retryTimer);
    if (socket) {
      return;
    }
    var ws;
    try {
      ws = new WebSocket(socketUrl());
    } catch (error) {
      schedule();
      return;
    }
    socket = ws;
    ws.onopen = function () {
      lastHeard = lastSent = Date.now();
      startTicker();
    };
    ws.onmessage = function (event) {
      if (socket !== ws) {
        return;
      }
      lastHeard = Date.now();
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      handle(message);
    };
    ws.onclose = function (event) {
      if (socket !== ws) {
        return;
      }
      socket = null;
      stopTicker();
      if (PERMANENT[event.code]) {
        setState("closed");
      } else if (wanted) {
        schedule();
      }
    };
  }

  function schedule() {
    clearTimeout(retryTimer);
    var ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * Math.pow(2, attempts));
    attempts += 1;
    setState("connecting");
    retryTimer = setTimeout(connect, Math.random() * ceiling);
  }

  function abandon(ws) {
    ws.onopen = ws.onmessage = ws.onclose = null;
    try {
      ws.close();
    } catch (error) {
      /* already closed */
    }
  }

  function drop() {
    // A connection that stopped answering (network lost, laptop asleep): replace it.
    if (socket) {
      abandon(socket);
      socket = null;
    }
    stopTicker();
    if (wanted) {
      schedule();
    }
  }

  function disconnect() {
    wanted = false;
    clearTimeout(retryTimer);
    stopTicker();
    if (socket) {
      abandon(socket);
      socket = null;
    }
    setState("connecting");
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(message));
      lastSent = Date.now();
    }
  }

  function startTicker() {
    stopTicker();
    ticker = setInterval(function () {
      var now = Date.now();
      if (now - lastHeard > SILENCE_MS) {
        drop();
      } else if (now - lastSent >= HEARTBEAT_MS) {
        send({ type: "heartbeat" });
      }
    }, TICK_MS);
  }

  function stopTicker() {
    clearInterval(ticker);
    ticker = null;
  }

  // Messages.

  function handle(message) {
    switch (message.type) {
      case "event":
        if (typeof message.seq === "number" && message.seq > lastSeq) {
          apply(message);
          lastSeq = message.seq;
          root.setAttribute("data-live-seq", String(lastSeq));
        }
        break;
      case "ready":
        attempts = 0;
        if (typeof message.seq === "number" && message.seq > lastSeq) {
          lastSeq = message.seq;
        }
        if (root.getAttribute("data-live-state") !== "reload") {
          setState("live");
        }
        break;
      case "reset":
        setState("reload");
        break;
      case "presence":
        Array.prototype.forEach.call(document.querySelectorAll("[data-live-presence]"), function (el) {
          el.textContent = String(message.count);
        });
        break;
      default:
        break; // "heartbeat": lastHeard is enough
    }
  }

  function parse(html) {
    var template = document.createElement("template");
    template.innerHTML = html || "";
    var node = template.content.firstElementChild;
    if (node && !canReply) {
      // Fragments carry "Répondre" and "Citer"; a reader who may not reply has no form.
      Array.prototype.forEach.call(node.querySelectorAll("[data-reply], [data-quote]"), function (link) {
        link.parentNode.removeChild(link);
      });
    }
    return node;
  }

  function containerFor(name) {
    return name ? document.querySelector('[data-live-container="' + name + '"]') : null;
  }

  function accepts(container) {
    return !!container && container.hasAttribute("data-live-append");
  }

  function swap(existing, node) {
    ["is-new", "is-unread"].forEach(function (name) {
      if (existing.classList.contains(name)) {
        node.classList.add(name);
      }
    });
    var mark = existing.querySelector("[data-live-unread-mark]");
    existing.parentNode.replaceChild(node, existing);
    if (mark && !node.querySelector("[data-live-unread-mark]")) {
      markUnread(node);
    }
  }

  function apply(message) {
    var node = parse(message.html);
    if (!node) {
      return;
    }
    var existing = message.target ? document.getElementById(message.target) : null;
    var container = containerFor(message.container);
    var data = message.data || {};
    var byMe = me && String(data.author_id) === me;
    switch (message.op) {
      case "replace":
        if (existing) {
          swap(existing, node);
        }
        if (message.kind === "session.state") {
          pressState(data.state);
        }
        break;
      case "append":
        if (existing) {
          swap(existing, node);
        } else if (accepts(container)) {
          container.appendChild(node);
          arrived(node, byMe);
        } else {
          announceElsewhere(data.url, byMe);
        }
        break;
      case "prepend":
        if (existing) {
          swap(existing, node);
        } else if (container) {
          container.insertBefore(node, container.firstElementChild);
          trim(container);
          if (!byMe) {
            node.classList.add("is-new");
          }
        }
        break;
      case "bump":
        if (existing) {
          existing.parentNode.removeChild(existing);
        }
        if (accepts(container)) {
          insertAtTop(container, node);
          if (me && !byMe) {
            markUnread(node);
          }
        } else if (!byMe) {
          announceElsewhere(location.pathname, byMe);
        }
        break;
      default:
        return;
    }
    if (container) {
      var empty = document.querySelector('[data-live-empty="' + message.container + '"]');
      if (empty) {
        empty.hidden = true;
      }
    }
  }

  function insertAtTop(container, node) {
    // Pinned rows stay on top; a pinned row goes first.
    var before = container.firstElementChild;
    if (!node.hasAttribute("data-pinned")) {
      while (before && before.hasAttribute("data-pinned")) {
        before = before.nextElementSibling;
      }
    }
    container.insertBefore(node, before);
  }

  function trim(container) {
    var limit = parseInt(container.getAttribute("data-live-limit"), 10);
    while (limit && container.children.length > limit) {
      container.removeChild(container.lastElementChild);
    }
  }

  function markUnread(row) {
    row.classList.add("is-unread");
    if (row.querySelector("[data-live-unread-mark], .unread-mark")) {
      return;
    }
    var link = row.querySelector("a");
    var mark = document.createElement("span");
    mark.className = "unread-mark";
    mark.setAttribute("data-live-unread-mark", "");
    mark.textContent = attr("data-live-unread");
    if (link && link.parentNode) {
      link.parentNode.insertBefore(mark, link.nextSibling);
      link.parentNode.insertBefore(document.createTextNode(" "), mark);
    }
  }

  function pressState(state) {
    Array.prototype.forEach.call(document.querySelectorAll("[data-live-state-button]"), function (button) {
      var current = button.getAttribute("data-live-state-button") === state;
      button.setAttribute("aria-pressed", current ? "true" : "false");
      button.classList.toggle("secondary", !current);
    });
  }

  // "N nouveaux messages": posts the reader has not scrolled to yet.

  function arrived(node, byMe) {
    if (byMe) {
      return;
    }
    node.classList.add("is-new");
    if (document.hidden) {
      whileHidden += 1;
      document.title = "(" + whileHidden + ") " + baseTitle;
    }
    if (node.getBoundingClientRect().top >= window.innerHeight) {
      unseen.push(node);
      showIndicator();
    }
  }

  function announceElsewhere(href, byMe) {
    if (byMe) {
      return;
    }
    elsewhere.count += 1;
    elsewhere.href = elsewhere.href || href || location.pathname;
    showIndicator();
  }

  function showIndicator() {
    if (!indicator) {
      return;
    }
    var count = unseen.length + elsewhere.count;
    if (!count) {
      indicator.hidden = true;
      return;
    }
    var form = plural ? plural.select(count) : count === 1 ? "one" : "other";
    var text = attr(form === "one" ? "data-live-new-one" : "data-live-new-other");
    indicator.textContent = text.replace("{n}", String(count)) + " ↓";
    indicator.href = unseen.length ? "#" + (unseen[0].id || "") : elsewhere.href;
    indicator.hidden = false;
  }

  function forgetSeen() {
    if (!unseen.length) {
      return;
    }
    unseen = unseen.filter(function (node) {
      return node.isConnected && node.getBoundingClientRect().top >= window.innerHeight;
    });
    showIndicator();
  }

  if (indicator) {
    indicator.addEventListener("click", function (event) {
      if (unseen.length) {
        event.preventDefault();
        var first = unseen[0];
        if (first.scrollIntoView) {
          first.scrollIntoView({ behavior: "smooth", block: "start" });
        }
        unseen = [];
        showIndicator();
      }
    });
  }

  var scrollPending = false;
  window.addEventListener("scroll", function () {
    if (!scrollPending) {
      scrollPending = true;
      window.requestAnimationFrame(function () {
        scrollPending = false;
        forgetSeen();
      });
    }
  }, { passive: true });

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) {
      whileHidden = 0;
      document.title = baseTitle;
      if (wanted && !socket) {
        attempts = 0;
        connect();
      }
    }
  });
  window.addEventListener("online", function () {
    if (wanted && !socket) {
      attempts = 0;
      connect();
    }
  });

  // For tests and the curious: cut and restore the connection, read the last seq.
  window.intercoopLive = {
    connect: connect,
    disconnect: disconnect,
    drop: drop,
    lastSeq: function () {
      return lastSeq;
    },
    state: function () {
      return root.getAttribute("data-live-state") || "";
    }
  };

  setState("connecting");
  connect();
})();
