// Sign-in with an email address and password; the service answers with the session cookie.

import { h, replace } from "../dom.js";
import { busy, clearErrors, field, formAlert, showErrors, showProblem } from "../forms.js";
import { mutate } from "../graphql.js";

const SIGN_IN = `
mutation SignIn($input: SignInInput!) {
  signIn(input: $input) { viewer { id } mfaRequired errors { field message code } }
}`;

/** The sign-in form; `signedIn(next)` runs once the service set the session. Used by other
 * pages too (the invitation page signs people in where they stand). */
export function signInForm({ signedIn, next, intro = null }) {
  const email = h("input", {
    type: "email",
    name: "email",
    autocomplete: "username",
    spellcheck: "false",
    required: true,
  });
  const password = h("input", {
    type: "password",
    name: "password",
    autocomplete: "current-password",
    required: true,
  });
  const form = h(
    "form",
    { class: "card form signin", novalidate: true, "aria-label": "Sign in" },
    intro,
    field({ name: "email", label: "Email address", control: email }),
    field({ name: "password", label: "Password", control: password }),
    formAlert(),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Sign in"),
      h("a", { href: "/forgot-password" }, "Forgot password?"),
    ),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const missing = [];
    if (!email.value.trim()) missing.push({ field: ["email"], message: "Enter your email address." });
    if (!password.value) missing.push({ field: ["password"], message: "Enter your password." });
    if (missing.length) {
      showErrors(form, missing);
      return;
    }
    await busy(form, async () => {
      try {
        const result = await mutate("signIn", SIGN_IN, { email: email.value.trim(), password: password.value });
        if (result.errors.length) {
          password.value = "";
          showErrors(form, result.errors);
          return;
        }
        password.value = "";
        if (!(await signedIn(next))) showProblem(form, { message: "Signing in did not work. Try again." });
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

export async function render(ctx) {
  const next = ctx.query.get("next") || "/";
  replace(
    ctx.container,
    h("h1", {}, "Sign in to Partnerhub"),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    ctx.viewer
      ? h(
          "p",
          {},
          `You are signed in as ${ctx.viewer.email}. `,
          h("a", { href: "/" }, "Go to your start page"),
          ".",
        )
      : null,
    signInForm({ signedIn: ctx.signedIn, next }),
    h("p", {}, "Looking for a solution provider? ", h("a", { href: "/directory" }, "Find a partner"), ": no sign-in needed."),
  );
}
