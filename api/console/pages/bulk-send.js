// `/bulk-send`: a partner's admin agent sends one template to many customers from a CSV file:
// one customer a line, its contact email first and, optionally, the customer organization's
// ID second; a first line without an address (a header) is skipped. The service checks each
// customer on its turn, so the page only reads the file; it then follows the operation.

import { h, replace } from "../dom.js";
import { busy, clearErrors, field, formAlert, showErrors, showProblem } from "../forms.js";
import { gql, mutate } from "../graphql.js";

const TEMPLATES = `query BulkTemplates { invitationTemplates { id name } }`;
const SEND = `
mutation SendInvitations($input: SendInvitationsInput!) {
  sendInvitations(input: $input) { bulkOperation { id total } errors { field message code } }
}`;

/** The cells of one CSV line: commas separate, double quotes may wrap a cell. */
function cells(line) {
  const found = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (quoted && char === '"' && line[i + 1] === '"') {
      cell += '"';
      i += 1;
    } else if (char === '"') {
      quoted = !quoted;
    } else if (char === "," && !quoted) {
      found.push(cell.trim());
      cell = "";
    } else {
      cell += char;
    }
  }
  found.push(cell.trim());
  return found;
}

/** The customers of a CSV file's text: [{ customerEmail, customerId }]. */
export function customersOf(text) {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== "");
  const rows = lines.map(cells);
  if (rows.length && !rows[0][0].includes("@")) rows.shift();
  return rows.map(([email, id]) => ({ customerEmail: email ?? "", customerId: id || null }));
}

export async function render(ctx) {
  if (!ctx.viewer.roles.includes("ADMIN_AGENT")) {
    replace(ctx.container, h("h1", {}, "Send to many customers"), h("p", {}, "Only your organization's admin agents run bulk operations."));
    return;
  }
  const data = await gql(TEMPLATES);
  if (!ctx.current()) return;
  const template = h(
    "select",
    { name: "templateId" },
    h("option", { value: "" }, "Choose a template…"),
    data.invitationTemplates.map((t) => h("option", { value: t.id }, t.name)),
  );
  const file = h("input", { type: "file", name: "customers", accept: ".csv,text/csv" });
  // One key per form: sending again after a lost answer returns the same operation.
  const key = crypto.randomUUID();
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-label": "Send a template to many customers" },
    field({ name: "templateId", label: "Template", control: template }),
    field({
      name: "customers",
      label: "Customers (CSV file)",
      hint: "One customer a line: the contact email, then optionally the customer organization's ID. Up to 1,000.",
      control: file,
    }),
    formAlert(),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Send invitations")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const problems = [];
    if (!template.value) problems.push({ field: ["templateId"], message: "Choose a template." });
    if (!file.files.length) problems.push({ field: ["customers"], message: "Choose a CSV file." });
    if (problems.length) return showErrors(form, problems);
    await busy(form, async () => {
      try {
        const customers = customersOf(await file.files[0].text());
        const input = { templateId: template.value, customers, idempotencyKey: key };
        const result = await mutate("sendInvitations", SEND, input);
        if (result.errors.length) return showErrors(form, result.errors);
        ctx.navigate(`/bulk-operations/${encodeURIComponent(result.bulkOperation.id)}`, {
          notice: `Sending to ${result.bulkOperation.total} customers.`,
        });
      } catch (error) {
        showProblem(form, error);
      }
    });
  });
  replace(
    ctx.container,
    h("nav", { class: "crumbs", "aria-label": "Breadcrumb" }, h("a", { href: "/templates" }, "← Invitation templates")),
    h("h1", {}, "Send to many customers"),
    h("p", { class: "lead" }, "Each customer gets the template's invitation; the results show which were sent and why others were refused."),
    data.invitationTemplates.length ? form : h("p", { class: "empty" }, "Save a template first."),
  );
}
