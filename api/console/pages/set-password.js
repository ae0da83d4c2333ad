// `/set-password?token=...`: the emailed link of a new account or of a reset. Choosing a
// password uses the link up and signs the person in.

import { h, replace } from "../dom.js";
import { busy, clearErrors, formAlert, showErrors, showProblem } from "../forms.js";
import { mutate } from "../graphql.js";
import { newPasswordFields } from "../password-form.js";

const SET_PASSWORD = `
mutation SetPassword($input: SetPasswordInput!) {
  setPassword(input: $input) { viewer { id } mfaRequired errors { field message code } }
}`;

export async function render(ctx) {
  const token = ctx.query.get("token");
  if (!token) {
    replace(
      ctx.container,
      h("h1", {}, "This link is incomplete"),
      h("p", {}, "Open the link from your email as it is, or ask for a new one."),
      h("p", {}, h("a", { href: "/forgot-password" }, "Ask for a new link")),
    );
    return;
  }
  const chosen = newPasswordFields("password");
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-label": "Choose your password" },
    chosen.nodes,
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Set password and sign in")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const refusals = chosen.check();
    if (refusals.length) return showErrors(form, refusals);
    await busy(form, async () => {
      try {
        const result = await mutate("setPassword", SET_PASSWORD, { token, password: chosen.password.value });
        if (result.errors.length) return showErrors(form, result.errors);
        chosen.clear();
        if (result.mfaRequired) {
          // A link proves the mailbox, not the authenticator: sign in with both.
          ctx.navigate("/signin", { notice: "Your password is set. Sign in with it and a code from your authenticator app." });
          return;
        }
        if (!(await ctx.signedIn("/", "Your password is set, and you are signed in."))) {
          showProblem(form, { message: "Your password is set. Sign in with it." });
        }
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  replace(
    ctx.container,
    h("h1", {}, "Choose your password"),
    ctx.viewer
      ? h("p", { class: "notice" }, `You are signed in as ${ctx.viewer.email}; choosing a password here signs you in as the link's account instead.`)
      : null,
    h("p", {}, "The link works once. Choosing a password signs you out everywhere else."),
    form,
    h("p", {}, "Link expired or used? ", h("a", { href: "/forgot-password" }, "Ask for a new one"), "."),
  );
}
