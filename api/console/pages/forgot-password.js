// `/forgot-password`: ask for a link to choose a new password. The service answers the same
// whether or not an account has the address, and so does this page.

import { h, replace } from "../dom.js";
import { busy, clearErrors, field, formAlert, showErrors, showProblem } from "../forms.js";
import { mutate } from "../graphql.js";

const REQUEST = `
mutation RequestPasswordReset($input: RequestPasswordResetInput!) {
  requestPasswordReset(input: $input) { errors { field message code } }
}`;

export async function render(ctx) {
  const email = h("input", { type: "email", name: "email", autocomplete: "username", spellcheck: "false", required: true });
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-label": "Ask for a new password" },
    field({
      name: "email",
      label: "Email address",
      hint: "The address you sign in with. We'll email it a link to choose a new password.",
      control: email,
    }),
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Email me a link")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const address = email.value.trim();
    if (!address) {
      showErrors(form, [{ field: ["email"], message: "Enter your email address." }]);
      return;
    }
    await busy(form, async () => {
      try {
        const result = await mutate("requestPasswordReset", REQUEST, { email: address });
        if (result.errors.length) return showErrors(form, result.errors);
        const sent = h(
          "div",
          { class: "card" },
          h(
            "p",
            { role: "status" },
            `If an account signs in as ${address}, we've emailed it a link to choose a new password. `,
            "The link works once, for 30 minutes.",
          ),
          h("p", {}, "No email? Check the address and your spam folder, then ask again."),
        );
        form.replaceWith(sent);
        ctx.announce("Email sent, if the address has an account.");
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  replace(
    ctx.container,
    h("h1", {}, "Forgot your password?"),
    form,
    h("p", {}, h("a", { href: "/signin" }, "Back to sign-in")),
  );
}
