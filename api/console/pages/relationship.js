// One relationship: a customer's page of a partner (`/partners/:id`, with Remove roles) or a
// partner's page of a customer (`/customers/:id`, with End relationship), its delegated
// admin relationships (each with its roles and end date, each endable), and the history of
// its types and role grants. It follows the relationship live (relationshipChanged): a
// removal finishing (REVOKING, then REVOKED), or a change made by the other side or in
// another tab, shows without a reload.

import { catalog, roleName, typeName } from "../catalog.js";
import { ask } from "../dialog.js";
import { badge, date, details, h, replace, table, uid } from "../dom.js";
import { showErrors, showProblem, fieldset } from "../forms.js";
import { gql, mutate } from "../graphql.js";
import { liveConnection } from "../live.js";

const FIELDS = `
fragment RelationshipPage on Relationship {
  id status createdAt endedAt types
  customer { id name } partner { id name }
  typeHistory { type addedAt endedAt }
  agreement { accepted version acceptedAt currentVersion }
  roleGrants { id role type status grantedAt expiresAt autoExtend revokedAt endReason }
  delegatedAdminRelationships {
    id displayName status roles durationDays autoExtend startsAt endsAt endedAt endReason
    roleGrants { id role status }
  }
}`;

const QUERY = `
query Relationship($id: ID!) { relationship(id: $id) { ...RelationshipPage } }
${FIELDS}`;

const LIVE = `
subscription RelationshipLive($id: ID!) { relationshipChanged(id: $id) { ...RelationshipPage } }
${FIELDS}`;

const END_DAR = `
mutation EndDelegatedAdminRelationship($input: IdInput!) {
  endDelegatedAdminRelationship(input: $input) {
    delegatedAdminRelationship { id status }
    errors { field message code }
  }
}`;

const REMOVE_ROLES = `
mutation RemoveRoles($input: RemoveRolesInput!) {
  removeRoles(input: $input) {
    relationship { id }
    errors { field message code }
  }
}`;

const END = `
mutation EndRelationship($input: RelationshipIdInput!) {
  endRelationship(input: $input) {
    relationship { id status }
    errors { field message code }
  }
}`;

function activeGrants(relationship) {
  return relationship.roleGrants.filter((g) => g.status === "ACTIVE");
}

const IN_FORCE = ["ACTIVE", "EXPIRING"];

function inForce(relationship) {
  return relationship.delegatedAdminRelationships.filter((d) => IN_FORCE.includes(d.status));
}

/**
 * The active roles, by where they were granted: each delegated admin relationship in force
 * (`dar`), then the grants of other types (`dar` null). A role shows once in each.
 */
function roleGroups(relationship) {
  const active = activeGrants(relationship);
  const byDar = new Set();
  const groups = inForce(relationship).map((dar) => {
    const ids = new Set(dar.roleGrants.filter((g) => g.status === "ACTIVE").map((g) => g.id));
    ids.forEach((id) => byDar.add(id));
    const grants = active.filter((g) => ids.has(g.id));
    return { dar, grants, roles: [...new Set(grants.map((g) => g.role))] };
  });
  const others = active.filter((g) => !byDar.has(g.id));
  if (others.length) groups.push({ dar: null, grants: others, roles: [...new Set(others.map((g) => g.role))] });
  return groups.filter((group) => group.roles.length);
}

const listFormat = new Intl.ListFormat("en", { style: "long", type: "conjunction" });

/**
 * The "Remove roles?" question. Nothing is chosen when it opens and Yes stays disabled until
 * something is; the dialog says which roles Yes takes from which partner (and which stay),
 * and Enter never answers it (dialog.js): a removal cannot be undone.
 */
