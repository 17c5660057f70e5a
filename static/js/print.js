// Buttons marked data-print print the page (the programme). A file of its own: the
// Content-Security-Policy runs no inline handler (config/security_headers.py).
document.addEventListener("click", function (event) {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
