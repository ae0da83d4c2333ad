// `/api-clients`: the systems that act for the viewer's organization (a partner portal, a
// script), for those who manage them (`viewer { canManageApiClients }`): the list, a form to
// register one, a new secret, and revoking. Revoked and expired clients stay in the list,
// greyed out, as the organization's history. A secret is in the page only right after it was
// made, once. The scopes and what each opens are the catalog's (`apiScopes`), never repeated
// here.

import { catalog } from "../catalog.js";
import { ask } from "../dialog.js";
import { badge, date, h, replace, table, uid } from "../dom.js";
import { busy, clearErrors, field, fieldset, formAlert, showErrors, showProblem } from "../forms.js";
import { gql, mutate, UNAUTHENTICATED_EVENT } from "../graphql.js";

const CLIENT = "id clientId name scopes createdAt expiresAt revokedAt status";
const QUERY = `
query ApiClients {
  viewer { id canManageApiClients organization { name apiClients { ${CLIENT} } } }
}`;
const payload = (name, input) => `
mutation ${name[0].toUpperCase()}${name.slice(1)}($input: ${input}!) {
  ${name}(input: $input) { apiClient { ${CLIENT} } clientSecret errors { field message code } }
}`;
const CREATE = payload("createApiClient", "CreateApiClientInput");
const ROTATE = payload("rotateApiClientSecret", "RotateApiClientSecretInput");
const REVOKE = payload("revokeApiClient", "IdInput");

// A secret just made, shown once on the page drawn next, then forgotten.
let shown = null;

/** The scope names (as /oauth/token writes them) of a client. */
const scopeWords = (cat, keys) => keys.map((key) => cat.scopes.get(key)?.wire ?? key).join(", ");

const status = (client) => badge(client.status);

/** Copy the secret to the clipboard; where the browser refuses, select it for Ctrl+C. */
async function copy(input, said) {
  try {
    await navigator.clipboard.writeText(input.value);
    said.textContent = "Copied.";
  } catch {
    input.focus();
    input.select();
    said.textContent = "Selected: press Ctrl+C (⌘C on a Mac) to copy it.";
  }
}

/** The secret just made, with the warning that it is shown this once. */
function secretNotice(secret) {
  const input = h("input", { type: "text", readonly: true, value: secret.clientSecret, spellcheck: "false", onfocus: (e) => e.target.select() });
  const said = h("span", { class: "hint", "aria-live": "polite" });
  return h(
    "div",
    { class: "notice new-token", role: "status" },
    h("p", {}, h("strong", {}, `The secret of "${secret.name}". `), "Copy it now: it won't be shown again, and no one can read it back (only a hash is kept). Keep it where the system that uses it keeps its secrets; whoever holds it acts as this client."),
    field({ name: "clientId", label: "Client ID", control: h("input", { type: "text", readonly: true, value: secret.clientId, spellcheck: "false" }) }),
    field({ name: "clientSecret", label: `Client secret of "${secret.name}"`, control: input }),
    h("div", { class: "actions" }, h("button", { type: "button", onclick: () => copy(input, said) }, "Copy secret"), said),
  );
}

