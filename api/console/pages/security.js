// `/security`: the viewer's own password, their second factor (an authenticator app and its
// recovery codes), the browsers where they are signed in, and their bearer tokens for
// scripts. Nobody else sees any of it. An organization's Global Administrator (or a partner's
// admin agent) also finds here whether everyone of the organization must use a second factor.

import { ask } from "../dialog.js";
import { badge, date, h, replace, table, uid } from "../dom.js";
import { busy, clearErrors, field, formAlert, showErrors, showProblem } from "../forms.js";
import { gql, mutate, UNAUTHENTICATED_EVENT } from "../graphql.js";
import { provenCodeForm, recoveryCodesPanel } from "../mfa.js";
import { changePasswordForm } from "../password-form.js";

const QUERY = `
query Security {
  viewer {
    id
    mfaEnabled
    mustUseMfa
    organization { id name kind mfaRequired }
    sessions { id current createdAt lastUsedAt userAgent clientAddress }
    apiTokens { id name createdAt expiresAt }
  }
}`;
const REGENERATE = `
mutation RegenerateRecoveryCodes($input: MfaCodeInput!) {
  regenerateRecoveryCodes(input: $input) { recoveryCodes errors { field message code } }
}`;
const DISABLE = `
mutation DisableTotp($input: MfaCodeInput!) {
  disableTotp(input: $input) { user { id mfaEnabled } errors { field message code } }
}`;
const SET_REQUIREMENT = `
mutation SetMfaRequirement($input: SetMfaRequirementInput!) {
  setMfaRequirement(input: $input) { organization { id mfaRequired } errors { field message code } }
}`;
// Who changes whether everyone of the organization must use a second factor.
const REQUIREMENT_MANAGER = { CUSTOMER: "GLOBAL_ADMINISTRATOR", PARTNER: "ADMIN_AGENT" };
const SIGN_OUT = `
mutation SignOut($input: SignOutInput!) { signOut(input: $input) { sessionsEnded errors { field message code } } }`;
const CREATE_TOKEN = `
mutation CreateApiToken($input: CreateApiTokenInput!) {
  createApiToken(input: $input) { apiToken { id name } token errors { field message code } }
}`;
const REVOKE_TOKEN = `
mutation RevokeApiToken($input: IdInput!) {
  revokeApiToken(input: $input) { apiToken { id name } errors { field message code } }
}`;

// A token just created, shown once on the page drawn next, then forgotten.
let created = null;
// Recovery codes just made, shown once on the page drawn next, then forgotten.
let recoveryCodes = null;

/** "Chrome on Windows", from what a browser says of itself. */
export function device(agent) {
  if (!agent) return "Unknown browser";
  const find = (pairs) => pairs.find(([mark]) => agent.includes(mark))?.[1];
  const browser = find([["Edg/", "Edge"], ["OPR/", "Opera"], ["Firefox/", "Firefox"], ["Chrome/", "Chrome"], ["Safari/", "Safari"]]);
  const system = find([
    ["Windows", "Windows"], ["Android", "Android"], ["iPhone", "iPhone"], ["iPad", "iPad"],
    ["Mac OS", "macOS"], ["CrOS", "ChromeOS"], ["Linux", "Linux"],
  ]);
  if (!browser && !system) return agent.slice(0, 60);
  return `${browser ?? "A browser"}${system ? ` on ${system}` : ""}`;
}

/** Ask, then run a mutation in the dialog; true once it is done. */
function confirmThen({ title, description, yes, name, query, input }) {
  return ask({
    title,
    description,
    yes,
    onYes: async (form) => {
      try {
        const result = await mutate(name, query, input);
        if (result.errors.length) {
          showErrors(form, result.errors);
          return false;
        }
        return true;
      } catch (error) {
        showProblem(form, error);
        return false;
      }
    },
  });
}

function section(id, title, ...children) {
  return h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), children);
}

