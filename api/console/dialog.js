// A modal question with No and Yes: native <dialog>, focus kept inside, Escape closes, and
// Enter never answers Yes.

import { h, uid } from "./dom.js";
import { busy, formAlert } from "./forms.js";

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
 *
 * Only a press of Yes itself answers Yes: the Enter key never does, wherever focus is. The
 * form has no submit button, so Enter in it (an implicit submission) is ignored, and No comes
 * first. A question with choices in `body` passes `ready()`, true once the choices make an
 * answer (Yes stays disabled until then), and `summary()`, the words that say what Yes will
 * do with them; both are asked again at every change.
 */
export function ask({ title, description, body = null, yes = "Yes", no = "No", ready = null, summary = null, onYes }) {
  const opener = document.activeElement;
  const titleId = uid("dialog-title");
  const descriptionId = uid("dialog-description");
  const summaryId = uid("dialog-summary");
  const said = summary ? h("p", { class: "dialog-summary", id: summaryId, "aria-live": "polite" }) : null;
  const noButton = h("button", { type: "button", value: "no", onclick: () => dialog.close("no") }, no);
  const yesButton = h("button", { type: "button", class: "primary", value: "yes", "aria-describedby": summary ? summaryId : null }, yes);
  const form = h(
    "form",
    { novalidate: true },
    h("h2", { id: titleId }, title),
    h("p", { id: descriptionId }, description),
    body,
    said,
    formAlert(),
    h("div", { class: "actions" }, noButton, yesButton),
  );
  const dialog = h(
    "dialog",
    { "aria-labelledby": titleId, "aria-describedby": descriptionId, onkeydown: (e) => trapFocus(dialog, e) },
    form,
  );
  const follow = () => {
    yesButton.disabled = ready ? !ready() : false;
    if (said) said.textContent = summary();
  };
  form.addEventListener("change", follow);
  form.addEventListener("input", follow);
  follow();
  return new Promise((resolve) => {
    form.addEventListener("submit", (event) => event.preventDefault());
    yesButton.addEventListener("click", async () => {
      if (ready && !ready()) return;
      const closing = await busy(form, () => onYes(form));
      if (closing) dialog.close("yes");
      else follow();
    });
    dialog.addEventListener("close", () => {
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(dialog.returnValue === "yes");
    });
    document.body.append(dialog);
    dialog.showModal();
    // The first choice to make, or else No: the answer that changes nothing.
    (form.querySelector("input, select, textarea") ?? noButton).focus();
  });
}
