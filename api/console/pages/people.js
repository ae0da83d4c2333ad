// `/people`: the viewer's organization's people, for those who manage them: each person's
// status and roles; invite someone, change roles, reset a lost authenticator app, disable or
// enable, remove, and resend or cancel an invitation. Who may do what, to whom and with which roles is the service's to say
// (`viewer { canManagePeople canInvitePeople assignableRoles }`, each person's
// `viewerActions`): this page shows what it is told, and each refusal where it belongs. A
// customer's page also lists its directory's groups (its identity provider's SCIM Groups) with
// their members, when the viewer's roles read its users.

import { catalog, roleName } from "../catalog.js";
import { ask } from "../dialog.js";
import { badge, h, replace, showMore, table, uid } from "../dom.js";
import { busy, clearErrors, field, fieldset, formAlert, showErrors, showProblem } from "../forms.js";
import { gql, gqlPartial, mutate, UNAUTHENTICATED_EVENT } from "../graphql.js";

const PERSON = "id email displayName status roles viewerActions";
const PAGE = 50;
const QUERY = `
query People($first: Int, $after: String) {
  viewer {
    id canManagePeople canInvitePeople
    assignableRoles { key name description privileged }
    organization { id name kind members(first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { ${PERSON} } }
    } }
  }
}`;
const GROUPS_PAGE = 100;
const GROUPS = `
query DirectoryGroups($id: ID!, $first: Int) {
  customer(id: $id) { id groups(first: $first) {
    totalCount edges { node { id displayName members(first: 100) { totalCount edges { node { id displayName email } } } } }
  } }
}`;
const payload = (name, input) => `
mutation ${name[0].toUpperCase()}${name.slice(1)}($input: ${input}!) {
  ${name}(input: $input) { user { ${PERSON} } errors { field message code } }
}`;
const INVITE = payload("inviteUser", "InviteUserInput");
const UPDATE_ROLES = payload("updateUserRoles", "UpdateUserRolesInput");
const BY_ID = Object.fromEntries(
  ["disableUser", "enableUser", "removeUser", "resendUserInvitation", "cancelUserInvitation", "resetUserMfa"].map((name) => [
    name,
    payload(name, "UserIdInput"),
  ]),
);

const who = (person) => person.displayName || person.email;

/** A role checkbox with its name and what it does. */
function roleChoice(role, { checked = false, disabled = false } = {}) {
  const box = h("input", { type: "checkbox", name: "roles", value: role.key, checked, disabled, id: uid("role") });
  const choice = h(
    "div",
    { class: "choice" },
    box,
    h(
      "label",
      { for: box.id },
      h("span", { class: "choice-name" }, role.name, role.privileged ? " (privileged)" : ""),
      role.description ? h("span", { class: "hint" }, role.description) : null,
    ),
  );
  return { box, choice };
}

/** The roles fieldset: the roles the viewer may give, ticked for those held. Roles held that
 * the viewer may not take stay ticked and cannot be changed. */
function rolePicker(roles, held = [], legend = "Roles") {
  const offered = new Set(roles.map((role) => role.key));
  const choices = [
    ...roles.map((role) => roleChoice(role, { checked: held.includes(role.key) })),
    ...held.filter((key) => !offered.has(key)).map((key) => roleChoice({ key, name: key }, { checked: true, disabled: true })),
  ];
  const picker = fieldset({
    name: "roles",
    legend,
    className: "field choices",
    children: h("div", { class: "choice-grid" }, choices.map((c) => c.choice)),
  });
  return { picker, chosen: () => choices.filter((c) => c.box.checked).map((c) => c.box.value) };
}

