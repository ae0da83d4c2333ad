// Sign-in with an email address and password, then, for a person with an authenticator app,
// a code from it (or a recovery code); the service answers with the session cookie. Where the
// address's organization signs in through its own identity provider, the form offers
// "Sign in with <provider>" once the address is typed (or on "Sign in with your
// organization"): a link to the service's /auth/oidc/start, which comes back signed in.

import { h, replace } from "../dom.js";
import { busy, clearErrors, field, formAlert, showErrors, showProblem } from "../forms.js";
import { gql, mutate } from "../graphql.js";
import { codeField } from "../mfa.js";

const SIGN_IN = `
mutation SignIn($input: SignInInput!) {
  signIn(input: $input) { viewer { id } mfaRequired errors { field message code } }
}`;
const PROVIDER = `
query SingleSignOnProvider($email: String!) { singleSignOnProvider(email: $email) { displayName startUrl } }`;

// What a refused single sign-on (`/signin?ssoError=<ErrorCode>`, from the service) means to
// the person who tried.
const SSO_ERRORS = {
  SINGLE_SIGN_ON_NOT_AVAILABLE: "Your organization doesn't sign in with its own identity provider here. Sign in with your password.",
  SINGLE_SIGN_ON_STATE_NOT_VALID: "That sign-in could not be completed: it was used already, took too long, or began in another browser. Try again.",
  SINGLE_SIGN_ON_FAILED: "Your organization's identity provider did not sign you in. Try again, or ask an administrator of your organization.",
  EMAIL_NOT_ALLOWED: "Your identity provider's email address is not one your organization signs in here.",
  ACCOUNT_NOT_FOUND: "You have no account here yet: ask an administrator of your organization to add you.",
  ACCOUNT_DISABLED: "This account is disabled. Ask an administrator of your organization.",
};

/** The "Sign in with <provider>" link for the address typed, where one applies. */
function singleSignOn(email, next) {
  const slot = h("div", { class: "sso", "aria-live": "polite" });
  let asked = "";
  async function lookUp({ explain = false } = {}) {
    const address = email.value.trim();
    if (!address.includes("@")) {
      replace(slot, explain ? h("p", { class: "hint" }, "Enter your work email address first: it tells which organization you sign in with.") : null);
      if (explain) email.focus();
      return;
    }
    if (address === asked && !explain) return;
    asked = address;
    let provider = null;
    try {
      provider = (await gql(PROVIDER, { email: address })).singleSignOnProvider;
    } catch {
      provider = null; // the password stays a way in
    }
    if (address !== email.value.trim()) return; // typed on meanwhile
    if (!provider) {
      replace(slot, explain ? h("p", { class: "hint" }, "Your organization doesn't sign in with its own identity provider here: use your password.") : null);
      return;
    }
    const url = new URL(provider.startUrl, window.location.href);
    if (next && next !== "/") url.searchParams.set("next", next);
    replace(
      slot,
      h("a", { href: url.href, class: "button primary sso-start" }, `Sign in with ${provider.displayName}`),
    );
  }
  email.addEventListener("change", () => lookUp());
  email.addEventListener("blur", () => lookUp());
  // A link, so that it still means something without this script: the same page, asking.
  const ask = h("a", { href: `/signin?organization=1&next=${encodeURIComponent(next || "/")}` }, "Sign in with your organization");
  ask.addEventListener("click", (event) => {
    event.preventDefault();
    lookUp({ explain: true });
  });
  return { slot, ask, lookUp };
}

/** The sign-in form; `signedIn(next)` runs once the service set the session. Used by other
 * pages too (the invitation page signs people in where they stand). */
export function signInForm({ signedIn, next, intro = null, askOrganization = false }) {
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
  const sso = singleSignOn(email, next);
  const form = h(
    "form",
    { class: "card form signin", novalidate: true, "aria-label": "Sign in" },
    intro,
    field({ name: "email", label: "Email address", control: email }),
    sso.slot,
    field({ name: "password", label: "Password", control: password }),
    formAlert(),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Sign in"),
      h("a", { href: "/forgot-password" }, "Forgot password?"),
      sso.ask,
    ),
  );
  if (askOrganization) queueMicrotask(() => sso.lookUp({ explain: true }));
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
        const credentials = { email: email.value.trim(), password: password.value };
        const result = await mutate("signIn", SIGN_IN, credentials);
        password.value = "";
        if (result.errors.length) {
          showErrors(form, result.errors);
          if (result.errors.some((e) => e.code === "SINGLE_SIGN_ON_REQUIRED")) await sso.lookUp({ explain: true });
          return;
        }
        if (result.mfaRequired) {
          const second = secondStepForm({ credentials, signedIn, next, back: () => second.replaceWith(form) });
          form.replaceWith(second);
          second.querySelector("input").focus();
          return;
        }
        if (!(await signedIn(next))) showProblem(form, { message: "Signing in did not work. Try again." });
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

/** The second step: a code from the authenticator app, or a recovery code, sent with the
 * password of the first step (held here until this step is done or left). */
function secondStepForm({ credentials, signedIn, next, back }) {
  const app = codeField({ name: "totpCode", label: "Code from your authenticator app", hint: "The 6 digits it shows for Partnerhub now." });
  const recovery = codeField({
    name: "recoveryCode",
    label: "Recovery code",
    hint: "One of the codes you saved when you set up your app. Each works once.",
    recovery: true,
  });
  recovery.node.hidden = true;
  const useRecovery = h("button", { type: "button", class: "link-button" }, "Use a recovery code instead");
  const form = h(
    "form",
    { class: "card form signin", novalidate: true, "aria-label": "Second step of signing in" },
    h("p", {}, `Signing in as ${credentials.email}. Your account asks for a second factor.`),
    app.node,
    recovery.node,
    formAlert(),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Verify and sign in"),
      useRecovery,
      h("button", { type: "button", class: "link-button", onclick: () => leave() }, "Back"),
    ),
  );
  const active = () => (recovery.node.hidden ? app : recovery);
  useRecovery.addEventListener("click", () => {
    clearErrors(form);
    const toRecovery = recovery.node.hidden;
    recovery.node.hidden = !toRecovery;
    app.node.hidden = toRecovery;
    useRecovery.textContent = toRecovery ? "Use your authenticator app instead" : "Use a recovery code instead";
    active().control.focus();
  });
  function leave() {
    credentials.password = "";
    back();
  }
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const { control } = active();
    const code = control.value.trim();
    if (!code) return showErrors(form, [{ field: [control.name], message: "Enter the code." }]);
    await busy(form, async () => {
      try {
        const result = await mutate("signIn", SIGN_IN, { ...credentials, [control.name]: code });
        if (result.errors.length) {
          control.value = "";
          showErrors(form, result.errors);
          return;
        }
        credentials.password = "";
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
  const ssoError = ctx.query.get("ssoError");
  replace(
    ctx.container,
    h("h1", {}, "Sign in to Partnerhub"),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    ssoError
      ? h("p", { class: "notice warn", role: "alert" }, SSO_ERRORS[ssoError] ?? "Single sign-on did not work. Try again, or sign in with your password.")
      : null,
    ctx.viewer
      ? h(
          "p",
          {},
          `You are signed in as ${ctx.viewer.email}. `,
          h("a", { href: "/" }, "Go to your start page"),
          ".",
        )
      : null,
    signInForm({ signedIn: ctx.signedIn, next, askOrganization: ctx.query.has("organization") }),
    h("p", {}, "Looking for a solution provider? ", h("a", { href: "/directory" }, "Find a partner"), ": no sign-in needed."),
  );
}