async function removeRoles(ctx, cat, relationship, partnerName) {
  const groups = roleGroups(relationship);
  const several = groups.length > 1;
  // One box a role in each group: "License Administrator" in "Licensing" and in "Support".
  const choicesOf = groups.flatMap((group, index) => group.roles.map((role) => ({ group, index, role })));
  const boxes = choicesOf.map((c) => h("input", { type: "checkbox", name: "roles", value: `${c.index}:${c.role}`, id: uid("remove") }));
  const all = h("input", { type: "checkbox", id: uid("remove-all") });
  const chosen = () => choicesOf.filter((_, i) => boxes[i].checked);
  const groupName = (group) => group.dar?.displayName ?? "Other relationship types";
  const label = (c) => (several ? `${roleName(cat, c.role)} (${groupName(c.group)})` : roleName(cat, c.role));
  const names = (picked) => listFormat.format(picked.map(label));
  const sync = () => {
    const ticked = chosen().length;
    all.checked = ticked === boxes.length;
    all.indeterminate = ticked > 0 && ticked < boxes.length;
  };
  all.addEventListener("change", () => {
    boxes.forEach((b) => (b.checked = all.checked));
    sync();
  });
  boxes.forEach((b) => b.addEventListener("change", sync));
  const box = (c, i) =>
    h(
      "div",
      { class: "choice" },
      boxes[i],
      h(
        "label",
        { for: boxes[i].id },
        h("span", { class: "choice-name" }, roleName(cat, c.role)),
        several ? h("span", { class: "meta" }, ` in ${groupName(c.group)}`) : null,
        h("span", { class: "hint" }, cat.roles.get(c.role)?.description ?? ""),
      ),
    );
  const choices = fieldset({
    name: "roles",
    legend: "Roles to remove",
    className: "field choices",
    children: [
      h("div", { class: "choice all" }, all, h("label", { for: all.id }, "All roles")),
      groups.map((group, index) => [
        several ? h("p", { class: "group-name" }, groupName(group)) : null,
        choicesOf.map((c, i) => (c.index === index ? box(c, i) : null)),
      ]),
    ],
  });
  const summary = () => {
    const picked = chosen();
    if (!picked.length) return "No role is chosen yet: choose the roles to remove, then answer Yes.";
    const kept = choicesOf.filter((c) => !picked.includes(c));
    if (!kept.length) {
      const roles = [...new Set(picked.map((c) => c.role))].map((key) => roleName(cat, key)).sort();
      return `Yes removes all of ${partnerName}'s roles: ${listFormat.format(roles)}.`;
    }
    return `Yes removes ${names(picked)} from ${partnerName}. ${partnerName} keeps ${names(kept)}.`;
  };
  let removed = [];
  const done = await ask({
    title: "Remove roles?",
    description: `Choose the roles to take from ${partnerName}. ${partnerName} loses the access they give as soon as you answer Yes, and it cannot be undone. The relationship itself stays.`,
    body: choices,
    ready: () => chosen().length > 0,
    summary,
    onYes: async (form) => {
      const picked = chosen();
      try {
        // Always the roles named, even when they are all: exactly what the dialog said, and
        // not a role granted since the page was drawn; each delegated admin relationship's
        // from it alone, and the other types' from their grants alone (not the same role a
        // delegated admin relationship grants).
        for (const [index, group] of groups.entries()) {
          const roles = picked.filter((c) => c.index === index).map((c) => c.role);
          if (!roles.length) continue;
          const input = { relationshipId: relationship.id, roles };
          if (group.dar) input.delegatedAdminRelationshipId = group.dar.id;
          else input.types = [...new Set(group.grants.map((g) => g.type))];
          const payload = await mutate("removeRoles", REMOVE_ROLES, input);
          if (payload.errors.length) {
            showErrors(form, payload.errors);
            return false;
          }
        }
      } catch (error) {
        showProblem(form, error);
        return false;
      }
      removed = picked;
      return true;
    },
  });
  if (done) {
    ctx.rerender(`Removed ${names(removed)}. ${partnerName} no longer has access through ${removed.length === 1 ? "it" : "them"}.`);
  }
}

async function endDelegatedAdminRelationship(ctx, cat, dar, otherName, customerSide) {
  const roles = listFormat.format(dar.roles.map((key) => roleName(cat, key)));
  const done = await ask({
    title: `End ${dar.displayName}?`,
    description: customerSide
      ? `${otherName} loses the roles it grants (${roles}) at once, unless another of its delegated admin relationships grants them too. Its other delegated admin relationships stay.`
      : `You lose the roles it grants (${roles}) at once, unless another delegated admin relationship grants them too. The others, and the relationship, stay.`,
    onYes: async (form) => {
      try {
        const payload = await mutate("endDelegatedAdminRelationship", END_DAR, { id: dar.id });
        if (payload.errors.length) {
          showErrors(form, payload.errors);
          return false;
        }
      } catch (error) {
        showProblem(form, error);
        return false;
      }
      return true;
    },
  });
  if (done) ctx.rerender(`${dar.displayName} has ended.`);
}