/** Ask a question whose Yes runs one mutation: errors stay in the dialog. */
function confirmThen({ title, description, yes, body = null, run }) {
  let result = null;
  return ask({
    title,
    description,
    yes,
    body,
    onYes: async (form) => {
      try {
        result = await run();
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
  }).then((done) => (done ? result : null));
}

async function rotate(ctx, client) {
  const hours = h("input", { type: "number", name: "previousSecretHours", min: 0, max: 168, value: 24, inputmode: "numeric" });
  const result = await confirmThen({
    title: `Give "${client.name}" a new secret?`,
    description: "The new secret is shown once. Its current secrets keep working for the hours you choose, while you put the new one in place; then they stop.",
    yes: "Make a new secret",
    body: field({ name: "previousSecretHours", label: "Hours the current secrets keep working", hint: "0 to 168 (a week); 0 stops them now.", control: hours }),
    run: () => mutate("rotateApiClientSecret", ROTATE, { id: client.id, previousSecretHours: hours.value === "" ? null : Number(hours.value) }),
  });
  if (!result) return;
  shown = { name: result.apiClient.name, clientId: result.apiClient.clientId, clientSecret: result.clientSecret };
  await ctx.rerender(`"${client.name}" has a new secret.`);
}

async function revoke(ctx, client) {
  const result = await confirmThen({
    title: `Revoke "${client.name}"?`,
    description: "It gets no more tokens, and the tokens it holds stop working at once. This cannot be undone: to connect it again, register a new client.",
    yes: "Revoke",
    run: () => mutate("revokeApiClient", REVOKE, { id: client.id }),
  });
  if (!result) return;
  await ctx.rerender(`"${client.name}" was revoked.`);
}

function clientsTable(ctx, cat, clients) {
  return table({
    caption: "API clients of your organization",
    columns: [
      { label: "Name", cell: (c) => c.name },
      { label: "Client ID", cell: (c) => h("code", {}, c.clientId) },
      { label: "Scopes", cell: (c) => scopeWords(cat, c.scopes) },
      { label: "Expires", cell: (c) => (c.expiresAt ? date(c.expiresAt) : "Never") },
      { label: "Created", cell: (c) => date(c.createdAt) },
      { label: "Status", cell: (c) => [status(c), c.revokedAt ? [" ", date(c.revokedAt, { withTime: true })] : null] },
      {
        label: "Actions",
        cell: (c) =>
          c.status !== "ACTIVE"
            ? null
            : h(
                "div",
                { class: "row-actions" },
                h("button", { type: "button", class: "quiet", "aria-label": `New secret: ${c.name}`, onclick: () => rotate(ctx, c) }, "New secret"),
                h("button", { type: "button", class: "danger", "aria-label": `Revoke: ${c.name}`, onclick: () => revoke(ctx, c) }, "Revoke"),
              ),
      },
    ],
    rows: clients,
    // Revoked and expired clients: the history, greyed out.
    rowClass: (c) => (c.status === "ACTIVE" ? null : "inactive"),
  });
}

/** A scope checkbox with its name and what it opens. */
function scopeChoice(scope) {
  const box = h("input", { type: "checkbox", name: "scopes", value: scope.key, id: uid("scope") });
  const choice = h(
    "div",
    { class: "choice" },
    box,
    h("label", { for: box.id }, h("span", { class: "choice-name" }, scope.wire), h("span", { class: "hint" }, scope.description)),
  );
  return { box, choice };
}

function registerForm(ctx, cat) {
  const name = h("input", { type: "text", name: "name", maxlength: 100, autocomplete: "off", required: true });
  const expires = h("input", { type: "date", name: "expiresAt" });
  const choices = [...cat.scopes.values()].map(scopeChoice);
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-labelledby": "register-heading" },
    h("h2", { id: "register-heading" }, "Register an API client"),
    h("p", { class: "hint" }, "A client acts for your organization, never for a person, within what your organization may do. It takes tokens at /oauth/token with its client ID and secret."),
    field({ name: "name", label: "Client name", hint: "What it is, such as \"Customer portal\".", control: name }),
    fieldset({
      name: "scopes",
      legend: "Scopes",
      hint: "What it may open: at least one.",
      className: "field choices",
      children: h("div", { class: "choice-grid" }, choices.map((c) => c.choice)),
    }),
    field({ name: "expiresAt", label: "Expires on (optional)", hint: "Empty: it works until you revoke it.", control: expires }),
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Register client")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const scopes = choices.filter((c) => c.box.checked).map((c) => c.box.value);
    const missing = [
      !name.value.trim() && { field: ["name"], message: "Give the client a name." },
      !scopes.length && { field: ["scopes"], message: "Choose at least one scope." },
    ].filter(Boolean);
    if (missing.length) return showErrors(form, missing);
    const input = { name: name.value.trim(), scopes, expiresAt: expires.value ? `${expires.value}T23:59:59Z` : null };
    await busy(form, async () => {
      try {
        const result = await mutate("createApiClient", CREATE, input);
        if (result.errors.length) return showErrors(form, result.errors);
        shown = { name: result.apiClient.name, clientId: result.apiClient.clientId, clientSecret: result.clientSecret };
        await ctx.rerender(`"${result.apiClient.name}" was registered.`);
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

export async function render(ctx) {
  const secret = shown;
  shown = null;
  const [cat, data] = await Promise.all([catalog(), gql(QUERY)]);
  if (!ctx.current()) return;
  const { viewer } = data;
  // The session ended since the page before (signed out elsewhere, or disabled): sign in again.
  if (!viewer) return window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT));
  if (!viewer.canManageApiClients) {
    replace(ctx.container, h("h1", {}, "API clients"), h("p", {}, "Your roles don't include managing your organization's API clients."));
    return;
  }
  const clients = viewer.organization.apiClients;
  const active = clients.filter((c) => c.status === "ACTIVE").length;
  replace(
    ctx.container,
    h("h1", {}, "API clients"),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    h("p", { class: "lead" }, `The systems that act for ${viewer.organization.name}: partner portals, scripts, integrations.`),
    secret ? secretNotice(secret) : null,
    h(
      "section",
      { class: "card", "aria-labelledby": "clients-heading" },
      h("h2", { id: "clients-heading" }, `API clients (${active} active)`),
      clients.length ? clientsTable(ctx, cat, clients) : h("p", { class: "empty" }, "No API clients yet."),
    ),
    registerForm(ctx, cat),
  );
}
