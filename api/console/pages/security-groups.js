// `/security-groups`: a partner's admin agent groups its agents and assigns the roles its
// customers granted to the groups, per customer and delegated admin relationship (as the
// anchor's access assignments are: one of its roles, ended with it). An agent holds, for a
// customer, the roles of its groups that the same delegated admin relationship (or, for an
// Advisor's or Partner's roles, the relationship's own grant) still gives. Members are
// picked from the organization's agents (its `members`).

import { catalog, roleName, typeName } from "../catalog.js";
import { ask } from "../dialog.js";
import { date, h, replace, table } from "../dom.js";
import { busy, clearErrors, field, formAlert, showErrors, showProblem } from "../forms.js";
import { gql, mutate } from "../graphql.js";

const GROUP = `id name createdAt members { id email displayName }
  assignments { id role relationshipId customer { name } delegatedAdminRelationship { id displayName } }`;
const QUERY = `
query SecurityGroups {
  viewer { organization { members(first: 100) { edges { node { id email displayName } } } } }
  securityGroups(first: 100) { totalCount edges { node { ${GROUP} } } }
  relationships(first: 100, status: ACTIVE) {
    edges { node {
      id customer { name } roleGrants(status: ACTIVE) { id role type }
      delegatedAdminRelationships { id displayName status roleGrants { id role status } }
    } }
  }
}`;
const payload = (name, input) => `
mutation ${name[0].toUpperCase()}${name.slice(1)}($input: ${input}!) {
  ${name}(input: $input) { securityGroup { id name } errors { field message code } }
}`;
const CREATE = payload("createSecurityGroup", "CreateSecurityGroupInput");
const DELETE = payload("deleteSecurityGroup", "SecurityGroupIdInput");
const ADD_MEMBER = payload("addSecurityGroupMember", "SecurityGroupMemberInput");
const REMOVE_MEMBER = payload("removeSecurityGroupMember", "SecurityGroupMemberInput");
const ASSIGN = payload("assignRoleToGroup", "GroupRoleInput");
const UNASSIGN = payload("removeRoleFromGroup", "GroupRoleInput");

/** Run a mutation from a form: errors next to fields, else `then(result)`. */
async function submit(form, name, query, input, then) {
  clearErrors(form);
  await busy(form, async () => {
    try {
      const result = await mutate(name, query, input);
      if (result.errors.length) return showErrors(form, result.errors);
      await then(result);
    } catch (error) {
      showProblem(form, error);
    }
  });
}

