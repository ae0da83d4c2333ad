// `/bulk-operations/:id`: a bulk operation's progress, followed live (bulkOperationChanged)
// and drawn in place until it completes, and its per-item results in the order given (a
// refused one says why), a page of 100 at a time, read again at most once a second while
// the operation moves. Its kind names the page: a bulk send, an access assignment or an
// ending of delegated admin relationships.

import { badge, date, h, replace, showMore, table, words } from "../dom.js";
import { gql } from "../graphql.js";
import { liveConnection } from "../live.js";

const REFRESH_MS = 1000;
const LIVE = `
subscription BulkOperationChanged($id: ID!) {
  bulkOperationChanged(id: $id) { id kind status total succeeded failed pending createdAt finishedAt }
}`;
const QUERY = `
query BulkOperation($id: ID!, $after: String) {
  bulkOperation(id: $id) {
    id kind status total succeeded failed pending createdAt finishedAt
    items(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { customerEmail customerId status errorCode errorMessage customer { name } delegatedAdminRelationship { displayName } } }
    }
  }
}`;

// Each kind's page: its title, where it was started from, and what a success is called.
const KINDS = {
  SEND_INVITATIONS: { title: "Bulk send", back: ["/templates", "Invitation templates"], done: "sent" },
  ASSIGN_ACCESS: { title: "Bulk access assignment", back: ["/customers", "Customers"], done: "assigned" },
  END_DELEGATED_ADMIN: { title: "Bulk ending of delegated admin relationships", back: ["/customers", "Customers"], done: "ended" },
};
const kindOf = (operation) => KINDS[operation.kind] ?? KINDS.SEND_INVITATIONS;

function itemsTable(operation, items) {
  const ending = operation.kind === "END_DELEGATED_ADMIN";
  return table({
    caption: "Results per customer",
    columns: [
      { label: "Customer", cell: (i) => (i.customer ? `${i.customer.name} (${i.customerEmail})` : i.customerEmail || "Not one of your customers") },
      ending ? { label: "Delegated admin relationship", cell: (i) => i.delegatedAdminRelationship?.displayName ?? "" } : null,
      { label: "Result", cell: (i) => badge(i.status) },
      { label: "Why", cell: (i) => (i.errorCode ? `${words(i.errorCode)}: ${i.errorMessage ?? ""}` : "") },
    ].filter(Boolean),
    rows: items,
  });
}

function progressOf(operation) {
  const done = operation.total - operation.pending;
  return [
    h(
      "p",
      { class: "meta" },
      badge(operation.status),
      " Started ",
      date(operation.createdAt, { withTime: true }),
      operation.finishedAt ? [", finished ", date(operation.finishedAt, { withTime: true })] : null,
    ),
    h("progress", { max: operation.total, value: done, "aria-label": "Items done" }),
    h(
      "p",
      { class: "counts" },
      `${operation.succeeded} ${kindOf(operation).done}, ${operation.failed} refused, ${operation.pending} to go, of ${operation.total}.`,
    ),
  ];
}

export async function render(ctx) {
  const id = ctx.params.id;
  const data = await gql(QUERY, { id, after: null });
  if (!ctx.current()) return;
  const operation = data.bulkOperation;
  if (!operation) {
    replace(ctx.container, h("h1", {}, "Bulk operation not found"), h("p", {}, "It does not exist, or it is not your organization's."));
    return;
  }
  const progress = h("section", { class: "card", "aria-label": "Progress", "aria-live": "polite" });
  const results = h("div", { class: "results" });
  const more = h("div", { class: "more" });
  const load = async (after) => {
    const next = (await gql(QUERY, { id, after })).bulkOperation;
    results.append(itemsTable(operation, next.items.edges.map((e) => e.node)));
    replace(more);
    showMore(more, next.items.pageInfo, load);
  };
  const drawItems = (shown) => {
    replace(results, itemsTable(operation, shown.items.edges.map((e) => e.node)));
    replace(more);
    showMore(more, shown.items.pageInfo, load);
  };
  const kind = kindOf(operation);
  replace(
    ctx.container,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: kind.back[0] }, `← ${kind.back[1]}`)),
    h("h1", {}, kind.title),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    progress,
    h("h2", {}, "Results"),
    results,
    more,
  );
  replace(progress, ...progressOf(operation));
  drawItems(operation);
  if (operation.status === "COMPLETED") return;

  // The first page of results is read again a second after a change, once for any number
  // of changes in that second: the last read follows the last change.
  let refresh = null;
  const refreshItems = () => {
    refresh ??= setTimeout(async () => {
      refresh = null;
      const fresh = (await gql(QUERY, { id, after: null })).bulkOperation;
      if (ctx.current() && fresh) drawItems(fresh);
    }, REFRESH_MS);
  };
  const live = liveConnection();
  ctx.onLeave(() => {
    live.close();
    clearTimeout(refresh);
  });
  live.subscribe(LIVE, { id }, (data) => {
    const changed = data.bulkOperationChanged;
    if (!ctx.current() || !changed) return;
    replace(progress, ...progressOf(changed));
    refreshItems();
  });
}