function sessionsSection(ctx, sessions) {
  const rows = table({
    caption: "Where you're signed in",
    columns: [
      { label: "Browser", cell: (s) => device(s.userAgent) },
      { label: "Address", cell: (s) => s.clientAddress ?? "Unknown" },
      { label: "Signed in", cell: (s) => date(s.createdAt, { withTime: true }) },
      { label: "Last used", cell: (s) => date(s.lastUsedAt, { withTime: true }) },
      {
        label: "Actions",
        cell: (s) =>
          s.current
            ? badge("ACTIVE", "This browser")
            : h(
                "button",
                {
                  type: "button",
                  class: "quiet",
                  "aria-label": `Sign out ${device(s.userAgent)} from ${s.clientAddress ?? "an unknown address"}`,
                  onclick: async () => {
                    const done = await confirmThen({
                      title: "Sign out that session?",
                      description: `${device(s.userAgent)} will have to sign in again.`,
                      yes: "Sign out",
                      name: "signOut",
                      query: SIGN_OUT,
                      input: { sessionId: s.id },
                    });
                    if (done) ctx.rerender("That session was signed out.");
                  },
                },
                "Sign out",
              ),
      },
    ],
    rows: sessions,
  });
  const everywhere = h(
    "button",
    {
      type: "button",
      class: "danger",
      onclick: async () => {
        const done = await confirmThen({
          title: "Sign out everywhere?",
          description: "Every session of yours ends, this one too: each browser has to sign in again.",
          yes: "Sign out everywhere",
          name: "signOut",
          query: SIGN_OUT,
          input: { everywhere: true },
        });
        if (done) await ctx.signOut("You signed out everywhere.");
      },
    },
    "Sign out everywhere",
  );
  return section(
    "sessions-heading",
    "Where you're signed in",
    h("p", { class: "hint" }, "A session ends when you sign out, after 8 hours unused, or 7 days after you signed in."),
    rows,
    h("div", { class: "actions" }, everywhere),
  );
}

function mfaSection(ctx, viewer) {
  const shown = recoveryCodes;
  recoveryCodes = null;
  if (!viewer.mfaEnabled) {
    return section(
      "mfa-heading",
      "Multi-factor authentication",
      h("p", {}, "Off: you sign in with your password alone. Add a code from an authenticator app on your phone, so that a stolen password is not enough."),
      h("div", { class: "actions" }, h("a", { href: "/security/authenticator", class: "button primary" }, "Set up an authenticator app")),
    );
  }
  const turnOff = viewer.mustUseMfa
    ? h("p", { class: "hint" }, "Your roles or your organization require a second factor, so it stays on. You may replace your app.")
    : provenCodeForm({
        label: "Turn off multi-factor authentication",
        submit: "Turn off",
        danger: true,
        name: "disableTotp",
        query: DISABLE,
        onDone: () => ctx.rerender("Multi-factor authentication is off: your password alone signs you in."),
      });
  return section(
    "mfa-heading",
    "Multi-factor authentication",
    h("p", {}, "On: you sign in with your password and a code from your authenticator app."),
    shown ? recoveryCodesPanel(shown, { heading: "h3" }) : null,
    h("div", { class: "actions" }, h("a", { href: "/security/authenticator", class: "button" }, "Replace your authenticator app")),
    h("h3", {}, "New recovery codes"),
    h("p", { class: "hint" }, "Lost or used up your recovery codes? New ones replace them all."),
    provenCodeForm({
      label: "Make new recovery codes",
      submit: "Make new recovery codes",
      name: "regenerateRecoveryCodes",
      query: REGENERATE,
      onDone: (result) => {
        recoveryCodes = result.recoveryCodes;
        return ctx.rerender("New recovery codes were made; the old ones no longer work.");
      },
    }),
    h("h3", {}, "Turn off"),
    turnOff,
  );
}

