// `/invitations`: the invitations a partner sent, with their status and email status;
// pending ones can be resent (a new link) or canceled. Those that may still change (pending,
// or their email queued) are followed live (invitationChanged): an acceptance, a decline or
// the email going out shows without a reload.

import { catalog, roleName, typeName } from "../catalog.js";
import { ask } from "../dialog.js";
import { badge, date, h, replace, showMore, table, words } from "../dom.js";
import { showErrors, showProblem } from "../forms.js";
import { gql, mutate } from "../graphql.js";
import { liveConnection } from "../live.js";

const PAGE_SIZE = 25;
const STATUSES = ["PENDING", "ACCEPTED", "DECLINED", "CANCELED", "EXPIRED"];
const FIELDS = `id customerEmail type roles durationDays status emailStatus emailAttempts emailError
  createdAt expiresAt customer { id name }`;
const QUERY = `
query Invitations($first: Int, $after: String, $status: InvitationStatus) {
  invitations(first: $first, after: $after, status: $status) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { ${FIELDS} } }
  }
}`;
const LIVE = `
subscription InvitationLive($id: ID!) { invitationChanged(id: $id) { ${FIELDS} } }`;
const RESEND = `
mutation Resend($input: InvitationIdInput!) {
  resendInvitation(input: $input) { invitation { ${FIELDS} } errors { field message code } }
}`;
const CANCEL = `
mutation Cancel($input: InvitationIdInput!) {
  cancelInvitation(input: $input) { invitation { ${FIELDS} } errors { field message code } }
}`;

function emailCell(invitation) {
  const tries = invitation.emailAttempts === 1 ? "1 try" : `${invitation.emailAttempts} tries`;
  return h(
    "span",
    {},
    badge(invitation.emailStatus),
    invitation.emailStatus === "FAILED" ? h("span", { class: "hint" }, ` after ${tries}: ${invitation.emailError ?? "unknown error"}`) : null,
  );
}

/** Ask, then resend or cancel one invitation; true when it changed. */
async function act(invitation, { title, description, name, query }) {
  return ask({
    title,
    description,
    onYes: async (form) => {
      try {
        const payload = await mutate(name, query, { id: invitation.id });
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
}

export async function render(ctx) {
  const status = STATUSES.includes(ctx.query.get("status")) ? ctx.query.get("status") : null;
  const [cat, first] = await Promise.all([catalog(), gql(QUERY, { first: PAGE_SIZE, status })]);
  if (!ctx.current()) return;

  const actions = (invitation) => {
    if (invitation.status !== "PENDING") return "";
    const who = invitation.customerEmail;
    return h(
      "div",
      { class: "row-actions" },
      h(
        "button",
        {
          type: "button",
          "aria-label": `Resend the invitation to ${who}`,
          onclick: async () => {
            const done = await act(invitation, {
              title: "Resend the invitation?",
              description: `${who} gets a new email; the link in the earlier one stops working.`,
              name: "resendInvitation",
              query: RESEND,
            });
            if (done) ctx.rerender(`The invitation to ${who} was sent again.`);
          },
        },
        "Resend",
      ),
      h(
        "button",
        {
          type: "button",
          class: "danger",
          "aria-label": `Cancel the invitation to ${who}`,
          onclick: async () => {
            const done = await act(invitation, {
              title: "Cancel the invitation?",
              description: `Its link stops working and ${who} is told it was withdrawn.`,
              name: "cancelInvitation",
              query: CANCEL,
            });
            if (done) ctx.rerender(`The invitation to ${who} was canceled.`);
          },
        },
        "Cancel",
      ),
    );
  };
  const columns = [
    { label: "Customer", cell: (i) => h("span", {}, i.customerEmail, i.customer ? h("span", { class: "hint" }, ` ${i.customer.name}`) : null) },
    { label: "Type", cell: (i) => typeName(cat, i.type) },
    { label: "Roles", cell: (i) => (i.roles.length ? i.roles.map((r) => roleName(cat, r)).join(", ") : "None") },
    { label: "Status", cell: (i) => badge(i.status) },
    { label: "Email", cell: emailCell },
    { label: "Sent", cell: (i) => date(i.createdAt) },
    { label: "Open until", cell: (i) => (i.status === "PENDING" ? date(i.expiresAt) : "") },
    { label: "Actions", cell: actions },
  ];

  const filter = h(
    "select",
    { id: "status-filter", name: "status" },
    h("option", { value: "" }, "All"),
    STATUSES.map((s) => h("option", { value: s, selected: s === status }, words(s))),
  );
  filter.addEventListener("change", () => {
    ctx.navigate(filter.value ? `/invitations?status=${filter.value}` : "/invitations");
  });
  const list = h("div", { class: "list" });
  const more = h("div", { class: "more" });
  const count = h("p", { class: "count" });
  replace(
    ctx.container,
    h("h1", {}, "Invitations"),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    h("p", { class: "lead" }, "The invitations your organization sent, newest first."),
    h(
      "div",
      { class: "toolbar" },
      h("a", { class: "button primary", href: "/invitations/new" }, "Send an invitation"),
      h("div", { class: "filter" }, h("label", { for: filter.id }, "Status"), filter),
    ),
    count,
    list,
    more,
  );

  const shown = [];
  const live = liveConnection();
  ctx.onLeave(() => live.close());
  const following = new Map();
  const mayChange = (invitation) => invitation.status === "PENDING" || invitation.emailStatus === "QUEUED";
  function follow(invitation) {
    if (following.has(invitation.id) || !mayChange(invitation)) return;
    const stop = live.subscribe(LIVE, { id: invitation.id }, (data) => {
      const changed = data.invitationChanged;
      const at = shown.findIndex((i) => i.id === changed.id);
      if (!ctx.current() || at < 0 || JSON.stringify(shown[at]) === JSON.stringify(changed)) return;
      shown[at] = changed;
      if (!mayChange(changed)) {
        stop();
        following.delete(changed.id);
      }
      drawRows();
    });
    following.set(invitation.id, stop);
  }
  function drawRows() {
    replace(
      list,
      shown.length
        ? table({ caption: "Invitations", columns, rows: shown })
        : h(
            "div",
            { class: "empty" },
            h("p", {}, status ? `No ${words(status).toLowerCase()} invitations.` : "You have not sent any invitations yet."),
            h("p", {}, h("a", { href: "/invitations/new" }, "Send an invitation"), " to a customer's admin by email."),
          ),
    );
  }
  function draw(connection) {
    shown.push(...connection.edges.map((e) => e.node));
    count.textContent = shown.length ? `Showing ${shown.length} of ${connection.totalCount}.` : "";
    drawRows();
    connection.edges.forEach((e) => follow(e.node));
    replace(more);
    showMore(
      more,
      connection.pageInfo,
      async (after) => {
        const next = await gql(QUERY, { first: PAGE_SIZE, after, status });
        draw(next.invitations);
        ctx.announce(`Showing ${shown.length} of ${next.invitations.totalCount}.`);
      },
    );
  }
  draw(first.invitations);
}
