// `/templates`: a partner's invitation templates. Its admin agents save invitation settings
// (type, roles, duration, auto-extend, message, the delegated admin relationship's name) and
// a security group to give the template's roles once a customer accepts; its sales agents
// read them (they send single invitations from them). Reference data comes from the catalog.

import { catalog, roleName, typeName } from "../catalog.js";
import { ask } from "../dialog.js";
import { h, replace, table } from "../dom.js";
import { busy, clearErrors, field, fieldset, formAlert, showErrors, showProblem } from "../forms.js";
import { gql, mutate } from "../graphql.js";

const TEMPLATE = `id name type roles durationDays autoExtend message displayName
  assignments { securityGroup { id name } roles }`;
const QUERY = `
query Templates($groups: Boolean!) {
  invitationTemplates { ${TEMPLATE} }
  securityGroups(first: 100) @include(if: $groups) { edges { node { id name } } }
}`;
const CREATE = `
mutation CreateInvitationTemplate($input: CreateInvitationTemplateInput!) {
  createInvitationTemplate(input: $input) { invitationTemplate { id name } errors { field message code } }
}`;
const DELETE = `
mutation DeleteInvitationTemplate($input: IdInput!) {
  deleteInvitationTemplate(input: $input) { invitationTemplate { id name } errors { field message code } }
}`;

function templateForm(ctx, cat, groups) {
  const name = h("input", { type: "text", name: "name", maxlength: 100, required: true });
  const displayName = h("input", { type: "text", name: "displayName", maxlength: 50 });
  const type = h(
    "select",
    { name: "type" },
    [...cat.types.values()].map((info) => h("option", { value: info.type, selected: info.type === "GDAP_PARTNER" }, info.name)),
  );
  const boxes = [...cat.roles.values()].map((role) => h("input", { type: "checkbox", name: "roles", value: role.key, id: `template-role-${role.key}` }));
  const roles = fieldset({
    name: "roles",
    legend: "Admin roles",
    hint: "For the types that take chosen roles.",
    className: "field choices roles-picker",
    children: h(
      "div",
      { class: "choice-grid" },
      boxes.map((box) =>
        h("div", { class: "choice" }, box, h("label", { for: box.id }, h("span", { class: "choice-name" }, roleName(cat, box.value)))),
      ),
    ),
  });
  const duration = h("input", { type: "number", name: "durationDays", min: 1, max: 730, class: "short", inputmode: "numeric" });
  const autoExtend = h("input", { type: "checkbox", name: "autoExtend", id: "template-auto-extend" });
  const message = h("textarea", { name: "message", rows: 3, maxlength: 2000 });
  const group = h(
    "select",
    { name: "assignments" },
    h("option", { value: "" }, "None"),
    groups.map((g) => h("option", { value: g.id }, g.name)),
  );
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-label": "New template" },
    h("h2", {}, "New template"),
    field({ name: "name", label: "Template name", control: name }),
    field({ name: "type", label: "Relationship type", control: type }),
    roles,
    field({ name: "durationDays", label: "Duration (days)", hint: "GDAP only; empty for the default.", control: duration }),
    h(
      "div",
      { class: "field choice", dataset: { field: "autoExtend" } },
      autoExtend,
      h("label", { for: autoExtend.id }, h("span", { class: "choice-name" }, "Extend automatically")),
      h("p", { class: "field-error", hidden: true }),
    ),
    field({ name: "message", label: "Message (optional)", control: message }),
    field({ name: "displayName", label: "Relationship name (optional)", hint: "GDAP: the delegated admin relationship's name; the template's name when empty.", control: displayName }),
    field({ name: "assignments", label: "Give the roles to this security group on acceptance", control: group }),
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save template")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
    const days = duration.value.trim() === "" ? null : Number(duration.value);
    if (days !== null && !Number.isInteger(days)) return showErrors(form, [{ field: ["durationDays"], message: "Enter a whole number of days." }]);
    const input = {
      name: name.value.trim(),
      type: type.value,
      roles: chosen.length ? chosen : null,
      durationDays: days,
      autoExtend: autoExtend.checked,
      message: message.value.trim() || null,
      displayName: displayName.value.trim() || null,
      assignments: group.value ? [{ securityGroupId: group.value, roles: chosen }] : [],
    };
    await busy(form, async () => {
      try {
        const result = await mutate("createInvitationTemplate", CREATE, input);
        if (result.errors.length) return showErrors(form, result.errors);
        ctx.rerender(`${result.invitationTemplate.name} was saved.`);
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

export async function render(ctx) {
  const manager = ctx.viewer.roles.includes("ADMIN_AGENT");
  const [cat, data] = await Promise.all([catalog(), gql(QUERY, { groups: manager })]);
  if (!ctx.current()) return;
  const templates = data.invitationTemplates;
  const groups = manager ? data.securityGroups.edges.map((e) => e.node) : [];
  const columns = [
    { label: "Name", cell: (t) => t.name },
    { label: "Type", cell: (t) => typeName(cat, t.type) },
    { label: "Roles", cell: (t) => t.roles.map((key) => roleName(cat, key)).join(", ") || "None" },
    { label: "Duration", cell: (t) => (t.durationDays ? `${t.durationDays} days${t.autoExtend ? ", extends" : ""}` : "") },
    {
      label: "On acceptance",
      cell: (t) => t.assignments.map((a) => `${a.securityGroup.name}: ${a.roles.map((key) => roleName(cat, key)).join(", ")}`).join("; ") || "Nothing",
    },
  ];
  if (manager) {
    columns.push({
      label: "Actions",
      cell: (t) =>
        h(
          "button",
          {
            type: "button",
            class: "danger",
            "aria-label": `Delete ${t.name}`,
            onclick: async () => {
              const done = await ask({
                title: `Delete ${t.name}?`,
                description: "Invitations already sent from it keep their settings.",
                onYes: async (form) => {
                  try {
                    const result = await mutate("deleteInvitationTemplate", DELETE, { id: t.id });
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
              if (done) ctx.rerender(`${t.name} was deleted.`);
            },
          },
          "Delete",
        ),
    });
  }
  replace(
    ctx.container,
    h("h1", {}, "Invitation templates"),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    h("p", { class: "lead" }, "Saved invitation settings, and the security group that gets the roles once a customer accepts."),
    manager ? h("p", {}, h("a", { href: "/bulk-send", class: "button" }, "Send a template to many customers")) : null,
    templates.length ? table({ caption: "Invitation templates", columns, rows: templates }) : h("p", { class: "empty" }, "No templates yet."),
    manager ? templateForm(ctx, cat, groups) : h("p", { class: "hint" }, "Your organization's admin agents manage its templates."),
  );
}
