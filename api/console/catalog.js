// The reference data every page speaks in: role names and descriptions, relationship types
// and their role rules. Read once per tab from the API, never repeated here.

import { gql } from "./graphql.js";

const QUERY = `
query Catalog {
  roleDefinitions { key name description privileged }
  relationshipTypes { type name indefiniteArticle description roleRule fixedRoles timeBound }
}`;

let loading = null;

/** { roles: Map(key -> role), types: Map(type -> info) } */
export function catalog() {
  loading ??= gql(QUERY).then(
    (data) => ({
      roles: new Map(data.roleDefinitions.map((role) => [role.key, role])),
      types: new Map(data.relationshipTypes.map((type) => [type.type, type])),
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
  const time = info.timeBound ? ", for 1 to 730 days, optionally extended automatically" : "";
  return `One or more admin roles you choose${time}.`;
}

/** How long an invitation's roles last, in words. */
export function durationWords(cat, type, days, autoExtend) {
  if (!cat.types.get(type)?.timeBound || days === null || days === undefined) return "No end date";
  let text = days === 1 ? "1 day" : `${days} days`;
  if (autoExtend) text += ", then extended automatically by 180 days at a time";
  return text;
}
