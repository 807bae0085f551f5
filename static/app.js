// Small enhancements only; every page works without this script.
"use strict";
document.documentElement.classList.add("js");
// A select that switches at once (the language) does so when picked with the pointer; from
// the keyboard, an arrow key changes it before the person has chosen, and the reload lost
// what they had typed: the form's button switches then.
let keyed = false;
document.addEventListener("keydown", (event) => { keyed = event.target instanceof HTMLSelectElement; });
document.addEventListener("pointerdown", () => { keyed = false; });
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form && !keyed) {
    el.form.requestSubmit();
  }
});

// Typing into fields that belong to one choice makes that choice (the delivery address lines
// choose "deliver to an address"; Tab skips the radio buttons of a group).
document.addEventListener("input", (event) => {
  const group = event.target instanceof HTMLElement && event.target.closest("[data-selects]");
  const choice = group && document.getElementById(group.getAttribute("data-selects"));
  if (choice instanceof HTMLInputElement) choice.checked = true;
});

// A page answering a form (its mistakes marked): the history holds the page the form was sent
// from instead, so Back to it loads that page again rather than asking to resend the form.
const formPage = document.querySelector("meta[name=form-page]")?.getAttribute("content");
if (formPage) {
  try { history.replaceState(history.state, "", formPage); } catch { /* not of this site: left as is */ }
}

// A form sent back with mistakes: the first field to correct gets the focus (and comes into
// view), rather than the top of a long page where nothing seems to have happened.
const firstMistake = document.querySelector("[aria-invalid=true]");
if (firstMistake instanceof HTMLElement) firstMistake.focus();
else document.querySelector(".form-error[role=alert]")?.scrollIntoView({ block: "center" });

// A catalog file picked from disk is read into the text area the form sends.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (!(input instanceof HTMLInputElement) || input.type !== "file" || !input.dataset.fills) return;
  const file = input.files && input.files[0];
  if (!file) return;
  const target = document.getElementById(input.dataset.fills);
  const name = input.dataset.names && document.getElementById(input.dataset.names);
  file.text().then((text) => {
    if (target) target.value = text;
    if (name) name.value = file.name;
  });
});

// A job ticket prints from its button (no inline script under the CSP).
document.addEventListener("click", (event) => {
  const el = event.target;
  if (el instanceof HTMLElement && el.hasAttribute("data-print")) window.print();
});

// A form that cannot be undone (cancelling an order) asks first; its question is on the form.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
});

// A form whose answer is shown only once (a new account's one-time password) is sent once: a
// second click answered "exists already" and hid the first answer, password and all.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-once") || event.defaultPrevented) return;
  if (form.dataset.sent) event.preventDefault();
  else form.dataset.sent = "1";
});
// Back on the page from the history, such a form may be sent again.
window.addEventListener("pageshow", () => {
  for (const form of document.querySelectorAll("form[data-once]")) delete form.dataset.sent;
});

// The units switch is a button of the measurement form: what was typed goes with it and comes
// back converted. The units in use are not switched to again; after a switch the keyboard goes
// on from the switch, not the top of the page.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element && event.target.closest("button[name=switch_units]");
  if (!button) return;
  if (button.classList.contains("current")) return event.preventDefault();
  sessionStorage.setItem("focus-after-load", button.id);
});
// Starting from an earlier set loads the form again with its values: asked first when
// something was typed, which would be lost (it was, without a word).
document.addEventListener("click", (event) => {
  const link = event.target instanceof Element && event.target.closest("a[data-confirm-if-typed]");
  const form = document.getElementById("measurement-form");
  if (!link || !(form instanceof HTMLFormElement)) return;
  const typed = [...form.querySelectorAll("input[name^=m_]")].some((i) => i instanceof HTMLInputElement && i.value.trim());
  if (typed && !window.confirm(link.getAttribute("data-confirm-if-typed") || "")) event.preventDefault();
});
// After the units switch, the keyboard goes on from the switch, not the top of the page.
const focusAfter = sessionStorage.getItem("focus-after-load");
if (focusAfter) {
  sessionStorage.removeItem("focus-after-load");
  document.getElementById(focusAfter)?.focus();
}

