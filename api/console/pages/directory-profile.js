// `/directory-profile`: a partner's admin agent edits its directory profile and publishes or
// withdraws it (updatePartnerProfile). The form starts from the saved profile (the viewer's
// organization's `partnerProfile`, published or not) and sends every field, so emptying one
// clears it; before the first save it starts empty.

import { h, replace, uid } from "../dom.js";
import { busy, clearErrors, field, fieldset, formAlert, showErrors, showProblem } from "../forms.js";
import { gql, mutate } from "../graphql.js";
import { labels, vocabularies } from "../vocabularies.js";

const FIELDS = `id name description locations industries products organizationSizes languages published
  contact { email phone website }`;
const OWN = `query OwnPartnerProfile { viewer { organization { partnerProfile { ${FIELDS} } } } }`;
const UPDATE = `
mutation UpdatePartnerProfile($input: UpdatePartnerProfileInput!) {
  updatePartnerProfile(input: $input) { partner { ${FIELDS} } errors { field message code } }
}`;

function checkboxes(vocab, chosen, keeps) {
  const boxes = vocab.values.map((v) =>
    h("input", { type: "checkbox", name: vocab.field, value: v.key, id: uid(vocab.field), checked: chosen.includes(v.key) }),
  );
  const slot = fieldset({
    name: vocab.field,
    legend: vocab.name,
    hint: keeps && !chosen.length ? "None chosen: the profile keeps what it lists." : null,
    className: "field choices",
    children: h(
      "div",
      { class: "choice-grid" },
      boxes.map((box, i) => h("div", { class: "choice" }, box, h("label", { for: box.id }, vocab.values[i].label))),
    ),
  });
  return { slot, boxes };
}

/** What the directory holds now: the profile as last saved, whenever that was. */
function listing(partner, vocabs) {
  return h(
    "section",
    { class: "card", "aria-labelledby": "listing-heading" },
    h("h2", { id: "listing-heading" }, "Your listing"),
    h("p", {}, partner.published ? "Published: visitors find it in the directory. " : "Not published: only your organization sees it. ", h("a", { href: `/directory/${encodeURIComponent(partner.id)}` }, "See it as visitors do")),
    h(
      "p",
      { class: "meta" },
      vocabs.map((v) => `${v.name}: ${labels(v, partner[v.field]) || "none"}`).join(" · "),
    ),
  );
}

/** The form, from the saved `partner` profile (null before the first save); `justSaved`
 * after a save that succeeded, and only then, says "Saved" and takes focus there. */
function draw(ctx, vocabs, partner = null, justSaved = false) {
  const description = h("textarea", { name: "description", rows: 5, maxlength: 2000 }, partner?.description ?? "");
  const facets = vocabs.map((vocab) => ({ vocab, ...checkboxes(vocab, partner?.[vocab.field] ?? [], !partner) }));
  const email = h("input", { type: "email", name: "contactEmail", autocomplete: "email", value: partner?.contact.email ?? "" });
  const phone = h("input", { type: "tel", name: "contactPhone", autocomplete: "tel", value: partner?.contact.phone ?? "" });
  const website = h("input", { type: "text", name: "website", inputmode: "url", value: partner?.contact.website ?? "" });
  const publish = h(
    "select",
    { name: "published" },
    partner ? null : h("option", { value: "" }, "Leave as it is"),
    h("option", { value: "true", selected: partner?.published === true }, "Published in the directory"),
    h("option", { value: "false", selected: partner?.published === false }, "Not published"),
  );
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-label": "Directory profile" },
    field({ name: "description", label: "Description", hint: "What your organization does, for the people looking for a partner.", control: description }),
    facets.map((f) => f.slot),
    field({ name: "contactEmail", label: "Contact email", control: email }),
    field({ name: "contactPhone", label: "Contact phone", control: phone }),
    field({ name: "website", label: "Website", hint: "An https:// address.", control: website }),
    field({ name: "published", label: "Listing", hint: "A published profile needs a description, a location and a contact email.", control: publish }),
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Save profile")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    // The form shows the saved profile, so it sends every field (an empty one clears it);
    // before the first save, an empty field is simply left out.
    const input = {};
    if (description.value.trim() || partner) input.description = description.value.trim();
    for (const { vocab, boxes } of facets) {
      const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
      if (chosen.length || partner) input[vocab.field] = chosen;
    }
    if (email.value.trim() || partner?.contact.email) input.contactEmail = email.value.trim();
    if (phone.value.trim() || partner?.contact.phone) input.contactPhone = phone.value.trim();
    if (website.value.trim() || partner?.contact.website) input.website = website.value.trim();
    if (publish.value) input.published = publish.value === "true";
    await busy(form, async () => {
      try {
        const payload = await mutate("updatePartnerProfile", UPDATE, input);
        if (payload.errors.length) return showErrors(form, payload.errors);
        draw(ctx, vocabs, payload.partner, true);
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  replace(
    ctx.container,
    h("h1", {}, "Directory profile"),
    h("p", { class: "lead" }, "How your organization appears in Find a partner, where visitors can ask you to contact them."),
    justSaved ? h("p", { class: "notice", role: "status", tabindex: "-1", id: "profile-saved" }, "Saved.") : null,
    partner
      ? listing(partner, vocabs)
      : h("p", { class: "notice" }, "Your organization has no directory profile yet: fill it in and save to create it."),
    form,
  );
  if (justSaved) ctx.container.querySelector("#profile-saved")?.focus();
}

export async function render(ctx) {
  if (!ctx.viewer.roles.includes("ADMIN_AGENT")) {
    replace(ctx.container, h("h1", {}, "Directory profile"), h("p", {}, "Only your organization's admin agents edit its directory profile."));
    return;
  }
  const [vocabs, data] = await Promise.all([vocabularies(), gql(OWN)]);
  if (!ctx.current()) return;
  draw(ctx, vocabs, data.viewer.organization.partnerProfile);
}
