// `/invitations/accept?token=...`: the page the invitation email links to. Anyone holding
// the link may read what it offers while it is pending, and only its status afterwards (the
// API decides: invitationByToken); a customer admin signs in to accept or decline it, and the
// API says beforehand whether they may accept it, and why not (viewerCanAccept).

import { catalog, roleName, typeName, typeWithArticle } from "../catalog.js";
import { ask } from "../dialog.js";
import { badge, date, details, h, replace, uid } from "../dom.js";
import { busy, clearErrors, formAlert, showErrors, showProblem } from "../forms.js";
import { gql, mutate } from "../graphql.js";
import { signInForm } from "./signin.js";

const QUERY = `
query InvitationByToken($token: String!) {
  invitationByToken(token: $token) {
    id type roles durationDays durationText autoExtend message status expiresAt acceptedAt customerEmail
    partner { id name } viewerCanAccept viewerAcceptRefusal
  }
}`;

const ACCEPT = `
mutation AcceptInvitation($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) {
    relationship { id partner { name } }
    errors { field message code }
  }
}`;

const DECLINE = `
mutation DeclineInvitation($input: InvitationTokenInput!) {
  declineInvitation(input: $input) {
    invitation { id status }
    errors { field message code }
  }
}`;

function answerForm(ctx, invitation, token) {
  const partner = invitation.partner.name;
  const allowed = invitation.viewerCanAccept;
  const box = h("input", { type: "checkbox", id: uid("accept-agreement"), name: "acceptAgreement", disabled: !allowed });
  const accept = h("button", { type: "submit", class: "primary", disabled: true }, "Accept & Authorize");
  const decline = h("button", { type: "button" }, "Decline invitation");
  const errorId = uid("agreement-error");
  box.setAttribute("aria-describedby", errorId);
  // Why this viewer may not accept, as the API says it, before anyone tries.
  const refusal = allowed ? null : h("p", { class: "notice warn", id: uid("accept-refusal") }, invitation.viewerAcceptRefusal);
  if (refusal) accept.setAttribute("aria-describedby", refusal.id);
  box.addEventListener("change", () => (accept.disabled = !allowed || !box.checked));
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-label": "Answer the invitation" },
    h(
      "div",
      { class: "field choice", dataset: { field: "acceptAgreement" } },
      box,
      h(
        "label",
        { for: box.id },
        "I have read and accept the ",
        h("a", { href: "/agreement", target: "_blank", rel: "noopener" }, "Customer Agreement"),
        ` on behalf of my organization, and I authorize ${partner} as described above.`,
      ),
      h("p", { class: "field-error", id: errorId, hidden: true }),
    ),
    refusal,
    formAlert(),
    h("div", { class: "actions" }, accept, decline),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!allowed) return;
    clearErrors(form);
    await busy(form, async () => {
      try {
        const payload = await mutate("acceptInvitation", ACCEPT, { token, acceptAgreement: box.checked });
        if (payload.errors.length) return showErrors(form, payload.errors);
        ctx.rerender(`You accepted the invitation. ${partner} has been told.`);
      } catch (error) {
        showProblem(form, error);
      }
    });
    accept.disabled = !box.checked;
  });
  decline.addEventListener("click", async () => {
    clearErrors(form);
    const done = await ask({
      title: "Decline the invitation?",
      description: `${partner} is told that you declined it, and its link stops working. ${partner} can send a new one later.`,
      onYes: async (question) => {
        try {
          const payload = await mutate("declineInvitation", DECLINE, { token });
          if (payload.errors.length) {
            showErrors(question, payload.errors);
            return false;
          }
        } catch (error) {
          showProblem(question, error);
          return false;
        }
        return true;
      },
    });
    if (done) ctx.rerender(`You declined the invitation. ${partner} has been told.`);
  });
  return form;
}

function answerSection(ctx, invitation, token) {
  if (!ctx.viewer) {
    return signInForm({
      signedIn: ctx.signedIn,
      next: `${window.location.pathname}${window.location.search}`,
      intro: h(
        "p",
        {},
        "To answer, sign in as a Global or Billing Administrator of your organization (accepting admin roles needs a Global or Privileged Role Administrator).",
      ),
    });
  }
  if (ctx.viewer.organization.kind !== "CUSTOMER") {
    return h("p", { class: "notice" }, "Only an admin of the invited customer organization can answer this invitation.");
  }
  return answerForm(ctx, invitation, token);
}

// What the link of an answered, withdrawn or expired invitation still says: its status only.
const CLOSED = {
  ACCEPTED: ["This invitation was accepted", "The customer accepted it, and the relationship began."],
  DECLINED: ["This invitation was declined", "The customer turned it down."],
  CANCELED: ["This invitation was withdrawn", "The partner canceled it."],
  EXPIRED: ["This invitation has expired", "It was not answered in time."],
};

function closedPage(ctx, invitation) {
  const [title, what] = CLOSED[invitation.status] ?? ["This invitation is closed", "It can no longer be answered."];
  const next = invitation.status === "ACCEPTED" ? "" : " To work together, ask the partner for a new invitation.";
  replace(
    ctx.container,
    h("h1", {}, title),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    h(
      "section",
      { class: "card", "aria-label": "Invitation status" },
      details([["Status", badge(invitation.status)]]),
      h("p", {}, `${what} Its link no longer shows what the invitation offered.${next}`),
    ),
    invitation.status === "ACCEPTED" && ctx.viewer?.organization.kind === "CUSTOMER"
      ? h("p", {}, h("a", { href: "/partners" }, "Go to your partner relationships"))
      : null,
  );
}

export async function render(ctx) {
  const token = ctx.query.get("token") ?? "";
  const [cat, data] = await Promise.all([
    catalog(),
    token ? gql(QUERY, { token }) : Promise.resolve({ invitationByToken: null }),
  ]);
  if (!ctx.current()) return;
  const invitation = data.invitationByToken;
  if (!invitation) {
    replace(
      ctx.container,
      h("h1", {}, "This invitation link is not valid"),
      h(
        "p",
        {},
        "It may have been replaced by a newer email from the partner, or copied only in part. Ask the partner to send it again.",
      ),
    );
    return;
  }
  if (invitation.status !== "PENDING") {
    closedPage(ctx, invitation);
    return;
  }
  const partner = invitation.partner.name;
  const type = cat.types.get(invitation.type);
  const roles = invitation.roles.map((key) =>
    h("li", {}, h("span", { class: "choice-name" }, roleName(cat, key)), h("span", { class: "hint" }, cat.roles.get(key)?.description ?? "")),
  );
  const status = h("span", {}, badge("PENDING"), " open until ", date(invitation.expiresAt));
  replace(
    ctx.container,
    h("h1", {}, `${partner} invites you to ${typeWithArticle(cat, invitation.type)} relationship`),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    h(
      "section",
      { class: "card", "aria-label": "What the invitation offers" },
      details([
        ["Partner", partner],
        ["Relationship type", typeName(cat, invitation.type)],
        ["What the partner will be able to do", type?.description],
        ["Admin roles", roles.length ? h("ul", { class: "roles plain" }, roles) : "None"],
        ["Duration", invitation.durationText],
        [`Message from ${partner}`, invitation.message ? h("p", { class: "message" }, invitation.message) : null],
        ["Sent to", invitation.customerEmail],
        ["Status", status],
      ]),
    ),
    answerSection(ctx, invitation, token),
  );
}
