// Choosing a password: the fields of set-password (from an emailed link) and of a change.
// The service checks the rules (length, breached and common passwords); the console only
// checks that the two copies match, before sending.

import { h } from "./dom.js";
import { busy, clearErrors, field, formAlert, showErrors, showProblem } from "./forms.js";
import { mutate } from "./graphql.js";

export const PASSWORD_HINT =
  "At least 8 characters; a few words you'll remember make a good one. Common passwords, and ones made of your email address, are refused.";

const CHANGE = `
mutation ChangePassword($input: ChangePasswordInput!) {
  changePassword(input: $input) { user { id mustChangePassword } errors { field message code } }
}`;

/** A new password and its repeat, with `name` as the API's field; `check()` returns the
 * client-side refusals (empty, or the copies differ). */
export function newPasswordFields(name, label = "New password") {
  const password = h("input", { type: "password", name, autocomplete: "new-password", required: true });
  const repeat = h("input", { type: "password", name: "repeat", autocomplete: "new-password", required: true });
  return {
    password,
    nodes: [
      field({ name, label, hint: PASSWORD_HINT, control: password }),
      field({ name: "repeat", label: "Type it again", control: repeat }),
    ],
    check() {
      if (!password.value) return [{ field: [name], message: "Choose a password." }];
      if (password.value !== repeat.value) return [{ field: ["repeat"], message: "The two passwords differ." }];
      return [];
    },
    clear() {
      password.value = "";
      repeat.value = "";
    },
  };
}

/** The change-password form: the current password, then the new one twice. `onChanged()`
 * runs once the service took it. */
export function changePasswordForm({ label = "Change your password", submit = "Change password", className = "card form", onChanged }) {
  const current = h("input", { type: "password", name: "currentPassword", autocomplete: "current-password", required: true });
  const chosen = newPasswordFields("newPassword");
  const form = h(
    "form",
    { class: className, novalidate: true, "aria-label": label },
    field({ name: "currentPassword", label: "Current password", control: current }),
    chosen.nodes,
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, submit)),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const refusals = current.value ? [] : [{ field: ["currentPassword"], message: "Enter your current password." }];
    refusals.push(...chosen.check());
    if (refusals.length) return showErrors(form, refusals);
    await busy(form, async () => {
      try {
        const result = await mutate("changePassword", CHANGE, {
          currentPassword: current.value,
          newPassword: chosen.password.value,
        });
        if (result.errors.length) return showErrors(form, result.errors);
        current.value = "";
        chosen.clear();
        await onChanged();
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}
