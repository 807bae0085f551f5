// The configurator's live update: send the form, swap in the part the server renders.
// Without this script the same buttons submit the form and the page comes back whole.
"use strict";
(() => {
  const form = document.getElementById("shop-configurator");
  const live = document.getElementById("live");
  if (!form || !live || !window.fetch) return;
  let latest = 0;

  async function refresh(action) {
    const data = new URLSearchParams(new FormData(form));
    data.delete("action");
    if (action) data.set("action", action);
    const mine = ++latest;
    const focused = document.activeElement && document.activeElement.id;
    live.setAttribute("aria-busy", "true");
    try {
      const res = await fetch(form.dataset.live, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
      // Signed out meanwhile: go where the server sends us instead of swapping its page in.
      if (res.redirected) { window.location.assign(res.url); return; }
      // Answers can overtake each other: only the newest one is shown.
      if (!res.ok || mine !== latest) return;
      live.innerHTML = await res.text();
      const again = focused && document.getElementById(focused);
      if (again) {
        again.focus();
      } else if (action === "repair") {
        const status = document.getElementById("validity");
        if (status) { status.setAttribute("tabindex", "-1"); status.focus(); }
      }
    } finally {
      if (mine === latest) live.removeAttribute("aria-busy");
    }
  }

  form.addEventListener("change", (event) => {
    const el = event.target;
    if (el instanceof HTMLElement && (live.contains(el) || el.id === "set")) refresh();
  });
  form.addEventListener("submit", (event) => {
    const action = event.submitter && event.submitter.value;
    if (action === "check" || action === "repair") {
      event.preventDefault();
      refresh(action);
    }
  });
  document.documentElement.classList.add("live-configurator");
})();
