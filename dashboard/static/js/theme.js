// Applies the saved colour theme before the page is painted. Only the
// preference ("light" or "dark") is ever stored.
(function () {
  try {
    var t = localStorage.getItem('mcp-memory-theme');
    if (t === 'light' || t === 'dark') document.documentElement.setAttribute('data-theme', t);
  } catch (e) {
    /* storage unavailable: follow the system */
  }
})();
