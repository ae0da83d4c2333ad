// `/leads`: the Contact me requests a partner received, newest first, by status.

import { badge, date, h, replace, showMore, table, words } from "../dom.js";
import { gql } from "../graphql.js";
import { facet, labels, vocabularies } from "../vocabularies.js";

const PAGE_SIZE = 25;
export const LEAD_STATUSES = ["NEW", "CONTACTED", "INVITED", "CLOSED"];
const QUERY = `
query Leads($first: Int, $after: String, $status: LeadStatus) {
  leads(first: $first, after: $after, status: $status) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id status contactName email organizationName location industry createdAt } }
  }
}`;

export async function render(ctx) {
  const status = LEAD_STATUSES.includes(ctx.query.get("status")) ? ctx.query.get("status") : null;
  const [vocabs, first] = await Promise.all([vocabularies(), gql(QUERY, { first: PAGE_SIZE, status })]);
  if (!ctx.current()) return;

  const columns = [
    { label: "Contact", cell: (l) => h("a", { href: `/leads/${encodeURIComponent(l.id)}` }, l.contactName) },
    { label: "Organization", cell: (l) => l.organizationName },
    { label: "Email", cell: (l) => l.email },
    { label: "Location", cell: (l) => labels(facet(vocabs, "LOCATION"), [l.location]) },
    { label: "Industry", cell: (l) => labels(facet(vocabs, "INDUSTRY"), [l.industry]) },
    { label: "Received", cell: (l) => date(l.createdAt) },
    { label: "Status", cell: (l) => badge(l.status) },
  ];
  const filter = h(
    "select",
    { id: "lead-status-filter", name: "status" },
    h("option", { value: "" }, "All"),
    LEAD_STATUSES.map((s) => h("option", { value: s, selected: s === status }, words(s))),
  );
  filter.addEventListener("change", () => ctx.navigate(filter.value ? `/leads?status=${filter.value}` : "/leads"));
  const list = h("div", { class: "list" });
  const more = h("div", { class: "more" });
  const count = h("p", { class: "count" });
  replace(
    ctx.container,
    h("h1", {}, "Leads"),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    h("p", { class: "lead" }, "People who asked your organization to contact them through the partner directory, newest first."),
    h("div", { class: "toolbar" }, h("span"), h("div", { class: "filter" }, h("label", { for: filter.id }, "Status"), filter)),
    count,
    list,
    more,
  );

  const shown = [];
  function draw(connection) {
    shown.push(...connection.edges.map((e) => e.node));
    count.textContent = shown.length ? `Showing ${shown.length} of ${connection.totalCount}.` : "";
    replace(
      list,
      shown.length
        ? table({ caption: "Leads", columns, rows: shown })
        : h(
            "div",
            { class: "empty" },
            h("p", {}, status ? `No ${words(status).toLowerCase()} leads.` : "No leads yet."),
            h("p", {}, "Leads arrive when someone sends Contact me from your ", h("a", { href: "/directory-profile" }, "directory profile"), "."),
          ),
    );
    replace(more);
    showMore(
      more,
      connection.pageInfo,
      async (after) => {
        const next = await gql(QUERY, { first: PAGE_SIZE, after, status });
        draw(next.leads);
        ctx.announce(`Showing ${shown.length} of ${next.leads.totalCount}.`);
      },
    );
  }
  draw(first.leads);
}
