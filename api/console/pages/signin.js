// Sign-in with a bearer token, kept for this browser tab only.

import { h, replace } from "../dom.js";
import { busy, clearErrors, field, formAlert, showErrors, showProblem } from "../forms.js";
import * as session from "../session.js";

/** The sign-in form; `onSignedIn()` runs once the token proved good. Used by other pages too. */
export function signInForm({ signedIn, next, intro = null }) {
  const input = h("input", {
    type: "password",
    name: "token",
    autocomplete: "off",
    spellcheck: "false",
    required: true,
  });
  const form = h(
    "form",
    { class: "card form signin", novalidate: true, "aria-label": "Sign in" },
    intro,
    field({
      name: "token",
      label: "Access token",
      hint: "The bearer token you were given (partnerhub create-token prints one).",
      control: input,
    }),
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Sign in")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const value = input.value.trim();
    if (!value) {
      showErrors(form, [{ field: ["token"], message: "Paste your access token." }]);
      return;
    }
    await busy(form, async () => {
      session.signIn(value);
      try {
        if (!(await signedIn(next))) {
          session.signOut();
          showErrors(form, [{ field: ["token"], message: "That access token is not valid." }]);
        }
      } catch (error) {
        session.signOut();
        const message =
          error.code === "UNAUTHENTICATED" ? "That access token is not valid." : error.message;
        if (error.code === "UNAUTHENTICATED") showErrors(form, [{ field: ["token"], message }]);
        else showProblem(form, error);
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
