// `/directory/:id`: a partner's directory profile, and its Contact me form. Public: a visitor
// asks the partner to get in touch; each refusal shows next to its field, too many requests
// from one address (RATE_LIMITED) as a message, and a confirmation once it is sent.

import { details, h, replace } from "../dom.js";
import { busy, clearErrors, field, formAlert, showErrors, showProblem } from "../forms.js";
import { gql, mutate } from "../graphql.js";
import { facet, labels, vocabularies } from "../vocabularies.js";

const QUERY = `
query Partner($id: ID!) {
  partner(id: $id) {
    id name description locations industries products organizationSizes languages published
    contact { email phone website }
  }
}`;

const CONTACT = `
mutation ContactPartner($input: ContactPartnerInput!) {
  contactPartner(input: $input) {
    partner { id name }
    errors { field message code }
  }
}`;

function choices(vocab) {
  return h(
    "select",
    { name: vocab.field, required: true },
    h("option", { value: "" }, "Choose…"),
    vocab.values.map((v) => h("option", { value: v.key }, v.label)),
  );
}

function contactForm(ctx, partner, vocabs) {
  const controls = {
    contactName: h("input", { type: "text", name: "contactName", autocomplete: "name", required: true, maxlength: 200 }),
    email: h("input", { type: "email", name: "email", autocomplete: "email", required: true }),
    phone: h("input", { type: "tel", name: "phone", autocomplete: "tel" }),
    organizationName: h("input", { type: "text", name: "organizationName", autocomplete: "organization", required: true, maxlength: 200 }),
    organizationSize: choices(facet(vocabs, "ORGANIZATION_SIZE")),
    location: choices(facet(vocabs, "LOCATION")),
    industry: choices(facet(vocabs, "INDUSTRY")),
    businessNeeds: h("textarea", { name: "businessNeeds", rows: 5, required: true, maxlength: 2000 }),
  };
  // The selects are named for their facet's field; the input names them otherwise.
  for (const [name, control] of Object.entries(controls)) control.name = name;
  const confirmation = h("div", { class: "notice", role: "status", hidden: true });
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-label": "Contact me" },
    h("h2", {}, `Ask ${partner.name} to contact you`),
    field({ name: "contactName", label: "Your name", control: controls.contactName }),
    field({ name: "email", label: "Email", control: controls.email }),
    field({ name: "phone", label: "Phone (optional)", control: controls.phone }),
    field({ name: "organizationName", label: "Organization name", control: controls.organizationName }),
    field({ name: "organizationSize", label: "Organization size", control: controls.organizationSize }),
    field({ name: "location", label: "Location", hint: "Where your organization is.", control: controls.location }),
    field({ name: "industry", label: "Industry focus", control: controls.industry }),
    field({
      name: "businessNeeds",
      label: "Business needs",
      hint: "What you would like help with.",
      control: controls.businessNeeds,
    }),
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Send")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const input = { partnerId: partner.id };
    for (const [name, control] of Object.entries(controls)) input[name] = control.value.trim();
    input.phone ||= null;
    await busy(form, async () => {
      try {
        const payload = await mutate("contactPartner", CONTACT, input);
        if (payload.errors.length) return showErrors(form, payload.errors);
        form.hidden = true;
        confirmation.hidden = false;
        replace(
          confirmation,
          h("h2", { tabindex: "-1" }, "Request sent"),
          h("p", {}, `${payload.partner.name} has your request and will contact you at ${input.email}.`),
        );
        confirmation.querySelector("h2").focus();
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return h("section", { "aria-label": "Contact me" }, form, confirmation);
}

export async function render(ctx) {
  const [vocabs, data] = await Promise.all([vocabularies(), gql(QUERY, { id: ctx.params.id })]);
  if (!ctx.current()) return;
  const partner = data.partner;
  if (!partner) {
    replace(
      ctx.container,
      h("h1", {}, "Partner not found"),
      h("p", {}, "This partner is not listed in the directory."),
      h("p", {}, h("a", { href: "/directory" }, "Find a partner")),
    );
    return;
  }
  const list = (name, keys) => labels(facet(vocabs, name), keys);
  const website = partner.contact.website;
  const profile = h(
    "section",
    { class: "card", "aria-label": "Profile" },
    h("p", { class: "description" }, partner.description),
    details([
      ["Locations", list("LOCATION", partner.locations)],
      ["Industries", list("INDUSTRY", partner.industries)],
      ["Products and services", list("PRODUCT", partner.products)],
      ["Organization sizes served", list("ORGANIZATION_SIZE", partner.organizationSizes)],
      ["Languages", list("LANGUAGE", partner.languages)],
      ["Email", partner.contact.email],
      ["Phone", partner.contact.phone],
      ["Website", website && /^https?:\/\//i.test(website) ? h("a", { href: website, rel: "noopener noreferrer", target: "_blank" }, website) : website],
    ]),
  );
  replace(
    ctx.container,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "/directory" }, "← Find a partner")),
    h("h1", {}, partner.name),
    partner.published ? null : h("p", { class: "notice warn" }, "Not published: only your organization sees this profile."),
    profile,
    contactForm(ctx, partner, vocabs),
  );
}
