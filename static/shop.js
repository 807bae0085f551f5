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
      const html = await res.text();
      // Text typed while the answer was on its way is not in it: keep it, and ask again.
      const typed = [];
      for (const el of live.querySelectorAll("input[type=text], input[type=number], input:not([type]), textarea")) {
        if (el.name && el.value !== (data.get(el.name) ?? "")) typed.push([el.name, el.value]);
      }
      // Where the customer is now, not when the form was sent: a change is sent as they
      // leave a field, and by the answer they are typing in the next one.
      const active = document.activeElement;
      const focused = active && live.contains(active) ? active.id : "";
      const caret = active && typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null;
      live.innerHTML = html;
      for (const [name, value] of typed) {
        const el = live.querySelector(`[name="${CSS.escape(name)}"]`);
        if (el) el.value = value;
      }
      if (typed.length > 0) queueMicrotask(() => refresh());
      const again = focused && document.getElementById(focused);
      if (again) {
        again.focus();
        if (caret && typeof again.setSelectionRange === "function") again.setSelectionRange(caret[0], caret[1]);
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
