// The invitation form's pieces, shared by "Send an invitation" and "Send invitation" from a
// lead: the type picker (each type's role rule, from `relationshipTypes`), the role picker
// grouped with descriptions, duration and auto-extend only for time-bound (GDAP) types, and
// the checks and input they make. Field names are the input's, so UserErrors land next to them.

import { roleName, roleRuleWords, termsWords } from "./catalog.js";
import { h, uid } from "./dom.js";
import { busy, clearErrors, field, fieldset, formAlert, showErrors, showProblem } from "./forms.js";

const DEFAULT_TYPE = "GDAP_PARTNER";

function choice(input, name, hint) {
  input.id ||= uid(input.name);
  return h(
    "div",
    { class: "choice" },
    input,
    h("label", { for: input.id }, h("span", { class: "choice-name" }, name), hint ? h("span", { class: "hint" }, hint) : null),
  );
}

function typePicker(cat) {
  const radios = [...cat.types.values()].map((info) =>
    h("input", { type: "radio", name: "type", value: info.type, checked: info.type === DEFAULT_TYPE }),
  );
  const picker = fieldset({
    name: "type",
    legend: "Relationship type",
    className: "field choices types",
    children: h(
      "div",
      { class: "choice-grid" },
      radios.map((radio) => {
        const info = cat.types.get(radio.value);
        return choice(radio, info.name, [info.description, " ", h("strong", {}, roleRuleWords(cat, info))]);
      }),
    ),
  });
  return { picker, radios };
}

function rolePicker(cat) {
  const boxes = [];
  const group = (title, roles) =>
    h(
      "div",
      { class: "role-group" },
      h("h3", {}, title),
      h(
        "div",
        { class: "choice-grid" },
        roles.map((role) => {
          const box = h("input", { type: "checkbox", name: "roles", value: role.key });
          boxes.push(box);
          return choice(box, role.name, role.description);
        }),
      ),
    );
  const all = [...cat.roles.values()];
  const picker = fieldset({
    name: "roles",
    legend: "Admin roles",
    hint: "Ask for the fewest roles the work needs.",
    className: "field choices roles-picker",
    children: [
      group("Standard roles", all.filter((r) => !r.privileged)),
      group("Privileged roles: they can take over the customer's organization", all.filter((r) => r.privileged)),
    ],
  });
  return { picker, boxes };
}

function numberInput(name, { min, max, value = null }) {
  return h("input", { type: "number", name, min, max, step: 1, inputmode: "numeric", value, class: "short" });
}

/** An integer from a number input: null when empty, NaN when not a number. */
function integer(input) {
  if (input.validity.badInput) return Number.NaN;
  if (input.value.trim() === "") return null;
  const value = Number(input.value);
  return Number.isInteger(value) ? value : Number.NaN;
}

/**
 * The invitation form. `email` prefills the contact email; `extra` are more field slots
 * placed after it (the customer picker); `extraInput()` adds their values to the input.
 * `send(input)` runs the mutation and returns its payload; `done(payload)` follows a success.
 */
