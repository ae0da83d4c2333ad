// `/single-sign-on`: a customer's Global Administrator (a partner's admin agent) sets how the
// organization's people sign in through its own OpenID Connect provider
// (configureSingleSignOn). The form starts from the saved configuration and sends every field;
// the client secret is never shown, and left empty it stays as saved.

import { h, replace, uid } from "../dom.js";
import { busy, clearErrors, field, formAlert, showErrors, showProblem } from "../forms.js";
import { gql, mutate } from "../graphql.js";

const FIELDS = "displayName issuer clientId clientSecretSet domains required enabled redirectUri startUrl";
const QUERY = `query SingleSignOn { singleSignOn { ${FIELDS} } }`;
const CONFIGURE = `
mutation ConfigureSingleSignOn($input: ConfigureSingleSignOnInput!) {
  configureSingleSignOn(input: $input) { singleSignOn { ${FIELDS} } errors { field message code } }
}`;
const MANAGERS = { CUSTOMER: "GLOBAL_ADMINISTRATOR", PARTNER: "ADMIN_AGENT" };

/** A checkbox with its label, hint and error, in a slot the API's errors can name. */
function choice(name, label, hint, checked) {
  const box = h("input", { type: "checkbox", name, id: uid(name), checked });
  const hintId = uid(`${name}-hint`);
  const errorId = uid(`${name}-error`);
  box.setAttribute("aria-describedby", `${hintId} ${errorId}`);
  const slot = h(
    "div",
    { class: "field choice", dataset: { field: name } },
    box,
    h("label", { for: box.id }, h("span", { class: "choice-name" }, label), h("span", { class: "hint", id: hintId }, hint)),
    h("p", { class: "field-error", id: errorId, hidden: true }),
  );
  return { box, slot };
}

/** What to register at the provider, once saved. */
function facts(saved) {
  return h(
    "section",
    { class: "card", "aria-labelledby": "provider-facts" },
    h("h2", { id: "provider-facts" }, "At your identity provider"),
    h("p", {}, saved.enabled ? `On: people at ${saved.domains.join(", ")} can choose "Sign in with ${saved.displayName}".` : "Off: nobody signs in through it until you turn it on."),
    h(
      "dl",
      { class: "settings-facts" },
      h("dt", {}, "Redirect URI to register"),
      h("dd", {}, saved.redirectUri),
      h("dt", {}, "Sign-in address (for a link or an app tile)"),
      h("dd", {}, saved.startUrl),
    ),
  );
}

function draw(ctx, saved, justSaved = false) {
  const input = (name, value, more = {}) => h("input", { type: "text", name, value: value ?? "", spellcheck: "false", ...more });
  const displayName = input("displayName", saved?.displayName, { maxlength: 100 });
  const issuer = input("issuer", saved?.issuer, { inputmode: "url" });
  const clientId = input("clientId", saved?.clientId);
  const clientSecret = h("input", { type: "password", name: "clientSecret", autocomplete: "off" });
  const domains = h("textarea", { name: "domains", rows: 3, spellcheck: "false" }, (saved?.domains ?? []).join("\n"));
  const enabled = choice("enabled", "On", "People at these domains can sign in through the provider.", saved ? saved.enabled : true);
  const required = choice(
    "required",
    "The only way in",
    "Passwords are refused for your organization's people: they sign in through the provider only.",
    saved?.required ?? false,
  );
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-label": "Single sign-on" },
    field({ name: "displayName", label: "Name people see", hint: 'As in "Sign in with Contoso ID".', control: displayName }),
    field({ name: "issuer", label: "Issuer URL", hint: "Your OpenID Connect provider's issuer, an https:// address: its discovery document is read from it.", control: issuer }),
    field({ name: "clientId", label: "Client ID", hint: "Of the application registered for Partnerhub at the provider.", control: clientId }),
    field({
      name: "clientSecret",
      label: "Client secret",
      hint: saved?.clientSecretSet ? "A secret is saved and never shown: leave this empty to keep it." : "Kept sealed; never shown again.",
      control: clientSecret,
    }),
    field({ name: "domains", label: "Email domains", hint: "One per line: the people whose addresses are at these domains sign in this way.", control: domains }),
    enabled.slot,
    required.slot,
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save single sign-on")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const wanted = {
      displayName: displayName.value.trim(),
      issuer: issuer.value.trim(),
      clientId: clientId.value.trim(),
      domains: domains.value.split(/[\s,]+/).filter(Boolean),
      enabled: enabled.box.checked,
      required: required.box.checked,
    };
    if (clientSecret.value) wanted.clientSecret = clientSecret.value;
    await busy(form, async () => {
      try {
        const payload = await mutate("configureSingleSignOn", CONFIGURE, wanted);
        if (payload.errors.length) return showErrors(form, payload.errors);
        draw(ctx, payload.singleSignOn, true);
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  replace(
    ctx.container,
    h("h1", {}, "Single sign-on"),
    h(
      "p",
      { class: "lead" },
      "Let your organization's people sign in with your own OpenID Connect identity provider. Its sign-in stands in for Partnerhub's second factor; only people you have already added can sign in.",
    ),
    justSaved ? h("p", { class: "notice", role: "status", tabindex: "-1", id: "sso-saved" }, "Saved.") : null,
    saved ? facts(saved) : h("p", { class: "notice" }, "Single sign-on is not set up: fill in your provider's details and save."),
    form,
  );
  if (justSaved) ctx.container.querySelector("#sso-saved")?.focus();
}

export async function render(ctx) {
  if (!ctx.viewer.roles.includes(MANAGERS[ctx.viewer.organization.kind])) {
    replace(
      ctx.container,
      h("h1", {}, "Single sign-on"),
      h("p", {}, "Only your organization's Global Administrators (a partner's admin agents) set up single sign-on."),
    );
    return;
  }
  const data = await gql(QUERY);
  if (!ctx.current()) return;
  draw(ctx, data.singleSignOn);
}
