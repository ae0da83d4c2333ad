// `/security/authenticator`: set up an authenticator app (or replace the one in use). The
// service draws the QR code of the app's key; a first code from the app confirms it, and the
// recovery codes are shown once. Someone whose roles or organization require a second factor
// is brought here until they have one (the console keeps them on this page).

import { h, replace } from "../dom.js";
import { busy, clearErrors, formAlert, showErrors, showProblem } from "../forms.js";
import { gql, mutate } from "../graphql.js";
import { codeField, grouped, recoveryCodesPanel } from "../mfa.js";

const QUERY = `query Authenticator { viewer { id email mfaEnabled mfaEnrollmentRequired } }`;
const START = `
mutation StartTotpEnrollment($input: StartTotpEnrollmentInput!) {
  startTotpEnrollment(input: $input) { secret otpauthUri qrCode errors { field message code } }
}`;
const CONFIRM = `
mutation ConfirmTotpEnrollment($input: ConfirmTotpEnrollmentInput!) {
  confirmTotpEnrollment(input: $input) { recoveryCodes errors { field message code } }
}`;

/** Step 1 when an app is in use already: prove it (or a recovery code) before replacing it. */
function replaceForm(onStarted) {
  const current = codeField({
    name: "currentCode",
    label: "Code from your current authenticator app, or a recovery code",
    recovery: true,
  });
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-label": "Replace your authenticator app" },
    h("p", {}, "Your current app keeps working until the new one is confirmed."),
    current.node,
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Continue"), h("a", { href: "/security" }, "Cancel")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const code = current.control.value.trim();
    if (!code) return showErrors(form, [{ field: ["currentCode"], message: "Enter a code." }]);
    await busy(form, async () => {
      try {
        const result = await mutate("startTotpEnrollment", START, { currentCode: code });
        if (result.errors.length) return showErrors(form, result.errors);
        onStarted(result);
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

/** Step 2: the QR code and the key, then the app's first code. */
function confirmForm(enrollment, onConfirmed) {
  const code = codeField({ name: "code", label: "Code from the app", hint: "The 6 digits it shows for Partnerhub now." });
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-label": "Confirm your authenticator app" },
    h("h2", {}, "1. Scan this QR code with your authenticator app"),
    h("p", {}, "Any app for time-based codes works, such as the one your organization recommends."),
    h("img", { class: "qr", src: enrollment.qrCode, alt: "QR code for your authenticator app", width: "196", height: "196" }),
    h("p", { class: "hint" }, "Can't scan it? Enter this key in the app instead:"),
    h("p", {}, h("code", { class: "secret", "aria-label": "Key for your authenticator app" }, grouped(enrollment.secret))),
    h("h2", {}, "2. Enter the code it shows"),
    code.node,
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Turn on")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const typed = code.control.value.trim();
    if (!typed) return showErrors(form, [{ field: ["code"], message: "Enter the code your app shows." }]);
    await busy(form, async () => {
      try {
        const result = await mutate("confirmTotpEnrollment", CONFIRM, { code: typed });
        if (result.errors.length) {
          code.control.value = "";
          return showErrors(form, result.errors);
        }
        onConfirmed(result.recoveryCodes);
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

export async function render(ctx) {
  const next = ctx.safeNext(ctx.query.get("next"));
  const goOn = next === "/security/authenticator" ? "/security" : next;
  const { viewer } = await gql(QUERY);
  const step = h("div", {});
  const show = (...nodes) => {
    replace(step, ...nodes);
    step.querySelector("input, button")?.focus();
  };
  const confirmed = (codes) => {
    ctx.forgetViewer(); // it no longer needs enrolment
    show(
      h("p", { class: "notice", role: "status" }, "Your authenticator app is on: you'll enter a code from it when you sign in."),
      recoveryCodesPanel(codes, {
        actions: h(
          "div",
          { class: "actions" },
          h("button", { type: "button", class: "primary", onclick: () => ctx.navigate(goOn, { notice: "Multi-factor authentication is on." }) }, "I saved them, continue"),
        ),
      }),
    );
  };
  const started = (enrollment) => show(confirmForm(enrollment, confirmed));

  replace(
    ctx.container,
    h("h1", {}, viewer.mfaEnabled ? "Replace your authenticator app" : "Set up your authenticator app"),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    viewer.mfaEnrollmentRequired
      ? h(
          "p",
          { class: "notice warn" },
          "Your roles or your organization require a second factor when you sign in. Set up an authenticator app to go on: nothing else opens until you do.",
        )
      : h("p", {}, "After your password, you'll enter a code from the app each time you sign in."),
    step,
  );
  if (viewer.mfaEnabled) {
    show(replaceForm(started));
    return;
  }
  try {
    const result = await mutate("startTotpEnrollment", START, {});
    if (result.errors.length) throw new Error(result.errors[0].message);
    show(confirmForm(result, confirmed));
  } catch (error) {
    const retry = h("form", { class: "card form", novalidate: true, "aria-label": "Set up your authenticator app" }, formAlert());
    show(retry);
    showProblem(retry, error);
  }
}
