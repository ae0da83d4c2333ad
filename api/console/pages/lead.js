// `/leads/:id`: one lead, its status moves (updateLeadStatus) and Send invitation from it
// (sendInvitationFromLead, prefilled with the lead's email, using the invitation form).
// The service decides which moves are allowed: a refused one is shown as a message.

import { catalog, typeWithArticle } from "../catalog.js";
import { badge, date, details, h, replace, words } from "../dom.js";
import { busy, formAlert, showErrors, showProblem } from "../forms.js";
import { gql, mutate } from "../graphql.js";
import { invitationForm } from "../invitation-form.js";
import { facet, labels, vocabularies } from "../vocabularies.js";

const FIELDS = `id status contactName email phone location organizationName organizationSize industry
  businessNeeds createdAt statusChangedAt invitation { id status type customerEmail }`;
const QUERY = `query Lead($id: ID!) { lead(id: $id) { ${FIELDS} } }`;
const UPDATE = `
mutation UpdateLeadStatus($input: UpdateLeadStatusInput!) {
  updateLeadStatus(input: $input) { lead { id status } errors { field message code } }
}`;
const INVITE = `
mutation SendInvitationFromLead($input: SendInvitationFromLeadInput!) {
  sendInvitationFromLead(input: $input) { lead { id status invitation { customerEmail } } errors { field message code } }
}`;

// The moves a person makes by hand, as LeadStatus documents them; INVITED comes only from
// sending an invitation. The service still decides: a refusal shows as the form's message.
const MOVES = {
  NEW: [{ status: "CONTACTED", label: "Mark as contacted" }, { status: "CLOSED", label: "Close" }],
  CONTACTED: [{ status: "CLOSED", label: "Close" }],
  INVITED: [{ status: "CLOSED", label: "Close" }],
  CLOSED: [{ status: "CONTACTED", label: "Reopen" }],
};

function statusSection(ctx, lead) {
  const form = h(
    "form",
    { class: "card", "aria-label": "Status", novalidate: true },
    h("h2", {}, "Status"),
    h("p", {}, badge(lead.status), lead.statusChangedAt ? h("span", { class: "meta" }, " since ", date(lead.statusChangedAt, { withTime: true })) : null),
    formAlert(),
    h(
      "div",
      { class: "actions" },
      (MOVES[lead.status] ?? []).map((move) =>
        h(
          "button",
          {
            type: "button",
            onclick: () =>
              busy(form, async () => {
                try {
                  const payload = await mutate("updateLeadStatus", UPDATE, { id: lead.id, status: move.status });
                  if (payload.errors.length) return showErrors(form, payload.errors);
                  await ctx.rerender(`The lead is now ${words(payload.lead.status).toLowerCase()}.`);
                } catch (error) {
                  showProblem(form, error);
                }
              }),
          },
          move.label,
        ),
      ),
    ),
  );
  return form;
}

function inviteSection(ctx, cat, lead) {
  if (lead.invitation) {
    const sent = lead.invitation;
    return h(
      "section",
      { class: "card", "aria-label": "Invitation" },
      h("h2", {}, "Invitation"),
      h("p", {}, `${typeWithArticle(cat, sent.type, { capital: true })} invitation was sent to ${sent.customerEmail}: `, badge(sent.status), " "),
      h("p", {}, h("a", { href: "/invitations" }, "See your invitations")),
    );
  }
  if (!["NEW", "CONTACTED"].includes(lead.status)) return null;
  const form = invitationForm({
    cat,
    label: "Send invitation",
    email: lead.email,
    emailHint: "The lead's email; change it to invite another admin of the organization.",
    actions: [h("button", { type: "submit", class: "primary" }, "Send invitation")],
    send: (input) => mutate("sendInvitationFromLead", INVITE, { leadId: lead.id, ...input }),
    done: (payload) => ctx.rerender(`Invitation sent to ${payload.lead.invitation.customerEmail}. The lead is now invited.`),
  });
  return h("section", { "aria-label": "Send invitation" }, h("h2", {}, "Send invitation"), form);
}

export async function render(ctx) {
  const [cat, vocabs, data] = await Promise.all([catalog(), vocabularies(), gql(QUERY, { id: ctx.params.id })]);
  if (!ctx.current()) return;
  const lead = data.lead;
  const crumbs = h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "/leads" }, "← Leads"));
  if (!lead) {
    replace(ctx.container, crumbs, h("h1", {}, "Lead not found"), h("p", {}, "Your organization has no lead at this address."));
    return;
  }
  const label = (name, key) => labels(facet(vocabs, name), [key]);
  replace(
    ctx.container,
    crumbs,
    h("h1", {}, `${lead.contactName}, ${lead.organizationName}`),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    h(
      "section",
      { class: "card", "aria-label": "Request" },
      details([
        ["Contact", lead.contactName],
        ["Email", h("a", { href: `mailto:${lead.email}` }, lead.email)],
        ["Phone", lead.phone],
        ["Organization", lead.organizationName],
        ["Organization size", label("ORGANIZATION_SIZE", lead.organizationSize)],
        ["Location", label("LOCATION", lead.location)],
        ["Industry focus", label("INDUSTRY", lead.industry)],
        ["Received", date(lead.createdAt, { withTime: true })],
      ]),
      h("h2", { class: "subhead" }, "Business needs"),
      h("p", { class: "message" }, lead.businessNeeds),
    ),
    statusSection(ctx, lead),
    inviteSection(ctx, cat, lead),
  );
}
