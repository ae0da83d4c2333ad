// Second factors in the console: the code field, recovery codes shown once, and a form that
// proves a current code before a change (new recovery codes, turning it off).

import { h } from "./dom.js";
import { busy, clearErrors, field, formAlert, showErrors, showProblem } from "./forms.js";
import { mutate } from "./graphql.js";

/** A field for a 6-digit code from the authenticator app (or a recovery code, when
 * `recovery`), named as the API's input field `name`. */
export function codeField({ name, label, hint = null, recovery = false }) {
  const control = h("input", {
    type: "text",
    name,
    inputmode: recovery ? "text" : "numeric",
    autocomplete: recovery ? "off" : "one-time-code",
    spellcheck: "false",
    autocapitalize: recovery ? "characters" : "off",
    maxlength: recovery ? "24" : "10",
    required: true,
  });
  return { control, node: field({ name, label, hint, control }) };
}

/** Recovery codes, shown once: each signs in once in place of a code from the app. Its
 * heading is an `h2`, or the `heading` level given (inside a section). */
export function recoveryCodesPanel(codes, { intro = null, actions = null, heading = "h2" } = {}) {
  return h(
    "div",
    { class: "notice recovery-codes", role: "status" },
    h(heading, { id: "recovery-codes-heading" }, "Your recovery codes"),
    intro,
    h(
      "p",
      {},
      "Keep them somewhere safe, away from your phone. Each one signs you in once in place of a code from your app, if you lose it. ",
      h("strong", {}, "They won't be shown again."),
    ),
    h("ul", { class: "codes", "aria-labelledby": "recovery-codes-heading" }, codes.map((code) => h("li", {}, h("code", {}, code)))),
    actions,
  );
}

/** A form that sends `{ code }` to mutation `name`; `onDone(payload)` runs once it worked. */
export function provenCodeForm({ label, hint, submit, danger = false, name, query, onDone }) {
  const code = codeField({
    name: "code",
    label: "Code from your authenticator app, or a recovery code",
    hint,
    recovery: true,
  });
  const form = h(
    "form",
    { class: "form inline-form", novalidate: true, "aria-label": label },
    code.node,
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: danger ? "danger" : "primary" }, submit)),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!code.control.value.trim()) return showErrors(form, [{ field: ["code"], message: "Enter a code." }]);
    await busy(form, async () => {
      try {
        const result = await mutate(name, query, { code: code.control.value.trim() });
        if (result.errors.length) return showErrors(form, result.errors);
        code.control.value = "";
        await onDone(result);
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

/** "JBSWY3DPEHPK3PXP" -> "JBSW Y3DP EHPK 3PXP": a key easier to type by hand. */
export function grouped(secret) {
  return secret.match(/.{1,4}/g).join(" ");
}
