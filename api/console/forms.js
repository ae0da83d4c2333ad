// Showing refusals where a person looks for them: each UserError next to its field.

import { h, replace, uid } from "./dom.js";

/**
 * A field's slot: the element that groups a control (or a fieldset), its hint and its error.
 * `name` is the input field the API names in `UserError.field` (["input", name]).
 */
export function field({ name, label, control, hint, className = "field" }) {
  const errorId = uid(`${name}-error`);
  const hintId = hint ? uid(`${name}-hint`) : null;
  const controlId = control.id || uid(name);
  control.id = controlId;
  const describedBy = [hintId, errorId].filter(Boolean).join(" ");
  control.setAttribute("aria-describedby", describedBy);
  return h(
    "div",
    { class: className, dataset: { field: name } },
    h("label", { for: controlId }, label),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    control,
    h("p", { class: "field-error", id: errorId, hidden: true }),
  );
}

/** A fieldset slot (checkbox groups, radio groups) that errors can name. */
export function fieldset({ name, legend, hint, children, className = "field" }) {
  const errorId = uid(`${name}-error`);
  const hintId = hint ? uid(`${name}-hint`) : null;
  return h(
    "fieldset",
    {
      class: className,
      dataset: { field: name },
      "aria-describedby": [hintId, errorId].filter(Boolean).join(" "),
    },
    h("legend", {}, legend),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    children,
    h("p", { class: "field-error", id: errorId, hidden: true }),
  );
}

/** The form-level alert: refusals that name no field of this form, and top-level errors. */
export function formAlert() {
  return h("div", { class: "form-alert", role: "alert", hidden: true });
}

export function clearErrors(form) {
  for (const slot of form.querySelectorAll("[data-field]")) {
    slot.classList.remove("has-error");
    const error = slot.querySelector(":scope > .field-error");
    if (error) replace(error).hidden = true;
    for (const control of slot.querySelectorAll("input, select, textarea")) {
      control.removeAttribute("aria-invalid");
    }
  }
  const alert = form.querySelector(".form-alert");
  if (alert) replace(alert).hidden = true;
}

/** The slot that `UserError.field` names: ["input", "roles"] -> [data-field="roles"]. */
function slotFor(form, path) {
  if (!path?.length) return null;
  const name = path[0] === "input" ? path.slice(1).join(".") : path.join(".");
  return name ? form.querySelector(`[data-field="${CSS.escape(name)}"]`) : null;
}

/**
 * Show every error: each next to its field, the rest in the form's alert. Then focus the
 * first invalid field in the form's order (whatever order the errors came in), where a person
 * filling the form from the top would go next.
 * `errors` are UserErrors ({ field, message, code }) or plain { message }.
 */
export function showErrors(form, errors) {
  clearErrors(form);
  const alert = form.querySelector(".form-alert");
  for (const error of errors) {
    const slot = slotFor(form, error.field);
    if (slot) {
      slot.classList.add("has-error");
      const box = slot.querySelector(":scope > .field-error");
      box.hidden = false;
      box.append(h("span", {}, error.message, " "));
      for (const control of slot.querySelectorAll("input, select, textarea")) control.setAttribute("aria-invalid", "true");
    } else if (alert) {
      alert.hidden = false;
      alert.append(h("p", {}, error.message));
    }
  }
  // querySelector walks the form in document order: the topmost slot with an error.
  const slot = form.querySelector("[data-field].has-error");
  const control = slot?.querySelector("input:not(:disabled), select:not(:disabled), textarea:not(:disabled)");
  (control ?? slot)?.focus();
}

/** A top-level error (FORBIDDEN...) or a network failure, in the form's alert. */
export function showProblem(form, error) {
  showErrors(form, [{ message: error.message }]);
}

/** Disable the form's buttons while `work` runs, marking it busy for assistive technology. */
export async function busy(form, work) {
  const buttons = [...form.querySelectorAll("button")];
  const before = buttons.map((b) => b.disabled);
  form.setAttribute("aria-busy", "true");
  buttons.forEach((b) => (b.disabled = true));
  try {
    return await work();
  } finally {
    form.removeAttribute("aria-busy");
    buttons.forEach((b, i) => (b.disabled = before[i]));
  }
}
