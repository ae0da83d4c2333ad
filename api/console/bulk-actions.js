// Bulk actions on the customers a partner's admin agent selects in the customers list: give
// a security group the same granted roles for each selected customer (assignAccessInBulk),
// or end each selected delegated admin relationship (endDelegatedAdminRelationshipsInBulk).
// Each starts a bulk operation the workers run; the page then follows it live
// (`/bulk-operations/:id`), as for a bulk send.

import { roleName } from "./catalog.js";
import { ask } from "./dialog.js";
import { h, replace } from "./dom.js";
import { busy, clearErrors, field, fieldset, formAlert, showErrors, showProblem } from "./forms.js";
import { gql, mutate } from "./graphql.js";

const GROUPS = `query BulkGroups { securityGroups(first: 100) { edges { node { id name } } } }`;
const ASSIGN = `
mutation AssignAccessInBulk($input: AssignAccessInBulkInput!) {
  assignAccessInBulk(input: $input) { bulkOperation { id total } errors { field message code } }
}`;
const END = `
mutation EndDelegatedAdminRelationshipsInBulk($input: EndDelegatedAdminRelationshipsInBulkInput!) {
  endDelegatedAdminRelationshipsInBulk(input: $input) { bulkOperation { id total } errors { field message code } }
}`;

/** What is selected: customers (by organization ID) and delegated admin relationships. */
export function selection(onChange) {
  const customers = new Set();
  const dars = new Set();
  const box = (set, id, label) => {
    const input = h("input", { type: "checkbox", checked: set.has(id), "aria-label": label });
    input.addEventListener("change", () => {
      if (input.checked) set.add(id);
      else set.delete(id);
      onChange();
    });
    return input;
  };
  return {
    customers,
    dars,
    customerBox: (id, name) => box(customers, id, `Select ${name}`),
    darBox: (id, name) => box(dars, id, `Select ${name}`),
  };
}

function follow(ctx, result, what) {
  ctx.navigate(`/bulk-operations/${encodeURIComponent(result.bulkOperation.id)}`, {
    notice: `${what}: ${result.bulkOperation.total} started.`,
  });
}

/** The bulk actions panel; `chosen` is a `selection()`. Call `panel.update()` on a change. */
export async function bulkActions(ctx, cat, chosen) {
  const groups = (await gql(GROUPS)).securityGroups.edges.map((e) => e.node);
  const said = h("p", { class: "meta", "aria-live": "polite" });
  const group = h(
    "select",
    { name: "securityGroupId" },
    h("option", { value: "" }, "Choose a group…"),
    groups.map((g) => h("option", { value: g.id }, g.name)),
  );
  const roleBoxes = [...cat.roles.keys()].map((key) =>
    h("label", { class: "check" }, h("input", { type: "checkbox", name: "roles", value: key }), ` ${roleName(cat, key)}`),
  );
  // One key per panel: submitting again after a lost answer returns the same operation.
  const assignKey = crypto.randomUUID();
  const endKey = crypto.randomUUID();
  const assignButton = h("button", { type: "submit", class: "primary" }, "Assign to selected customers");
  const assign = h(
    "form",
    { class: "form", novalidate: true, "aria-label": "Assign a group's roles to the selected customers" },
    field({ name: "securityGroupId", label: "Security group", control: group }),
    fieldset({
      name: "roles",
      legend: "Roles to assign",
      hint: "Each customer must have granted each role; a customer that has not is reported in the results.",
      children: roleBoxes,
    }),
    formAlert(),
    h("div", { class: "actions" }, assignButton),
  );
  assign.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(assign);
    const roles = [...assign.querySelectorAll("input[name=roles]:checked")].map((i) => i.value);
    const problems = [];
    if (!group.value) problems.push({ field: ["securityGroupId"], message: "Choose a group." });
    if (!roles.length) problems.push({ field: ["roles"], message: "Choose at least one role." });
    if (problems.length) return showErrors(assign, problems);
    await busy(assign, async () => {
      try {
        const input = { securityGroupId: group.value, roles, customerIds: [...chosen.customers], idempotencyKey: assignKey };
        const result = await mutate("assignAccessInBulk", ASSIGN, input);
        if (result.errors.length) return showErrors(assign, result.errors);
        follow(ctx, result, "Access assignment");
      } catch (error) {
        showProblem(assign, error);
      }
    });
  });
  const endButton = h("button", { type: "button", class: "danger" }, "End selected delegated admin relationships");
  endButton.addEventListener("click", () =>
    ask({
      title: "End the selected delegated admin relationships?",
      description: `${chosen.dars.size} will end: the partner's access through their roles stops, unless another relationship grants the same role.`,
      yes: "End them",
      no: "Keep them",
      onYes: async (form) => {
        try {
          const input = { ids: [...chosen.dars], idempotencyKey: endKey };
          const result = await mutate("endDelegatedAdminRelationshipsInBulk", END, input);
          if (result.errors.length) {
            showErrors(form, result.errors);
            return false;
          }
          follow(ctx, result, "Ending");
          return true;
        } catch (error) {
          showProblem(form, error);
          return false;
        }
      },
    }),
  );
  const panel = h(
    "section",
    { class: "card", "aria-label": "Bulk actions" },
    h("h2", {}, "Bulk actions"),
    said,
    assign,
    h("div", { class: "actions" }, endButton),
  );
  panel.update = () => {
    const customers = chosen.customers.size;
    const dars = chosen.dars.size;
    replace(said, `${customers} customer${customers === 1 ? "" : "s"} and ${dars} delegated admin relationship${dars === 1 ? "" : "s"} selected.`);
    assignButton.disabled = customers === 0;
    endButton.disabled = dars === 0;
  };
  panel.update();
  return panel;
}
