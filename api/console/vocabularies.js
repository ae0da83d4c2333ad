// The directory's vocabularies (locations, industries, products and services, organization
// sizes, languages): read once per tab from `directoryVocabularies`, never repeated here.

import { gql } from "./graphql.js";

const QUERY = `
query Vocabularies {
  directoryVocabularies { facet name field values { key label } }
}`;

let loading = null;

/** The facets in the API's order: [{ facet, name, field, values, labels: Map(key -> label) }]. */
export function vocabularies() {
  loading ??= gql(QUERY).then(
    (data) =>
      data.directoryVocabularies.map((v) => ({ ...v, labels: new Map(v.values.map((x) => [x.key, x.label])) })),
    (error) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}

/** The vocabulary of one facet (LOCATION, INDUSTRY...). */
export function facet(vocabs, name) {
  return vocabs.find((v) => v.facet === name);
}

/** Keys as the labels people read, joined. */
export function labels(vocab, keys) {
  return keys.map((key) => vocab?.labels.get(key) ?? key).join(", ");
}
