// A customer's data, as far as the viewer's effective roles open it: a partner agent's view
// of a customer (`/customer-data/:id`, acting on its behalf) or a customer admin's own
// organization (`/organization`). Each list the roles do not open is said so in its place;
// Reset password and Open incident are offered where the capabilities allow them. The groups
// are the directory's (its identity provider's SCIM Groups), with their members.

import { roleName, catalog } from "../catalog.js";
import { ask } from "../dialog.js";
import { badge, date, h, replace, table, words } from "../dom.js";
import { busy, clearErrors, field, formAlert, showErrors, showProblem } from "../forms.js";
import { gql, gqlPartial, mutate } from "../graphql.js";

const PAGE_SIZE = 20;
const org = "{ id name }";
// One list per kind of data: its field of Customer, what it selects, and its columns.
const SECTIONS = [
  {
    name: "users",
    title: "Users",
    select: "id displayName userPrincipalName enabled isAdmin passwordResetAt",
    columns: (ctx) => [
      { label: "Name", cell: (u) => u.displayName },
      { label: "Sign-in name", cell: (u) => u.userPrincipalName },
      { label: "Admin", cell: (u) => (u.isAdmin ? "Yes" : "No") },
      { label: "Status", cell: (u) => (u.enabled ? "Enabled" : "Disabled") },
      { label: "Password reset", cell: (u) => date(u.passwordResetAt, { withTime: true }) ?? "Never" },
      { label: "Actions", cell: (u) => ctx.resetButton(u) },
    ],
  },
  {
    name: "groups",
    title: "Groups",
    select: "id displayName externalId members(first: 100) { totalCount edges { node { id displayName } } }",
    columns: () => [
      { label: "Group", cell: (g) => g.displayName },
      { label: "Members", cell: (g) => memberNames(g.members) },
    ],
  },
  {
    name: "subscriptions",
    title: "Subscriptions",
    select: `id offerName sku quantity status assignedLicenses soldBy ${org}`,
    columns: () => [
      { label: "Offer", cell: (s) => s.offerName },
      { label: "SKU", cell: (s) => s.sku },
      { label: "Licenses", cell: (s) => `${s.assignedLicenses} of ${s.quantity} assigned` },
      { label: "Sold by", cell: (s) => s.soldBy?.name ?? "" },
      { label: "Status", cell: (s) => badge(s.status) },
    ],
  },
  {
    name: "licenses",
    title: "Licenses",
    select: `id createdAt user { displayName } subscription { offerName } assignedByPartner ${org}`,
    columns: () => [
      { label: "User", cell: (l) => l.user.displayName },
      { label: "Subscription", cell: (l) => l.subscription.offerName },
      { label: "Assigned", cell: (l) => date(l.createdAt) },
      { label: "By partner", cell: (l) => l.assignedByPartner?.name ?? "" },
    ],
  },
  {
    name: "supportIncidents",
    title: "Support incidents",
    select: `id title severity status createdAt openedBy openedByPartner ${org}`,
    columns: () => [
      { label: "Title", cell: (i) => i.title },
      { label: "Severity", cell: (i) => words(i.severity) },
      { label: "Status", cell: (i) => badge(i.status) },
      { label: "Opened", cell: (i) => date(i.createdAt) },
      { label: "By", cell: (i) => i.openedByPartner?.name ?? i.openedBy ?? "" },
    ],
  },
  {
    name: "devices",
    title: "Devices",
    select: `id serialNumber model createdAt registeredByPartner ${org}`,
    columns: () => [
      { label: "Serial number", cell: (d) => d.serialNumber },
      { label: "Model", cell: (d) => d.model },
      { label: "Registered", cell: (d) => date(d.createdAt) },
      { label: "By partner", cell: (d) => d.registeredByPartner?.name ?? "" },
    ],
  },
  {
    name: "apps",
    title: "Line-of-business apps",
    select: `id name version updatedAt submittedByPartner ${org}`,
    columns: () => [
      { label: "App", cell: (a) => a.name },
      { label: "Version", cell: (a) => a.version },
      { label: "Updated", cell: (a) => date(a.updatedAt) },
      { label: "By partner", cell: (a) => a.submittedByPartner?.name ?? "" },
    ],
  },
  {
    name: "domains",
    title: "Domains",
    select: "id name verified createdAt subscription { expiresAt }",
    columns: () => [
      { label: "Domain", cell: (d) => d.name },
      { label: "Verified", cell: (d) => (d.verified ? "Yes" : "No") },
      { label: "Subscription until", cell: (d) => date(d.subscription?.expiresAt) ?? "" },
    ],
  },
  {
    name: "billingNotifications",
    title: "Billing notifications",
    select: "id subject createdAt",
    columns: () => [
      { label: "Subject", cell: (n) => n.subject },
      { label: "Received", cell: (n) => date(n.createdAt) },
    ],
  },
  {
    name: "invoices",
    title: "Invoices",
    select: "id number amount currency periodStart periodEnd status",
    columns: () => [
      { label: "Number", cell: (i) => i.number },
      { label: "Amount", cell: (i) => `${i.amount} ${i.currency}` },
      { label: "Period", cell: (i) => `${i.periodStart} to ${i.periodEnd}` },
      { label: "Status", cell: (i) => badge(i.status) },
    ],
  },
  {
    name: "purchases",
    title: "Purchases",
    select: `id productName quantity amount currency purchasedAt partner ${org}`,
    columns: () => [
      { label: "Product", cell: (p) => p.productName },
      { label: "Quantity", cell: (p) => p.quantity },
      { label: "Amount", cell: (p) => `${p.amount} ${p.currency}` },
      { label: "Bought", cell: (p) => date(p.purchasedAt) },
      { label: "By partner", cell: (p) => p.partner?.name ?? "" },
    ],
  },
];

