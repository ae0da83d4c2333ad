// `/agreement`: the Customer Agreement, and for a customer admin its acceptance ("Accept").

import { date, h, replace } from "../dom.js";
import { busy, clearErrors, formAlert, showErrors, showProblem } from "../forms.js";
import { gql, mutate } from "../graphql.js";

// The customer's acceptance is on each of its relationships.
const STATUS = `
query AgreementStatus {
  relationships(first: 1) {
    edges { node { agreement { accepted version acceptedAt currentVersion acceptedBy { email displayName } } } }
  }
}`;

const ACCEPT = `
mutation AcceptAgreement($input: AcceptAgreementInput!) {
  acceptAgreement(input: $input) {
    agreement { accepted version acceptedAt acceptedBy { email displayName } }
    errors { field message code }
  }
}`;

function terms() {
  return h(
    "section",
    { class: "card prose", "aria-labelledby": "terms-heading" },
    h("h2", { id: "terms-heading" }, "Terms"),
    h(
      "p",
      {},
      "By accepting, your organization agrees to the terms under which solution-provider partners buy services for it, manage its subscriptions, and act on its behalf within the admin roles that it grants them.",
    ),
    h(
      "p",
      {},
      "Until your organization has accepted the current version, no partner may place orders or manage subscriptions on its behalf.",
    ),
    h(
      "p",
      {},
      "Your organization may remove the roles it granted to a partner at any time from the Partner relationships page; access through them ends at once.",
    ),
  );
}

function acceptedText(agreement) {
  const who = agreement.acceptedBy ? agreement.acceptedBy.displayName || agreement.acceptedBy.email : null;
  return h(
    "p",
    { class: "notice" },
    `Your organization accepted version ${agreement.version}`,
    who ? ` (${who})` : null,
    " on ",
    date(agreement.acceptedAt),
    ".",
  );
}

function acceptForm(ctx) {
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-label": "Accept the Customer Agreement" },
    h("p", { dataset: { field: "acceptAgreement" } }, "Accept the Customer Agreement on behalf of your organization.", h("span", { class: "field-error", hidden: true })),
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Accept")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    await busy(form, async () => {
      try {
        const payload = await mutate("acceptAgreement", ACCEPT, { acceptAgreement: true });
        if (payload.errors.length) return showErrors(form, payload.errors);
        ctx.rerender("You accepted the Customer Agreement.");
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}

export async function render(ctx) {
  const customer = ctx.viewer?.organization.kind === "CUSTOMER";
  let agreement = null;
  if (customer) {
    const data = await gql(STATUS);
    if (!ctx.current()) return;
    agreement = data.relationships.edges[0]?.node.agreement ?? null;
  }
  let answer = null;
  if (customer && agreement?.accepted) answer = acceptedText(agreement);
  else if (customer) answer = acceptForm(ctx);
  else if (!ctx.viewer) {
    answer = h("p", {}, h("a", { href: "/signin?next=%2Fagreement" }, "Sign in"), " as an admin of your organization to accept it.");
  }
  replace(
    ctx.container,
    h("h1", {}, "Customer Agreement"),
    ctx.notice ? h("p", { class: "notice", role: "status" }, ctx.notice) : null,
    agreement ? h("p", { class: "lead" }, `Current version: ${agreement.currentVersion}.`) : null,
    terms(),
    answer,
  );
}
