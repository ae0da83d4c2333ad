// `/invitations/new`: a partner invites a customer. The form (invitation-form.js) follows the
// chosen type's role rule: roles only where the type takes them, and required there;
// duration and auto-extend only for time-bound (GDAP) types.

import { catalog } from "../catalog.js";
import { h, replace } from "../dom.js";
import { field } from "../forms.js";
import { gql, mutate } from "../graphql.js";
import { invitationForm } from "../invitation-form.js";

const CUSTOMERS = `
query KnownCustomers {
  relationships(first: 100) { edges { node { customer { id name } } } }
}`;

const SEND = `
mutation SendInvitation($input: SendInvitationInput!) {
  sendInvitation(input: $input) {
    invitation { id customerEmail }
    errors { field message code }
  }
}`;

export async function render(ctx) {
  const [cat, known] = await Promise.all([catalog(), gql(CUSTOMERS)]);
  if (!ctx.current()) return;
  const customers = new Map(known.relationships.edges.map((e) => [e.node.customer.id, e.node.customer.name]));
  const customer = h(
    "select",
    { name: "customerId" },
    h("option", { value: "" }, "Any organization: whoever accepts it"),
    [...customers].map(([id, name]) => h("option", { value: id }, name)),
  );
  const form = invitationForm({
    cat,
    label: "Send an invitation",
    emailHint: "An admin of the customer: the invitation link goes there.",
    extra: field({
      name: "customerId",
      label: "Customer organization (optional)",
      hint: "Address it to one of your customers: only its admins can accept it.",
      control: customer,
    }),
    extraInput: () => ({ customerId: customer.value || null }),
    actions: [h("button", { type: "submit", class: "primary" }, "Send invitation"), h("a", { href: "/invitations", class: "button" }, "Cancel")],
    send: (input) => mutate("sendInvitation", SEND, input),
    done: (payload) =>
      ctx.navigate("/invitations", { notice: `Invitation sent to ${payload.invitation.customerEmail}. Its email is on its way.` }),
  });

  replace(
    ctx.container,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "/invitations" }, "← Invitations")),
    h("h1", {}, "Send an invitation"),
    h("p", { class: "lead" }, "Invite a customer to a relationship. Its admin gets an email with a link to review and accept it, together with the Customer Agreement."),
    form,
  );
}