async function endRelationship(ctx, relationship) {
  const customerName = relationship.customer.name;
  const done = await ask({
    title: `End the relationship with ${customerName}?`,
    description: `Every admin role ${customerName} granted you is revoked at once, and the relationship ends. To work together again, send a new invitation.`,
    onYes: async (form) => {
      try {
        const payload = await mutate("endRelationship", END, { relationshipId: relationship.id });
        if (payload.errors.length) {
          showErrors(form, payload.errors);
          return false;
        }
      } catch (error) {
        showProblem(form, error);
        return false;
      }
      return true;
    },
  });
  if (done) ctx.rerender(`The relationship with ${customerName} has ended.`);
}

function roleItem(cat, g) {
  return h(
    "li",
    { class: "role" },
    h("span", { class: "choice-name" }, roleName(cat, g.role)),
    h("span", { class: "hint" }, cat.roles.get(g.role)?.description ?? ""),
    h(
      "span",
      { class: "meta" },
      `${typeName(cat, g.type)} · granted `,
      date(g.grantedAt),
      g.expiresAt ? [" · ends ", date(g.expiresAt)] : " · no end date",
      g.autoExtend ? " · extends automatically" : null,
    ),
  );
}

function rolesSection(ctx, cat, relationship, customerSide) {
  const groups = roleGroups(relationship);
  const otherName = customerSide ? relationship.partner.name : relationship.customer.name;
  const action = customerSide
    ? groups.length
      ? h("button", { type: "button", class: "danger", onclick: () => removeRoles(ctx, cat, relationship, otherName) }, "Remove roles")
      : null
    : relationship.status === "ACTIVE"
      ? h("button", { type: "button", class: "danger", onclick: () => endRelationship(ctx, relationship) }, "End relationship")
      : null;
  const blocks = groups.map(({ dar, grants }) => {
    if (!dar) {
      return h(
        "div",
        { class: "dar" },
        groups.length > 1 ? h("h3", {}, "Other relationship types") : null,
        h("ul", { class: "roles plain" }, grants.map((g) => roleItem(cat, g))),
      );
    }
    const headingId = uid("dar");
    return h(
      "div",
      { class: "dar", role: "group", "aria-labelledby": headingId },
      h(
        "div",
        { class: "section-head" },
        h("h3", { id: headingId }, dar.displayName),
        h(
          "button",
          { type: "button", class: "danger", onclick: () => endDelegatedAdminRelationship(ctx, cat, dar, otherName, customerSide) },
          `End ${dar.displayName}`,
        ),
      ),
      h(
        "p",
        { class: "meta" },
        badge(dar.status),
        " · started ",
        date(dar.startsAt),
        " · ends ",
        date(dar.endsAt),
        dar.autoExtend ? " · extends automatically" : null,
      ),
      h("ul", { class: "roles plain" }, grants.map((g) => roleItem(cat, g))),
    );
  });
  return h(
    "section",
    { class: "card", "aria-labelledby": "roles-heading" },
    h("div", { class: "section-head" }, h("h2", { id: "roles-heading" }, "Admin roles"), action),
    blocks.length
      ? blocks
      : h("p", { class: "empty" }, customerSide ? `${otherName} holds no admin roles in your organization.` : "You hold no admin roles for this customer."),
  );
}