function inviteForm(ctx, roles, names) {
  const email = h("input", { type: "email", name: "email", autocomplete: "off", required: true });
  const name = h("input", { type: "text", name: "displayName", maxlength: 200, autocomplete: "off" });
  const picked = rolePicker(roles);
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-labelledby": "invite-heading" },
    h("h2", { id: "invite-heading" }, "Invite someone"),
    h("p", { class: "hint" }, "They get an email with a link to choose their password. The link works once, for 7 days."),
    field({ name: "email", label: "Email address", control: email }),
    field({ name: "displayName", label: "Name (optional)", control: name }),
    picked.picker,
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Send invitation")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    if (!email.value.trim()) return showErrors(form, [{ field: ["email"], message: "Enter their email address." }]);
    const input = { email: email.value.trim(), displayName: name.value.trim() || null, roles: picked.chosen() };
    await busy(form, async () => {
      try {
        const result = await mutate("inviteUser", INVITE, input);
        if (result.errors.length) return showErrors(form, result.errors);
        const given = result.user.roles.length ? ` as ${names(result.user.roles)}` : "";
        await ctx.rerender(`${who(result.user)} was invited${given}. The email is on its way.`);
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

/** Ask a question whose Yes runs one mutation: errors stay in the dialog. */
function confirmThen({ title, description, yes, no, body = null, ready = null, summary = null, run }) {
  return ask({
    title,
    description,
    yes,
    no,
    body,
    ready,
    summary,
    onYes: async (form) => {
      try {
        const result = await run();
        if (result.errors.length) {
          showErrors(form, result.errors);
          // A long list of roles scrolls: bring its error into sight.
          form.querySelector(".has-error > .field-error")?.scrollIntoView({ block: "nearest" });
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

function changeRoles(ctx, person, roles, names) {
  const picked = rolePicker(roles, person.roles);
  const same = (a, b) => a.length === b.length && a.every((key) => b.includes(key));
  const summary = () => {
    const chosen = picked.chosen();
    const given = chosen.filter((key) => !person.roles.includes(key));
    const taken = person.roles.filter((key) => !chosen.includes(key));
    if (!given.length && !taken.length) return "Nothing changes yet: tick the roles they should hold.";
    return [given.length ? `Yes gives ${names(given)}.` : "", taken.length ? `Yes takes ${names(taken)}.` : ""].join(" ").trim();
  };
  return confirmThen({
    title: `Change ${who(person)}'s roles?`,
    description: "Tick every role they should hold. The change applies to their very next request.",
    yes: "Save roles",
    body: picked.picker,
    ready: () => !same(picked.chosen(), person.roles),
    summary,
    run: () => mutate("updateUserRoles", UPDATE_ROLES, { userId: person.id, roles: picked.chosen() }),
  });
}

async function act(ctx, alert, person, action, self, names) {
  const byId = (name) => () => mutate(name, BY_ID[name], { userId: person.id });
  const name = who(person);
  const steps = {
    CHANGE_ROLES: () => changeRoles(ctx, person, ctx.roles, names).then((done) => done && `${name}'s roles were changed.`),
    DISABLE: () =>
      confirmThen({
        title: self ? "Disable your own account?" : `Disable ${name}?`,
        description: self
          ? "You are signed out at once, and only another administrator can enable you again."
          : `${name} is signed out everywhere at once, their API tokens stop working, and they cannot sign in until someone enables them.`,
        yes: "Disable",
        run: byId("disableUser"),
      }).then((done) => done && `${name} was disabled.`),
    REMOVE: () =>
      confirmThen({
        title: self ? "Remove your own account?" : `Remove ${name}?`,
        description: `${self ? "Your" : `${name}'s`} account is deleted at once, with ${self ? "your" : "their"} sessions and API tokens. What ${self ? "you" : "they"} did stays in the activity log. This cannot be undone: to come back, ${self ? "you" : "they"} must be invited again.`,
        yes: "Remove",
        run: byId("removeUser"),
      }).then((done) => done && `${name} was removed.`),
    CANCEL_INVITATION: () =>
      confirmThen({
        title: `Cancel ${name}'s invitation?`,
        description: `The link in ${name}'s email stops working, and they leave this list. You can invite them again later.`,
        yes: "Cancel invitation",
        no: "Keep it",
        run: byId("cancelUserInvitation"),
      }).then((done) => done && `${name}'s invitation was canceled.`),
    RESET_MFA: () =>
      confirmThen({
        title: `Reset ${name}'s authenticator app?`,
        description: `For someone who lost their app: ${name}'s authenticator app and recovery codes are removed, and they are signed out everywhere. They sign in with their password alone and set up a new app if they must use one.`,
        yes: "Reset authenticator",
        run: byId("resetUserMfa"),
      }).then((done) => done && `${name}'s authenticator app was reset. They set up a new one at their next sign-in.`),
    ENABLE: async () => (await direct(alert, byId("enableUser"))) && `${name} was enabled and can sign in again.`,
    RESEND_INVITATION: async () =>
      (await direct(alert, byId("resendUserInvitation"))) && `A new invitation email is on its way to ${person.email}. The link sent before no longer works.`,
  };
  const said = await steps[action]();
  if (!said) return;
  if (self && (action === "DISABLE" || action === "REMOVE")) {
    await ctx.signOut(action === "DISABLE" ? "You disabled your account." : "You removed your account.");
    return;
  }
  await ctx.rerender(said);
}

/** Run a mutation straight from a button; its refusals go to the page's alert. */
async function direct(alert, run) {
  replace(alert).hidden = true;
  try {
    const result = await run();
    if (!result.errors.length) return true;
    alert.hidden = false;
    replace(alert, result.errors.map((error) => h("p", {}, error.message)));
  } catch (error) {
    alert.hidden = false;
    replace(alert, h("p", {}, error.message));
  }
  alert.focus();
  return false;
}

const LABELS = {
  CHANGE_ROLES: "Change roles",
  DISABLE: "Disable",
  ENABLE: "Enable",
  REMOVE: "Remove",
  RESEND_INVITATION: "Resend invitation",
  CANCEL_INVITATION: "Cancel invitation",
  RESET_MFA: "Reset authenticator",
};
const DANGER = new Set(["DISABLE", "REMOVE", "CANCEL_INVITATION", "RESET_MFA"]);

function peopleTable(ctx, people, alert, names) {
  return table({
    caption: "People of your organization",
    columns: [
      {
        label: "Name",
        cell: (p) => [
          h("span", { class: "choice-name" }, who(p), p.id === ctx.viewer.id ? " (you)" : ""),
          p.displayName ? [h("br"), h("span", { class: "hint" }, p.email)] : null,
        ],
      },
      { label: "Status", cell: (p) => badge(p.status) },
      { label: "Roles", cell: (p) => (p.roles.length ? names(p.roles) : h("span", { class: "hint" }, "No roles")) },
      {
        label: "Actions",
        cell: (p) =>
          p.viewerActions.length
            ? h(
                "div",
                { class: "row-actions" },
                p.viewerActions.map((action) =>
                  h(
                    "button",
                    {
                      type: "button",
                      class: DANGER.has(action) ? "danger" : "quiet",
                      "aria-label": `${LABELS[action]}: ${who(p)}`,
                      onclick: () => act(ctx, alert, p, action, p.id === ctx.viewer.id, names),
                    },
                    LABELS[action],
                  ),
                ),
              )
            : null,
      },
    ],
    rows: people,
  });
}

/** The directory's groups and their members, or nothing when the viewer's roles do not read
 * them (or the organization is a partner, whose groups are its Security groups page's). */
async function groupsSection(organization) {
  if (organization.kind !== "CUSTOMER") return null;
  const { data } = await gqlPartial(GROUPS, { id: organization.id, first: GROUPS_PAGE });
  const groups = data?.customer?.groups;
  if (!groups) return null;
  const memberNames = (members) => {
    const names = members.edges.map((e) => who(e.node));
    const more = members.totalCount - names.length;
    if (!names.length) return "None";
    return more > 0 ? `${names.join(", ")} and ${more} more` : names.join(", ");
  };
  const rows = groups.edges.map((e) => e.node);
  return h(
    "section",
    { class: "card", "aria-labelledby": "groups-heading" },
    h("h2", { id: "groups-heading" }, `Groups (${groups.totalCount})`),
    h("p", { class: "hint" }, "Your identity provider keeps these groups up to date."),
    rows.length
      ? table({
          caption: "Groups and their members",
          columns: [
            { label: "Group", cell: (g) => g.displayName },
            { label: "Members", cell: (g) => memberNames(g.members) },
          ],
          rows,
        })
      : h("p", {}, "No groups yet."),
    groups.totalCount > rows.length ? h("p", {}, `Showing ${rows.length} of ${groups.totalCount}.`) : null,
  );
}

export async function render(ctx) {
  const [cat, data] = await Promise.all([catalog(), gql(QUERY, { first: PAGE })]);
  if (!ctx.current()) return;
  const { viewer } = data;
  // The session ended since the page before (signed out elsewhere, or disabled): sign in again.
  if (!viewer) return window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT));
  if (!viewer.canManagePeople) {
    replace(ctx.container, h("h1", {}, "People"), h("p", {}, "Your roles don't include managing your organization's people."));
    return;
  }
  // Role names: the roles the viewer may give say theirs (a partner's agent roles included);
  // the catalog names any other.
  const known = new Map(viewer.assignableRoles.map((role) => [role.key, role.name]));
  const names = (keys) => keys.map((key) => known.get(key) ?? roleName(cat, key)).join(", ");
  const page = { ...ctx, roles: viewer.assignableRoles };
  const members = viewer.organization.members;
  const people = members.edges.map((e) => e.node);
  const groups = await groupsSection(viewer.organization);
  if (!ctx.current()) return;
  const alert = h("div", { class: "form-alert", role: "alert", tabindex: "-1", hidden: true });
  const list = h("div", {}, peopleTable(page, people, alert, names));
  const more = h("div", { class: "actions" });
  const loadMore = (info) =>
    showMore(more, info, async (after) => {
      const next = (await gql(QUERY, { first: PAGE, after })).viewer.organization.members;
      people.push(...next.edges.map((e) => e.node));
      replace(list, peopleTable(page, people, alert, names));
      replace(more);
      loadMore(next.pageInfo);
    });
  loadMore(members.pageInfo);

  replace(
    ctx.container,
    h("h1", {}, "People"),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    h("p", { class: "lead" }, `Who belongs to ${viewer.organization.name}, whether they can sign in, and the roles they hold.`),
    h(
      "section",
      { class: "card", "aria-labelledby": "people-heading" },
      h("h2", { id: "people-heading" }, `People (${members.totalCount})`),
      alert,
      list,
      more,
    ),
    groups,
    viewer.canInvitePeople ? inviteForm(page, viewer.assignableRoles, names) : null,
  );
}
