// A modal question with Yes and No: native <dialog>, focus kept inside, Escape closes.

import { h, uid } from "./dom.js";
import { formAlert } from "./forms.js";

const FOCUSABLE = "button, [href], input, select, textarea, [tabindex]:not([tabindex='-1'])";

/** Keep Tab and Shift+Tab cycling through the dialog's own controls. */
function trapFocus(dialog, event) {
  if (event.key !== "Tab") return;
  const items = [...dialog.querySelectorAll(FOCUSABLE)].filter((el) => !el.disabled && el.offsetParent !== null);
  if (!items.length) return;
  const first = items[0];
  const last = items[items.length - 1];
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

/**
 * Ask a question. `onYes(form)` runs when Yes is pressed; it returns true to close the
 * dialog, or false to keep it open (it showed errors in `form`). Resolves when closed.
 */
export function ask({ title, description, body = null, yes = "Yes", no = "No", onYes }) {
  const opener = document.activeElement;
  const titleId = uid("dialog-title");
  const descriptionId = uid("dialog-description");
  const form = h(
    "form",
    { method: "dialog", novalidate: true },
    h("h2", { id: titleId }, title),
    h("p", { id: descriptionId }, description),
    body,
    formAlert(),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary", value: "yes" }, yes),
      h("button", { type: "button", value: "no", onclick: () => dialog.close("no") }, no),
    ),
  );
  const dialog = h(
    "dialog",
    { "aria-labelledby": titleId, "aria-describedby": descriptionId, onkeydown: (e) => trapFocus(dialog, e) },
    form,
  );
  return new Promise((resolve) => {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      if (await onYes(form)) dialog.close("yes");
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
    // The first choice to make, or else No: the answer that changes nothing.
    (form.querySelector("input, select, textarea") ?? form.querySelector('button[value="no"]')).focus();
  });
}