// Switching the language loads the page again in the other one: what was typed goes with it
// (kept in this tab only, and only for the page the switch goes back to; never a password).
// So does reloading a form answered with mistakes, which loads the page it was sent from
// (see formPage above): the address typed at a checkout was lost.
function keepTyped(page, onlyIfReloaded) {
  const typed = [];
  document.querySelectorAll("form:not([action='/lang']) :is(input, select, textarea)").forEach((el) => {
    if (!(el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement)) return;
    if (!el.name || el.disabled || ["password", "hidden", "file", "submit", "button"].includes(el.type)) return;
    const on = el instanceof HTMLInputElement && (el.type === "checkbox" || el.type === "radio") ? el.checked : null;
    typed.push([el.form?.id || "", el.name, el.value, on]);
  });
  sessionStorage.setItem("typed-across-language", JSON.stringify({ page, typed, onlyIfReloaded }));
}
const languageForm = document.querySelector("form[action='/lang']");
let switchingLanguage = false;
languageForm?.addEventListener("submit", () => {
  const next = languageForm.querySelector("input[name=next]");
  if (next instanceof HTMLInputElement) keepTyped(next.value);
  switchingLanguage = true;
});
// Only a reload (or Back) puts them back: the answer to sending the form again (another
// mistake, the units switched) shows what the server made of it, which the values kept would
// have overwritten (kilograms switched to pounds came back as kilograms, read as pounds).
if (formPage) window.addEventListener("pagehide", () => { if (!switchingLanguage) keepTyped(location.pathname + location.search, true); });
const carried = JSON.parse(sessionStorage.getItem("typed-across-language") || "null");
sessionStorage.removeItem("typed-across-language");
const navigation = performance.getEntriesByType("navigation")[0];
const reloaded = navigation instanceof PerformanceNavigationTiming && (navigation.type === "reload" || navigation.type === "back_forward");
if (carried && carried.page === location.pathname + location.search && (!carried.onlyIfReloaded || reloaded)) {
  let changed = null;
  for (const [formId, name, value, on] of carried.typed) {
    const scope = (formId && document.getElementById(formId)) || document;
    for (const el of scope.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
      if (el instanceof HTMLInputElement && (el.type === "checkbox" || el.type === "radio")) {
        if (el.value === value && el.checked !== on) { el.checked = on; changed = el; }
      } else if ((el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement) && el.value !== value) {
        el.value = value;
        changed = el;
      }
    }
  }
  // A page that answers changes (the shop's configurator) hears of them, once its own script
  // listens: deferred scripts all run before DOMContentLoaded, and this one runs first.
  if (changed) document.addEventListener("DOMContentLoaded", () => changed.dispatchEvent(new Event("change", { bubbles: true })), { once: true });
}

// The staff order form answers as choices change, as the shop's does: the form is checked as
// its Check button would (`action=check`, which changes nothing) and the answer's form takes
// the place of this one. Without the script, Check does the same with a reload.
(() => {
  const form = document.getElementById("configurator");
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-live") || !window.fetch) return;
  let latest = 0;
  // The options changed last, most recent first (three at most): the repair keeps as many as
  // it can, the oldest given up first (rim brakes, then 28 mm tyres, proposed the brakes back).
  let lastChanged = [];
  const changedNow = (code) => { lastChanged = [code, ...lastChanged.filter((c) => c !== code)].slice(0, 3); };
  async function refresh(action) {
    const data = new URLSearchParams(new FormData(form));
    data.set("action", action === "repair" ? "repair" : "check");
    // Always sent, empty too: the server then does not guess it from the choices shown.
    data.set("changed", lastChanged.join(","));
    if (action === "repair") lastChanged = [];
    const mine = ++latest;
    form.setAttribute("aria-busy", "true");
    try {
      // `form.action` would be its buttons named "action", not its address.
      const res = await fetch(form.getAttribute("action") || "", { method: "POST", body: data, credentials: "same-origin", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
      // Signed out meanwhile: go where the server sends us instead of applying its page.
      if (res.redirected) { window.location.assign(res.url); return; }
      const text = await res.text();
      // Answers can overtake each other: only the newest one is shown.
      if (mine !== latest) return;
      const next = new DOMParser().parseFromString(text, "text/html").getElementById("configurator");
      if (!next) return;
      // A field typed in while the answer was on its way keeps what was typed, and is asked
      // about again.
      let typed = false;
      for (const field of next.querySelectorAll("input[type=text]")) {
        const now = form.elements.namedItem(field.getAttribute("name") || "");
        if (now instanceof HTMLInputElement && now.value !== (data.get(now.name) ?? "")) {
          field.setAttribute("value", now.value);
          typed = true;
        }
      }
      // The focus, and the caret in a text field, stay where they were.
      const active = document.activeElement;
      const focused = active instanceof HTMLElement && form.contains(active) ? active.id : "";
      const caret = active instanceof HTMLInputElement && active.type === "text" ? [active.selectionStart, active.selectionEnd] : null;
      form.replaceChildren(...next.childNodes);
      const again = focused && document.getElementById(focused);
      if (again instanceof HTMLElement) {
        again.focus();
        if (caret && again instanceof HTMLInputElement) again.setSelectionRange(caret[0], caret[1]);
      } else if (action === "repair") {
        // The button pressed is gone with the proposal: the answer it led to takes the focus.
        const answer = document.getElementById("validity");
        if (answer) { answer.setAttribute("tabindex", "-1"); answer.focus(); }
      }
      if (typed) queueMicrotask(() => refresh());
    } finally {
      if (mine === latest) form.removeAttribute("aria-busy");
    }
  }
  // A choice among values, not a text typed (a name to print): clicking the proposal's
  // button after typing a name must not make the name the choice to keep.
  const option = (el) => (el instanceof HTMLSelectElement || (el instanceof HTMLInputElement && el.type !== "text")) && el.name.startsWith("o_") ? el.name.slice("o_".length) : "";
  form.addEventListener("change", (event) => {
    const el = event.target;
    if (el instanceof HTMLInputElement && el.type === "text") return; // asked while typed, below
    if (option(el)) changedNow(option(el));
    if (el instanceof HTMLSelectElement || el instanceof HTMLInputElement) refresh();
  });
  let pause = 0;
  form.addEventListener("input", (event) => {
    if (!(event.target instanceof HTMLInputElement) || event.target.type !== "text") return;
    clearTimeout(pause);
    pause = setTimeout(() => refresh(), 500);
  });
  form.addEventListener("submit", (event) => {
    const action = event.submitter instanceof HTMLButtonElement ? event.submitter.value : "";
    if (action === "check" || action === "repair") {
      event.preventDefault();
      refresh(action);
    }
  });
  document.documentElement.classList.add("live-configurator");
})();
