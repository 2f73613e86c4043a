// ketapath's own small script: partial page updates, self-refreshing regions and live timers.
// No third-party code. Everything works without it (plain forms and links); this only makes
// the board and forms update in place.
(function () {
  "use strict";
  const csrf = () => (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  function swap(target, html) {
    const holder = document.createElement("div");
    holder.innerHTML = html.trim();
    const fresh = holder.firstElementChild;
    if (!fresh) return;
    target.replaceWith(fresh);
    wire(fresh);
  }

  // <form data-partial="#target"> posts with fetch and replaces #target with the answer
  // (the answer to a refused form carries the errors beside its fields).
  function wireForm(form) {
    if (form.dataset.wired) return;
    form.dataset.wired = "1";
    form.addEventListener("submit", async (event) => {
      const selector = form.dataset.partial;
      const target = selector && document.querySelector(selector);
      if (!target) return;
      event.preventDefault();
      const button = form.querySelector("[type=submit]");
      if (button) button.disabled = true;
      try {
        const response = await fetch(form.action, {
          method: form.method || "POST",
          body: new FormData(form),
          headers: { "X-CSRF-Token": csrf(), "X-Partial": "1" },
          credentials: "same-origin",
        });
        const redirect = response.headers.get("X-Redirect");
        if (redirect) { window.location.assign(redirect); return; }
        swap(target, await response.text());
      } finally {
        if (button) button.disabled = false;
      }
    });
  }

  // <section data-refresh="/board/cards" data-every="10"> reloads itself in place, unless the
  // user is typing inside it.
  function wireRefresh(region) {
    if (region.dataset.wired) return;
    region.dataset.wired = "1";
    const seconds = Number(region.dataset.every || 15);
    const timer = setInterval(async () => {
      if (!document.body.contains(region)) { clearInterval(timer); return; }
      if (region.contains(document.activeElement) && document.activeElement.matches("input,select,textarea")) return;
      const response = await fetch(region.dataset.refresh, { headers: { "X-Partial": "1" }, credentials: "same-origin" });
      if (response.ok) { clearInterval(timer); swap(region, await response.text()); }
    }, seconds * 1000);
  }

  // <span data-since="2026-11-21T10:00:00Z">…</span> shows whole minutes since that moment.
  function tickTimers(root) {
    (root || document).querySelectorAll("[data-since]").forEach((el) => {
      const since = Date.parse(el.dataset.since);
      if (!Number.isNaN(since)) el.textContent = Math.max(0, Math.floor((Date.now() - since) / 60000)) + " min";
    });
  }

  function wire(root) {
    root.querySelectorAll("form[data-partial]").forEach(wireForm);
    if (root.matches && root.matches("form[data-partial]")) wireForm(root);
    root.querySelectorAll("[data-refresh]").forEach(wireRefresh);
    if (root.matches && root.matches("[data-refresh]")) wireRefresh(root);
    tickTimers(root);
  }

  document.addEventListener("DOMContentLoaded", () => { wire(document.body); setInterval(() => tickTimers(document), 15000); });
})();
