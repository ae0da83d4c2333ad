// The list of the organization's relationships, one row per partner (`/partners`, a
// customer's) or per customer (`/customers`, a partner's), with their types, roles, the end
// date of each delegated admin relationship in force, and the agreement. A partner's admin
// agent selects customers and delegated admin relationships there for the bulk actions
// (`../bulk-actions.js`).

import { bulkActions, selection } from "../bulk-actions.js";
import { catalog, roleName, typeName } from "../catalog.js";
import { badge, date, h, replace, showMore, table } from "../dom.js";
import { gql } from "../graphql.js";

const PAGE_SIZE = 25;
const QUERY = `
query Relationships($first: Int, $after: String) {
  relationships(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id status createdAt endedAt types
      customer { id name } partner { id name }
      agreement { accepted version acceptedAt }
      roleGrants(status: ACTIVE) { role expiresAt autoExtend }
      delegatedAdminRelationships { id displayName status endsAt autoExtend }
    } }
  }
}`;

/** Each delegated admin relationship in force with its end date; other roles have none.
 * With `chosen` (bulk actions), each can be selected. */
function ends(node, chosen) {
  if (node.status === "ENDED") return h("span", {}, "Ended ", date(node.endedAt));
  const dars = node.delegatedAdminRelationships.filter((d) => ["ACTIVE", "EXPIRING"].includes(d.status));
  if (!dars.length) return "No end date";
  return h(
    "ul",
    { class: "plain" },
    dars.map((d) =>
      h(
        "li",
        {},
        chosen ? [chosen.darBox(d.id, `${d.displayName} (${node.customer.name})`), " "] : null,
        `${d.displayName}: `,
        date(d.endsAt),
        d.autoExtend ? " (extends automatically)" : null,
      ),
    ),
  );
}

function agreementCell(node) {
  return node.agreement.accepted
    ? h("span", {}, badge("ACCEPTED", "Accepted"), ` version ${node.agreement.version}`)
    : badge("PENDING", "Not accepted");
}

export async function render(ctx) {
  const customerSide = ctx.viewer.organization.kind === "CUSTOMER";
  const base = customerSide ? "/partners" : "/customers";
  const other = (node) => (customerSide ? node.partner : node.customer);
  const [cat, first] = await Promise.all([catalog(), gql(QUERY, { first: PAGE_SIZE })]);
  if (!ctx.current()) return;
  // A partner's admin agents select customers and delegated admin relationships for bulk work.
  let panel = null;
  const chosen = !customerSide && ctx.viewer.roles.includes("ADMIN_AGENT") ? selection(() => panel?.update()) : null;
  if (chosen) {
    panel = await bulkActions(ctx, cat, chosen);
    if (!ctx.current()) return;
  }

  const columns = [
    {
      label: customerSide ? "Partner" : "Customer",
      cell: (n) => [
        chosen && n.status === "ACTIVE" ? [chosen.customerBox(n.customer.id, n.customer.name), " "] : null,
        h("a", { href: `${base}/${encodeURIComponent(n.id)}` }, other(n).name),
      ],
    },
    { label: "Types", cell: (n) => n.types.map((t) => typeName(cat, t)).join(", ") || "None" },
    {
      label: "Admin roles",
      cell: (n) =>
        n.roleGrants.length
          ? h("ul", { class: "plain" }, [...new Set(n.roleGrants.map((g) => g.role))].map((r) => h("li", {}, roleName(cat, r))))
          : "None",
    },
    { label: "Ends", cell: (n) => ends(n, chosen) },
    { label: "Customer Agreement", cell: agreementCell },
    { label: "Status", cell: (n) => badge(n.status) },
  ];

  const nodes = first.relationships.edges.map((e) => e.node);
  const heading = customerSide ? "Partner relationships" : "Customers";
  const intro = customerSide
    ? "The partners your organization works with, and the admin roles they hold. Open a partner to see its roles' history or to remove roles."
    : "The customers your organization has a relationship with. Open one to see its roles, or to end the relationship.";
  const list = h("div", { class: "list" });
  const more = h("div", { class: "more" });
  const count = h("p", { class: "count" });
  const pending = customerSide && nodes.some((n) => !n.agreement.accepted)
    ? h(
        "div",
        { class: "notice warn" },
        h("p", {}, "Your organization has not accepted the current Customer Agreement: until it does, partners cannot place orders or manage subscriptions for you. "),
        h("p", {}, h("a", { href: "/agreement" }, "Review and accept the Customer Agreement")),
      )
    : null;

  replace(
    ctx.container,
    h("h1", {}, heading),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    h("p", { class: "lead" }, intro),
    customerSide ? null : h("p", {}, h("a", { class: "button primary", href: "/invitations/new" }, "Send an invitation")),
    pending,
    count,
    list,
    more,
    panel,
  );

  const shown = [];
  function draw(connection) {
    shown.push(...connection.edges.map((e) => e.node));
    count.textContent = shown.length
      ? `Showing ${shown.length} of ${connection.totalCount}.`
      : "";
    replace(
      list,
      shown.length
        ? table({ caption: heading, columns, rows: shown })
        : h(
            "div",
            { class: "empty" },
            h("p", {}, customerSide ? "You have no partners yet." : "You have no customers yet."),
            h(
              "p",
              {},
              customerSide
                ? "When a partner invites your organization, the email it sends has a link to review and accept the invitation."
                : "Send an invitation: once a customer accepts it, the customer appears here.",
            ),
          ),
    );
    replace(more);
    showMore(
      more,
      connection.pageInfo,
      async (after) => {
        const next = await gql(QUERY, { first: PAGE_SIZE, after });
        draw(next.relationships);
        ctx.announce(`Showing ${shown.length} of ${next.relationships.totalCount}.`);
      },
    );
  }
  draw(first.relationships);
}