const QUERY = `
query CustomerData($id: ID!, $first: Int) {
  customer(id: $id) {
    id name onBehalf roles capabilities
    ${SECTIONS.map((s) => `${s.name}(first: $first) { ${page(s)} }`).join("\n    ")}
  }
  billingPages(customerId: $id)
}`;

/** A directory group's members by name, saying how many more there are past the first page. */
function memberNames(members) {
  const names = members.edges.map((e) => e.node.displayName);
  const more = members.totalCount - names.length;
  if (!names.length) return "None";
  return more > 0 ? `${names.join(", ")} and ${more} more` : names.join(", ");
}

/** One page of a section's list. */
function page(spec) {
  return `totalCount pageInfo { hasNextPage endCursor } edges { node { ${spec.select} } }`;
}

/** The query for the next page of one section. */
function nextPageQuery(spec) {
  return `
query CustomerDataPage($id: ID!, $first: Int, $after: String) {
  customer(id: $id) { id ${spec.name}(first: $first, after: $after) { ${page(spec)} } }
}`;
}

const RESET = `
mutation ResetUserPassword($input: ResetUserPasswordInput!) {
  resetUserPassword(input: $input) { user { id displayName } temporaryPassword errors { field message code } }
}`;

const OPEN_INCIDENT = `
mutation OpenIncident($input: CreateSupportIncidentInput!) {
  createSupportIncident(input: $input) { supportIncident { id title } errors { field message code } }
}`;

const SEVERITIES = ["LOW", "MODERATE", "HIGH", "CRITICAL"];