function requirementSection(ctx, viewer) {
  const org = viewer.organization;
  if (!ctx.viewer.roles.includes(REQUIREMENT_MANAGER[org.kind])) return null;
  const partner = org.kind === "PARTNER";
  const hintId = uid("mfa-required-hint");
  const box = h("input", {
    type: "checkbox",
    id: uid("mfa-required"),
    name: "required",
    checked: org.mfaRequired,
    disabled: partner,
    "aria-describedby": hintId,
  });
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-label": "Multi-factor authentication for your organization" },
    h(
      "div",
      { class: "field choice", dataset: { field: "required" } },
      box,
      h("label", { for: box.id }, `Everyone in ${org.name} signs in with a second factor`),
      h("p", { class: "field-error", hidden: true }),
    ),
    h(
      "p",
      { class: "hint", id: hintId },
      partner
        ? "Partner agents always sign in with a second factor: it stays on."
        : "Holders of privileged roles (such as Global Administrator) always do. People without an authenticator app are asked to set one up when they next use Partnerhub.",
    ),
    formAlert(),
    partner ? null : h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(form, async () => {
      try {
        const result = await mutate("setMfaRequirement", SET_REQUIREMENT, { required: box.checked });
        if (result.errors.length) return showErrors(form, result.errors);
        await ctx.rerender(
          result.organization.mfaRequired
            ? `Everyone in ${org.name} now signs in with a second factor.`
            : "Only those whose roles require it sign in with a second factor now.",
        );
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return section("requirement-heading", "Your organization", form);
}

function expiry(token) {
  if (!token.expiresAt) return "Never";
  if (new Date(token.expiresAt) <= new Date()) return badge("EXPIRED", "Expired");
  return date(token.expiresAt);
}

function tokensSection(ctx, tokens) {
  const shown = created;
  created = null;
  const fresh = shown
    ? h(
        "div",
        { class: "notice new-token", role: "status" },
        h("p", {}, h("strong", {}, `Your new token "${shown.name}". `), "Copy it now: it won't be shown again."),
        field({
          name: "newToken",
          label: `The token "${shown.name}"`,
          control: h("input", { type: "text", readonly: true, value: shown.token, spellcheck: "false", onfocus: (e) => e.target.select() }),
        }),
      )
    : null;
  const list = tokens.length
    ? table({
        caption: "Your API tokens",
        columns: [
          { label: "Name", cell: (t) => t.name || "(no name)" },
          { label: "Created", cell: (t) => date(t.createdAt) },
          { label: "Expires", cell: expiry },
          {
            label: "Actions",
            cell: (t) =>
              h(
                "button",
                {
                  type: "button",
                  class: "danger",
                  "aria-label": `Revoke ${t.name || "the token without a name"}`,
                  onclick: async () => {
                    const done = await confirmThen({
                      title: `Revoke ${t.name ? `"${t.name}"` : "the token"}?`,
                      description: "Scripts using it stop working at once.",
                      yes: "Revoke",
                      name: "revokeApiToken",
                      query: REVOKE_TOKEN,
                      input: { id: t.id },
                    });
                    if (done) ctx.rerender(`The token ${t.name ? `"${t.name}" ` : ""}was revoked.`);
                  },
                },
                "Revoke",
              ),
          },
        ],
        rows: tokens,
      })
    : h("p", { class: "empty" }, "You have no API tokens.");

  const name = h("input", { type: "text", name: "name", maxlength: "100", required: true });
  const expires = h("input", { type: "date", name: "expiresAt" });
  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-label": "Create an API token" },
    field({ name: "name", label: "Token name", hint: "What it is for, such as \"Nightly export\".", control: name }),
    field({ name: "expiresAt", label: "Expires on (optional)", hint: "Empty: it works until you revoke it.", control: expires }),
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Create token")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!name.value.trim()) return showErrors(form, [{ field: ["name"], message: "Give the token a name." }]);
    const input = { name: name.value.trim(), expiresAt: expires.value ? `${expires.value}T23:59:59Z` : null };
    await busy(form, async () => {
      try {
        const result = await mutate("createApiToken", CREATE_TOKEN, input);
        if (result.errors.length) return showErrors(form, result.errors);
        created = { name: result.apiToken.name, token: result.token };
        await ctx.rerender(`The token "${result.apiToken.name}" was created.`);
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return section(
    "tokens-heading",
    "API tokens",
    h("p", { class: "hint" }, "For your scripts: send a token as Authorization: Bearer <token>. It acts as you."),
    fresh,
    list,
    h("h3", {}, "Create a token"),
    form,
  );
}

export async function render(ctx) {
  const { viewer } = await gql(QUERY);
  // The session ended since the page before (signed out elsewhere, or disabled): sign in again.
  if (!viewer) return window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT));
  replace(
    ctx.container,
    h("h1", {}, "Security"),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    section(
      "password-heading",
      "Password",
      changePasswordForm({
        className: "form",
        onChanged: () => ctx.rerender("Your password is changed. Your other sessions were signed out."),
      }),
    ),
    mfaSection(ctx, viewer),
    requirementSection(ctx, viewer),
    sessionsSection(ctx, viewer.sessions),
    tokensSection(ctx, viewer.apiTokens),
  );
}