/** Ask first, then run a mutation in the dialog; true once it is done. */
function confirmThen({ title, description, name, query, input }) {
  return ask({
    title,
    description,
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

const OTHER_TYPES = "Other relationship types";
const IN_FORCE = ["ACTIVE", "EXPIRING"];

/**
 * What may be assigned for one customer: each role of each delegated admin relationship in
 * force (`darId`), then the roles of the other types' grants (an Advisor's, a Partner's).
 */
function assignable(cat, relationship) {
  const base = { relationshipId: relationship.id, customer: relationship.customer.name };
  const inDars = relationship.delegatedAdminRelationships
    .filter((dar) => IN_FORCE.includes(dar.status))
    .flatMap((dar) =>
      [...new Set(dar.roleGrants.filter((g) => g.status === "ACTIVE").map((g) => g.role))].map((role) => ({
        ...base,
        darId: dar.id,
        where: dar.displayName,
        role,
      })),
    );
  const inAny = new Set(relationship.delegatedAdminRelationships.flatMap((dar) => dar.roleGrants.map((g) => g.id)));
  const others = relationship.roleGrants.filter((g) => !inAny.has(g.id));
  const byRole = new Map(others.map((g) => [g.role, g]));
  const outside = [...byRole.values()].map((g) => ({ ...base, darId: null, where: typeName(cat, g.type), role: g.role }));
  return [...inDars, ...outside];
}

function groupCard(ctx, cat, group, grants, agents) {
  const who = (m) => m.displayName || m.email;
  const members = group.members.length
    ? h(
        "ul",
        { class: "plain members" },
        group.members.map((m) =>
          h(
            "li",
            {},
            `${who(m)} `,
            h("span", { class: "hint" }, m.email),
            " ",
            h(
              "button",
              {
                type: "button",
                class: "quiet",
                "aria-label": `Remove ${who(m)} from ${group.name}`,
                onclick: async () => {
                  const done = await confirmThen({
                    title: `Remove ${who(m)} from ${group.name}?`,
                    description: `${who(m)} loses the roles this group holds, at once.`,
                    name: "removeSecurityGroupMember",
                    query: REMOVE_MEMBER,
                    input: { groupId: group.id, userId: m.id },
                  });
                  if (done) ctx.rerender(`${who(m)} was removed from ${group.name}.`);
                },
              },
              "Remove",
            ),
          ),
        ),
      )
    : h("p", { class: "empty" }, "No members.");
  const assignments = group.assignments.length
    ? table({
        caption: `Roles of ${group.name}`,
        columns: [
          { label: "Customer", cell: (a) => a.customer.name },
          { label: "Delegated admin relationship", cell: (a) => a.delegatedAdminRelationship?.displayName ?? OTHER_TYPES },
          { label: "Role", cell: (a) => roleName(cat, a.role) },
          {
            label: "Actions",
            cell: (a) =>
              h(
                "button",
                {
                  type: "button",
                  class: "danger",
                  "aria-label": `Remove ${roleName(cat, a.role)} for ${a.customer.name}${a.delegatedAdminRelationship ? ` in ${a.delegatedAdminRelationship.displayName}` : ""} from ${group.name}`,
                  onclick: async () => {
                    const dar = a.delegatedAdminRelationship;
                    const input = { groupId: group.id, relationshipId: a.relationshipId, role: a.role };
                    if (dar) input.delegatedAdminRelationshipId = dar.id;
                    const done = await confirmThen({
                      title: "Remove the role from the group?",
                      description: dar
                        ? `${group.name} no longer holds ${roleName(cat, a.role)} for ${a.customer.name} through ${dar.displayName}.`
                        : `${group.name} no longer holds ${roleName(cat, a.role)} for ${a.customer.name}, through any of its grants.`,
                      name: "removeRoleFromGroup",
                      query: UNASSIGN,
                      input,
                    });
                    if (done) ctx.rerender(`${roleName(cat, a.role)} for ${a.customer.name} was removed from ${group.name}.`);
                  },
                },
                "Remove",
              ),
          },
        ],
        rows: group.assignments,
      })
    : h("p", { class: "empty" }, "No roles assigned.");

  const inGroup = new Set(group.members.map((m) => m.id));
  const candidates = agents.filter((a) => !inGroup.has(a.id));
  const agent = h(
    "select",
    { name: "userId" },
    h("option", { value: "" }, "Choose an agent…"),
    candidates.map((a) => h("option", { value: a.id }, a.displayName ? `${a.displayName} (${a.email})` : a.email)),
  );
  const add = h(
    "form",
    { class: "form inline-form", novalidate: true, "aria-label": `Add a member to ${group.name}` },
    field({ name: "userId", label: "Add a member", control: agent }),
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Add")),
  );
  add.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!agent.value) return showErrors(add, [{ field: ["userId"], message: "Choose an agent to add." }]);
    const chosen = candidates.find((a) => a.id === agent.value);
    await submit(add, "addSecurityGroupMember", ADD_MEMBER, { groupId: group.id, userId: agent.value }, () =>
      ctx.rerender(`${who(chosen)} was added to ${group.name}.`),
    );
  });

  const grant = h(
    "select",
    { name: "role" },
    h("option", { value: "" }, "Choose a customer's granted role…"),
    grants.map((g, i) => h("option", { value: String(i) }, `${g.customer} · ${g.where}: ${roleName(cat, g.role)}`)),
  );
  const assign = h(
    "form",
    { class: "form inline-form", novalidate: true, "aria-label": `Assign a role to ${group.name}` },
    field({ name: "role", label: "Assign a role", control: grant }),
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Assign")),
  );
  assign.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!grant.value) return showErrors(assign, [{ field: ["role"], message: "Choose a role to assign." }]);
    const { relationshipId, darId, role } = grants[Number(grant.value)];
    const input = { groupId: group.id, relationshipId, role };
    if (darId) input.delegatedAdminRelationshipId = darId;
    await submit(assign, "assignRoleToGroup", ASSIGN, input, () =>
      ctx.rerender(`${roleName(cat, role)} was assigned to ${group.name}.`),
    );
  });

  const headingId = `group-${group.id}`;
  return h(
    "section",
    { class: "card group", "aria-labelledby": headingId },
    h(
      "div",
      { class: "section-head" },
      h("h2", { id: headingId }, group.name),
      h(
        "button",
        {
          type: "button",
          class: "danger",
          "aria-label": `Delete ${group.name}`,
          onclick: async () => {
            const done = await confirmThen({
              title: `Delete ${group.name}?`,
              description: "Its members lose the roles it holds, at once.",
              name: "deleteSecurityGroup",
              query: DELETE,
              input: { groupId: group.id },
            });
            if (done) ctx.rerender(`${group.name} was deleted.`);
          },
        },
        "Delete",
      ),
    ),
    h("p", { class: "meta" }, "Created ", date(group.createdAt)),
    h("h3", {}, "Members"),
    members,
    candidates.length ? add : h("p", { class: "hint" }, "Every agent of your organization is in this group."),
    h("h3", {}, "Roles per customer"),
    assignments,
    grants.length ? assign : h("p", { class: "hint" }, "No customer grants your organization an admin role right now."),
  );
}

export async function render(ctx) {
  if (!ctx.viewer.roles.includes("ADMIN_AGENT")) {
    replace(ctx.container, h("h1", {}, "Security groups"), h("p", {}, "Only your organization's admin agents manage its security groups."));
    return;
  }
  const [cat, data] = await Promise.all([catalog(), gql(QUERY)]);
  if (!ctx.current()) return;
  const grants = data.relationships.edges.flatMap(({ node }) => assignable(cat, node));
  const groups = data.securityGroups.edges.map((e) => e.node);
  const agents = data.viewer.organization.members.edges.map((e) => e.node);

  const name = h("input", { type: "text", name: "name", maxlength: 100, required: true });
  const create = h(
    "form",
    { class: "card form", novalidate: true, "aria-label": "Create a group" },
    field({ name: "name", label: "New group's name", control: name }),
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Create group")),
  );
  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    await submit(create, "createSecurityGroup", CREATE, { name: name.value.trim() }, (result) =>
      ctx.rerender(`${result.securityGroup.name} was created.`),
    );
  });

  replace(
    ctx.container,
    h("h1", {}, "Security groups"),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    h(
      "p",
      { class: "lead" },
      "Your agents act for a customer through the roles assigned to their groups, as long as the customer's grant of that role is active.",
    ),
    create,
    groups.length ? groups.map((g) => groupCard(ctx, cat, g, grants, agents)) : h("p", { class: "empty" }, "No groups yet."),
  );
}