function historySection(cat, relationship) {
  const grants = [...relationship.roleGrants].sort((a, b) => b.grantedAt.localeCompare(a.grantedAt));
  return h(
    "section",
    { class: "card", "aria-labelledby": "history-heading" },
    h("h2", { id: "history-heading" }, "History"),
    h("h3", {}, "Role grants"),
    grants.length
      ? table({
          caption: "Role grants",
          columns: [
            { label: "Role", cell: (g) => roleName(cat, g.role) },
            { label: "Type", cell: (g) => typeName(cat, g.type) },
            { label: "Status", cell: (g) => badge(g.status) },
            { label: "Granted", cell: (g) => date(g.grantedAt) },
            { label: "Ends", cell: (g) => date(g.revokedAt ?? g.expiresAt) ?? "No end date" },
            { label: "Why it ended", cell: (g) => g.endReason ?? "" },
          ],
          rows: grants,
        })
      : h("p", { class: "empty" }, "No admin roles were ever granted."),
    relationship.delegatedAdminRelationships.length
      ? [
          h("h3", {}, "Delegated admin relationships"),
          table({
            caption: "Delegated admin relationships",
            columns: [
              { label: "Name", cell: (d) => d.displayName },
              { label: "Status", cell: (d) => badge(d.status) },
              { label: "Roles", cell: (d) => d.roles.map((r) => roleName(cat, r)).join(", ") },
              { label: "Started", cell: (d) => date(d.startsAt) ?? "" },
              { label: "Ends", cell: (d) => date(d.endedAt ?? d.endsAt) ?? "" },
              { label: "Why it ended", cell: (d) => d.endReason ?? "" },
            ],
            rows: relationship.delegatedAdminRelationships,
          }),
        ]
      : null,
    h("h3", {}, "Relationship types"),
    table({
      caption: "Relationship types",
      columns: [
        { label: "Type", cell: (r) => typeName(cat, r.type) },
        { label: "Added", cell: (r) => date(r.addedAt) },
        { label: "Ended", cell: (r) => date(r.endedAt) ?? "" },
      ],
      rows: relationship.typeHistory,
    }),
  );
}

export async function render(ctx) {
  const customerSide = ctx.viewer.organization.kind === "CUSTOMER";
  const [cat, data] = await Promise.all([catalog(), gql(QUERY, { id: ctx.params.id })]);
  if (!ctx.current()) return;
  const relationship = data.relationship;
  const back = customerSide
    ? h("a", { href: "/partners" }, "← Partner relationships")
    : h("a", { href: "/customers" }, "← Customers");
  if (!relationship) {
    replace(
      ctx.container,
      h("p", { class: "crumbs" }, back),
      h("h1", {}, "Relationship not found"),
      h("p", {}, "There is no such relationship, or your organization is not a side of it."),
    );
    return;
  }
  const sections = (shown) => [summarySection(cat, shown, customerSide), rolesSection(ctx, cat, shown, customerSide), historySection(cat, shown)];
  let drawn = sections(relationship);
  replace(
    ctx.container,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, back),
    h("h1", {}, (customerSide ? relationship.partner : relationship.customer).name),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    ...drawn,
  );
  // Live: each new state of the relationship redraws its sections in place.
  let shownJson = JSON.stringify(relationship);
  const live = liveConnection();
  ctx.onLeave(() => live.close());
  live.subscribe(LIVE, { id: relationship.id }, (data) => {
    const changed = data.relationshipChanged;
    const json = JSON.stringify(changed);
    if (!ctx.current() || json === shownJson) return;
    shownJson = json;
    const next = sections(changed);
    drawn.forEach((section, i) => section.replaceWith(next[i]));
    drawn = next;
  });
}

function summarySection(cat, relationship, customerSide) {
  const other = customerSide ? relationship.partner : relationship.customer;
  const agreement = relationship.agreement;
  return h(
    "section",
    { class: "card", "aria-label": "Summary" },
    details([
      ["Status", badge(relationship.status)],
      ["Types", relationship.types.map((t) => typeName(cat, t)).join(", ") || "None"],
      [customerSide ? "Partner since" : "Customer since", date(relationship.createdAt)],
      ["Ended", date(relationship.endedAt)],
      [
        "Customer Agreement",
        agreement.accepted
          ? h("span", {}, `Accepted, version ${agreement.version}, on `, date(agreement.acceptedAt))
          : customerSide
            ? h("span", {}, "Not accepted. ", h("a", { href: "/agreement" }, "Review and accept"))
            : "Not accepted yet",
      ],
    ]),
    !customerSide && relationship.status === "ACTIVE"
      ? h("p", {}, h("a", { href: `/customer-data/${encodeURIComponent(other.id)}` }, `Open ${other.name}'s data`))
      : null,
  );
}
