// The configurator's live update: send the form, apply what the server answers. The server
// sends the summary column rendered, and for the steps only what changed in them: which
// values are chosen, which do not fit and why, and what the number and text fields hold
// (templates/shop/_live_patch.html). Without this script the same buttons submit the form
// and the page comes back whole.
"use strict";
(() => {
  const form = document.getElementById("shop-configurator");
  const live = document.getElementById("live");
  const summary = document.getElementById("summary");
  if (!form || !live || !summary || !window.fetch) return;
  let latest = 0;

  // Marks every value as the answer has it; the labels, fields and surcharges stay as rendered.
  function applyValues(states) {
    const chosen = new Set(Array.from(states.querySelectorAll("[data-chosen]"), (e) => e.dataset.chosen));
    const unfit = new Map(Array.from(states.querySelectorAll("[data-unfit]"), (e) => [e.dataset.unfit, e.textContent]));
    for (const input of live.querySelectorAll("label.value > input")) {
      const k = input.id.slice("o_".length);
      const label = input.parentElement;
      input.checked = chosen.has(k);
      label.classList.toggle("chosen", chosen.has(k));
      const why = unfit.get(k);
      label.classList.toggle("unavailable", why !== undefined);
      let reason = document.getElementById(`why_${k}`);
      if (why === undefined) {
        if (reason) reason.remove();
        input.removeAttribute("aria-describedby");
        continue;
      }
      if (!reason) {
        reason = document.createElement("span");
        reason.className = "reason";
        reason.id = `why_${k}`;
        label.append(reason);
      }
      reason.textContent = why;
      input.setAttribute("aria-describedby", reason.id);
    }
  }

  // The field's message under it, or none; the hint stays described after it.
  function showFieldError(input, text) {
    const id = `${input.id}-error`;
    let message = document.getElementById(id);
    if (text === undefined) {
      if (message) message.remove();
      input.removeAttribute("aria-invalid");
    } else {
      if (!message) {
        message = document.createElement("p");
        message.className = "field-error";
        message.id = id;
        input.after(message);
      }
      message.textContent = text;
      input.setAttribute("aria-invalid", "true");
    }
    input.closest(".field")?.classList.toggle("has-error", text !== undefined);
    const hint = document.getElementById(`hint_${input.id.slice("o_".length)}`);
    const described = [text === undefined ? "" : id, hint ? hint.id : ""].filter(Boolean).join(" ");
    if (described) input.setAttribute("aria-describedby", described);
    else input.removeAttribute("aria-describedby");
  }

  // The options changed last, most recent first (three at most): the repair keeps as many as
  // it can, the oldest given up first (rim brakes, then 28 mm tyres, proposed the brakes back).
  let lastChanged = [];
  const changedNow = (code) => { lastChanged = [code, ...lastChanged.filter((c) => c !== code)].slice(0, 3); };

  async function refresh(action) {
    const data = new URLSearchParams(new FormData(form));
    data.delete("action");
    if (action) data.set("action", action);
    // Always sent, empty too: the server then does not guess it from the choices shown.
    data.set("changed", lastChanged.join(","));
    // Applied, the proposal is the customer's choice: nothing is kept after it.
    if (action === "repair") lastChanged = [];
    const mine = ++latest;
    live.setAttribute("aria-busy", "true");
    try {
      const res = await fetch(form.dataset.live, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
      // Signed out meanwhile: go where the server sends us instead of applying its page.
      if (res.redirected) { window.location.assign(res.url); return; }
      if (!res.ok || mine !== latest) return;
      const answer = document.createElement("template");
      answer.innerHTML = await res.text();
      const next = answer.content.getElementById("summary");
      const states = answer.content.getElementById("value-states");
      // Answers can overtake each other: only the newest one is shown.
      if (mine !== latest || !next || !states) return;
      applyValues(states);
      // A field the customer typed in while the answer was on its way keeps what they typed,
      // and is asked about again; the others take what the answer holds (a repair sets them),
      // and what is wrong with it, said at the field.
      const errors = new Map(Array.from(states.querySelectorAll("[data-error]"), (e) => [e.dataset.error, e.textContent]));
      let typed = false;
      for (const e of states.querySelectorAll("[data-typed]")) {
        const el = form.elements.namedItem(e.dataset.typed);
        if (!(el instanceof HTMLInputElement)) continue;
        if (el.value !== (data.get(el.name) ?? "")) {
          typed = true;
        } else {
          el.value = e.textContent;
          showFieldError(el, errors.get(el.id));
        }
      }
      if (typed) queueMicrotask(() => refresh());
      keepChoicesForMeasuring();
      // The summary is swapped whole: its focus, if it had it, goes back to the same control.
      const active = document.activeElement;
      const focused = active && summary.contains(active) ? active.id : "";
      summary.replaceChildren(...next.childNodes);
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

  // Measuring yourself comes back to the choices made so far.
  function keepChoicesForMeasuring() {
    const link = document.getElementById("measure-yourself");
    if (!(link instanceof HTMLAnchorElement)) return;
    const chosen = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (name.startsWith("o_") && typeof value === "string" && value.trim()) chosen.append(name, value);
    }
    const draft = form.elements.namedItem("draft");
    if (draft instanceof HTMLInputElement && draft.value) chosen.set("draft", draft.value);
    const query = chosen.toString();
    const back = query ? `${location.pathname}?${query}` : location.pathname;
    link.href = `/shop/measurements/new?next=${encodeURIComponent(back)}`;
  }
  form.addEventListener("change", keepChoicesForMeasuring);
  form.addEventListener("input", keepChoicesForMeasuring);

  form.addEventListener("change", (event) => {
    const el = event.target;
    if (!(el instanceof HTMLElement) || !(live.contains(el) || el.id === "set")) return;
    // A choice the customer changes is no longer the one their profile proposed.
    const badge = el.closest(".option")?.querySelector(".badge.profile");
    if (badge) badge.remove();
    // Another set of measurements: the note above names the one now used.
    const picked = el instanceof HTMLSelectElement && el.id === "set" ? el.selectedOptions[0] : null;
    const note = document.getElementById("measurements-note");
    if (picked && picked.dataset.note && note) note.textContent = picked.dataset.note;
    const name = el.getAttribute("name") || "";
    // A value chosen, not a text or number typed: leaving the name field for the proposal's
    // button made the name the choice to keep, and the brakes just chosen were undone.
    const typed = el instanceof HTMLInputElement && (el.type === "text" || el.type === "number");
    if (name.startsWith("o_") && !typed) changedNow(name.slice("o_".length));
    refresh();
  });
  // A text or number field is asked about while it is typed in, once the typing pauses, not
  // only when it is left: the price and the preview follow a name as it is written.
  let pause = 0;
  form.addEventListener("input", (event) => {
    const el = event.target;
    if (!(el instanceof HTMLInputElement) || !live.contains(el) || (el.type !== "text" && el.type !== "number")) return;
    // What was wrong with the text before is not said of the text being typed: the answer
    // after the pause says again what is wrong, if anything is.
    if (el.getAttribute("aria-invalid") === "true") showFieldError(el, undefined);
    clearTimeout(pause);
    pause = setTimeout(() => refresh(), 500);
  });
  form.addEventListener("submit", (event) => {
    const action = event.submitter && event.submitter.value;
    if (action === "check" || action === "repair") {
      event.preventDefault();
      refresh(action);
    }
  });
  // Back on this page from the history, the browser puts back the choices made on it but not
  // the summary computed for them, which then contradicted them: ask for it again.
  window.addEventListener("pageshow", (event) => {
    const nav = performance.getEntriesByType("navigation")[0];
    if (event.persisted || (nav && nav.type === "back_forward")) refresh();
  });
  document.documentElement.classList.add("live-configurator");
})();