function incidentForm(ctx, customer) {
  const title = h("input", { type: "text", name: "title", required: true, maxlength: 200 });
  const description = h("textarea", { name: "description", rows: 4, required: true });
  const severity = h("select", { name: "severity" }, SEVERITIES.map((s) => h("option", { value: s, selected: s === "MODERATE" }, words(s))));
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-label": "Open incident" },
    h("h3", {}, "Open an incident"),
    field({ name: "title", label: "Title", control: title }),
    field({ name: "description", label: "Description", control: description }),
    field({ name: "severity", label: "Severity", control: severity }),
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Open incident")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const input = { customerId: customer.id, title: title.value.trim(), description: description.value.trim(), severity: severity.value };
    await busy(form, async () => {
      try {
        const payload = await mutate("createSupportIncident", OPEN_INCIDENT, input);
        if (payload.errors.length) return showErrors(form, payload.errors);
        await ctx.rerender(`Incident "${payload.supportIncident.title}" opened.`);
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

function section(ctx, spec, connection, refusal, extra) {
  const headingId = `section-${spec.name}`;
  const body = h("div", { class: "section-body" });
  if (refusal) {
    replace(body, h("p", { class: "empty refused" }, refusal.code === "FORBIDDEN" ? "Your roles don't include this." : refusal.message));
  } else {
    const rows = [];
    const draw = (page) => {
      rows.push(...page.edges.map((e) => e.node));
      if (!rows.length) return replace(body, h("p", { class: "empty" }, "None."));
      const more = page.pageInfo.hasNextPage ? h("button", { type: "button" }, `Show more ${spec.title.toLowerCase()}`) : null;
      more?.addEventListener("click", async () => {
        more.disabled = true;
        more.textContent = "Loading…";
        try {
          const next = await gql(nextPageQuery(spec), { id: ctx.customerId, first: PAGE_SIZE, after: page.pageInfo.endCursor });
          draw(next.customer[spec.name]);
          body.querySelector(".count").focus(); // says how many show now
        } catch (error) {
          more.replaceWith(h("p", { class: "form-alert", role: "alert" }, error.message));
        }
      });
      replace(
        body,
        table({ caption: spec.title, columns: spec.columns(ctx), rows }),
        h("p", { class: "count", tabindex: "-1" }, `Showing ${rows.length} of ${page.totalCount}.`),
        more ? h("div", { class: "more" }, more) : null,
      );
    };
    draw(connection);
  }
  return h("section", { class: "data-section", "aria-labelledby": headingId }, h("h2", { id: headingId }, spec.title), body, extra);
}

export async function render(ctx) {
  const own = ctx.viewer.organization.kind === "CUSTOMER";
  const id = own ? ctx.viewer.organization.id : ctx.params.id;
  const [cat, { data, errors }] = await Promise.all([catalog(), gqlPartial(QUERY, { id, first: PAGE_SIZE })]);
  if (!ctx.current()) return;
  const customer = data.customer;
  const crumbs = own ? null : h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "/customers" }, "← Customers"));
  if (!customer) {
    replace(ctx.container, crumbs, h("h1", {}, "Customer not found"), h("p", {}, "You have no active relationship with a customer at this address."));
    return;
  }
  const refusals = new Map(errors.filter((e) => e.path[0] === "customer" && e.path.length === 2).map((e) => [e.path[1], e]));
  const other = errors.find((e) => !(e.path[0] === "customer" && e.path.length === 2));
  if (other) throw other;
  const can = new Set(customer.capabilities);

  const sectionCtx = {
    customerId: customer.id,
    resetButton: (user) => {
      if (!can.has(user.isAdmin ? "RESET_ADMIN_PASSWORD" : "RESET_PASSWORD")) return "";
      return h(
        "button",
        {
          type: "button",
          "aria-label": `Reset password of ${user.displayName}`,
          onclick: async () => {
            let temporary = null;
            const done = await ask({
              title: "Reset password?",
              description: `${user.displayName} gets a temporary password and must choose a new one at the next sign-in.`,
              onYes: async (form) => {
                try {
                  const payload = await mutate("resetUserPassword", RESET, { customerId: customer.id, userId: user.id });
                  if (payload.errors.length) {
                    showErrors(form, payload.errors);
                    return false;
                  }
                  temporary = payload.temporaryPassword;
                  return true;
                } catch (error) {
                  showProblem(form, error);
                  return false;
                }
              },
            });
            if (done) ctx.rerender(`The password of ${user.displayName} was reset. Temporary password: ${temporary}`);
          },
        },
        "Reset password",
      );
    },
  };

  const roles = customer.roles.length ? customer.roles.map((r) => roleName(cat, r)).join(", ") : "None";
  const pages = data.billingPages;
  replace(
    ctx.container,
    crumbs,
    h("h1", {}, own ? "Your organization" : customer.name),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    h(
      "p",
      { class: "lead" },
      own
        ? `${customer.name}'s data, as your admin roles open it.`
        : `Acting on behalf of ${customer.name}: what the roles your security groups hold for it open, while its grants are active.`,
    ),
    h(
      "section",
      { class: "card", "aria-label": "Your access" },
      h("p", {}, h("strong", {}, "Your roles: "), roles),
      h(
        "p",
        {},
        h("strong", {}, "Billing pages you may open: "),
        pages.length ? pages.map((p) => words(p)).join(", ") : "None",
      ),
    ),
    SECTIONS.map((spec) =>
      section(
        sectionCtx,
        spec,
        customer[spec.name],
        refusals.get(spec.name),
        spec.name === "supportIncidents" && can.has("OPEN_SUPPORT_INCIDENT") ? incidentForm(ctx, customer) : null,
      ),
    ),
  );
}
