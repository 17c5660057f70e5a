/* Intercoop: on a phone, the header's links, search and language go behind a "Menu"
 * button, so that the page starts near the top of the screen. The stylesheet hides
 * them only once this script has marked the header (without it they stay shown).
 */
(function () {
  "use strict";

  var header = document.querySelector(".site-header");
  var toggle = header && header.querySelector("[data-menu-toggle]");
  var menu = header && header.querySelector("[data-menu]");
  if (!toggle || !menu) {
    return;
  }
  header.classList.add("has-menu");
  toggle.hidden = false;

  function setOpen(open) {
    menu.classList.toggle("open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  }

  toggle.addEventListener("click", function () {
    setOpen(!menu.classList.contains("open"));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && menu.classList.contains("open")) {
      setOpen(false);
      toggle.focus();
    }
  });
})();