export function invitationForm({ cat, label, email = "", emailHint, extra = null, extraInput = () => ({}), actions, send, done }) {
  const emailInput = h("input", { type: "email", name: "customerEmail", autocomplete: "email", required: true, value: email });
  const { picker: types, radios } = typePicker(cat);
  const { picker: roles, boxes } = rolePicker(cat);
  const fixedNote = h("p", { class: "notice rule-note", "aria-live": "polite" });
  // The first time-bound type's terms set the fields up; `follow()` applies the chosen type's.
  const firstTerms = [...cat.types.values()].find((info) => info.grantTerms)?.grantTerms;
  const words = firstTerms ? termsWords(cat, firstTerms) : { duration: "", autoExtend: "" };
  const duration = numberInput("durationDays", {
    min: firstTerms?.minDurationDays,
    max: firstTerms?.maxDurationDays,
    value: firstTerms?.defaultDurationDays,
  });
  const autoExtend = h("input", { type: "checkbox", name: "autoExtend", id: uid("auto-extend") });
  const autoExtendHint = uid("auto-extend-hint");
  const autoExtendHintText = h("span", { class: "hint", id: autoExtendHint }, words.autoExtend);
  const autoExtendError = uid("auto-extend-error");
  autoExtend.setAttribute("aria-describedby", `${autoExtendHint} ${autoExtendError}`);
  const timeBound = h(
    "div",
    { class: "time-bound" },
    field({
      name: "durationDays",
      label: "Duration (days)",
      hint: words.duration,
      control: duration,
    }),
    h(
      "div",
      { class: "field choice", dataset: { field: "autoExtend" } },
      autoExtend,
      h(
        "label",
        { for: autoExtend.id },
        h("span", { class: "choice-name" }, "Extend automatically"),
        autoExtendHintText,
      ),
      h("p", { class: "field-error", id: autoExtendError, hidden: true }),
    ),
  );
  const message = h("textarea", { name: "message", rows: 4, maxlength: 2000 });
  const openFor = numberInput("expiresInDays", { min: 1, max: 90, value: 90 });

  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-label": label },
    field({ name: "customerEmail", label: "Customer contact email", hint: emailHint, control: emailInput }),
    extra,
    types,
    fixedNote,
    roles,
    timeBound,
    field({ name: "message", label: "Message (optional)", hint: "Shown in the email, up to 2000 characters.", control: message }),
    field({ name: "expiresInDays", label: "Open for (days)", hint: "How long the customer has to answer: 1 to 90 days.", control: openFor }),
    formAlert(),
    h("div", { class: "actions" }, actions),
  );

  const selectedType = () => cat.types.get(radios.find((r) => r.checked)?.value);
  function follow() {
    const info = selectedType();
    const takesRoles = info?.roleRule === "REQUESTED";
    roles.hidden = roles.disabled = !takesRoles;
    timeBound.hidden = !info?.timeBound;
    for (const control of timeBound.querySelectorAll("input")) control.disabled = !info?.timeBound;
    if (info?.grantTerms) applyTerms(info.grantTerms);
    fixedNote.hidden = !info || takesRoles;
    fixedNote.textContent = !info
      ? ""
      : info.roleRule === "FIXED"
        ? `${info.name} always grants ${info.fixedRoles.map((key) => roleName(cat, key)).join(" and ")}: there are no roles to choose, and no end date.`
        : `${info.name} takes no admin roles: the customer grants the partner no access to its organization's administration.`;
  }
  function applyTerms(terms) {
    const hints = termsWords(cat, terms);
    duration.min = terms.minDurationDays;
    duration.max = terms.maxDurationDays;
    const durationHint = timeBound.querySelector(`[data-field="durationDays"] .hint`);
    if (durationHint) durationHint.textContent = hints.duration;
    autoExtendHintText.textContent = hints.autoExtend;
  }
  radios.forEach((radio) => radio.addEventListener("change", follow));
  follow();

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const info = selectedType();
    const chosen = boxes.filter((b) => b.checked).map((b) => b.value);
    // Only what cannot be sent at all is checked here; the service checks the rest (roles
    // included) and answers every refusal at once, so the form shows them all together.
    const problems = [];
    if (!info) problems.push({ field: ["type"], message: "Choose a relationship type." });
    const days = integer(duration);
    const open = integer(openFor);
    if (info?.timeBound && Number.isNaN(days)) problems.push({ field: ["durationDays"], message: "Enter a whole number of days." });
    if (Number.isNaN(open)) problems.push({ field: ["expiresInDays"], message: "Enter a whole number of days." });
    if (problems.length) return showErrors(form, problems);

    const input = {
      customerEmail: emailInput.value.trim(),
      ...extraInput(),
      type: info.type,
      roles: info.roleRule === "REQUESTED" ? chosen : null,
      durationDays: info.timeBound ? days : null,
      autoExtend: info.timeBound ? autoExtend.checked : null,
      message: message.value.trim() || null,
      expiresInDays: open,
    };
    await busy(form, async () => {
      try {
        const payload = await send(input);
        if (payload.errors.length) return showErrors(form, payload.errors);
        done(payload);
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  return form;
}
