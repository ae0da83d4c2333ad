// The reference data every page speaks in: role names and descriptions, relationship types,
// their role rules and their grant terms (durations, extension), and API clients' scopes. Read once per tab from the
// API, never repeated here.

import { gql } from "./graphql.js";

const QUERY = `
query Catalog {
  roleDefinitions { key name description privileged }
  relationshipTypes {
    type name indefiniteArticle description roleRule fixedRoles timeBound
    grantTerms { minDurationDays maxDurationDays defaultDurationDays autoExtensionDays rolesNeverAutoExtended }
  }
  apiScopes { key wire description }
}`;

let loading = null;

/** { roles: Map(key -> role), types: Map(type -> info), scopes: Map(key -> scope) } */
export function catalog() {
  loading ??= gql(QUERY).then(
    (data) => ({
      roles: new Map(data.roleDefinitions.map((role) => [role.key, role])),
      types: new Map(data.relationshipTypes.map((type) => [type.type, type])),
      scopes: new Map(data.apiScopes.map((scope) => [scope.key, scope])),
    }),
    (error) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}

export function roleName(cat, key) {
  return cat.roles.get(key)?.name ?? key;
}

export function typeName(cat, type) {
  return cat.types.get(type)?.name ?? type;
}

/** The type's name after its article, from the type's data: "an Advisor", "a Reseller";
 * `capital` to start a sentence with it ("An Advisor"). */
export function typeWithArticle(cat, type, { capital = false } = {}) {
  const article = cat.types.get(type)?.indefiniteArticle ?? "a";
  const words = `${article} ${typeName(cat, type)}`;
  return capital ? words.charAt(0).toUpperCase() + words.slice(1) : words;
}

/** What a type does with admin roles, in words. */
export function roleRuleWords(cat, info) {
  if (info.roleRule === "NONE") return "No admin roles.";
  if (info.roleRule === "FIXED") {
    return `Always grants ${info.fixedRoles.map((key) => roleName(cat, key)).join(" and ")}; no roles to choose.`;
  }
  const terms = info.grantTerms;
  const time = terms ? `, for ${terms.minDurationDays} to ${terms.maxDurationDays} days, optionally extended automatically` : "";
  return `One or more admin roles you choose${time}.`;
}

/** A time-bound type's terms in the words of the invitation form's hints. */
export function termsWords(cat, terms) {
  const never = terms.rolesNeverAutoExtended.map((key) => roleName(cat, key)).join(" or ");
  return {
    duration: `How long the roles last after the customer accepts: ${terms.minDurationDays} to ${terms.maxDurationDays} days.`,
    autoExtend: `At the end date, the roles extend by ${terms.autoExtensionDays} days at a time.${never ? ` Not with ${never}.` : ""}`,
  };
}
