// `/directory`: Find a partner. Anyone may search, signed in or not: a filter per facet of
// the directory's vocabularies, words to look for, and the published profiles that match,
// a page at a time. The filters live in the address, so a search can be shared or reloaded.

import { h, replace, showMore } from "../dom.js";
import { field } from "../forms.js";
import { gql } from "../graphql.js";
import { facet, labels, vocabularies } from "../vocabularies.js";

const PAGE_SIZE = 20;
const QUERY = `
query FindPartners($first: Int, $after: String, $filter: PartnerFilter) {
  partners(first: $first, after: $after, filter: $filter) {
    totalCount totalCountIsExact
    pageInfo { hasNextPage endCursor }
    edges { node { id name description locations industries } }
  }
}`;

/** The filter the address asks for: facet fields with known keys, and the words. */
function wanted(query, vocabs) {
  const filter = {};
  for (const vocab of vocabs) {
    const value = query.get(vocab.field);
    if (value && vocab.labels.has(value)) filter[vocab.field] = [value];
  }
  const text = (query.get("text") ?? "").trim();
  if (text) filter.text = text;
  return filter;
}

function result(partner, vocabs) {
  return h(
    "li",
    { class: "card result" },
    h("h2", {}, h("a", { href: `/directory/${encodeURIComponent(partner.id)}` }, partner.name)),
    h("p", { class: "description" }, partner.description),
    h(
      "p",
      { class: "meta" },
      h("span", {}, "Locations: ", labels(facet(vocabs, "LOCATION"), partner.locations) || "None"),
      " · ",
      h("span", {}, "Industries: ", labels(facet(vocabs, "INDUSTRY"), partner.industries) || "None"),
    ),
  );
}

export async function render(ctx) {
  const vocabs = await vocabularies();
  if (!ctx.current()) return;
  const filter = wanted(ctx.query, vocabs);
  const first = await gql(QUERY, { first: PAGE_SIZE, filter });
  if (!ctx.current()) return;

  const selects = vocabs.map((vocab) =>
    h(
      "select",
      { name: vocab.field },
      h("option", { value: "" }, "Any"),
      vocab.values.map((v) => h("option", { value: v.key, selected: filter[vocab.field]?.[0] === v.key }, v.label)),
    ),
  );
  const text = h("input", { type: "search", name: "text", value: filter.text ?? "" });
  const form = h(
    "form",
    { class: "card form search", role: "search", "aria-label": "Find a partner", novalidate: true },
    field({ name: "text", label: "Words to look for", hint: "In a partner's name and description.", control: text }),
    h(
      "div",
      { class: "facets" },
      vocabs.map((vocab, i) => field({ name: vocab.field, label: vocab.name, control: selects[i] })),
    ),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "submit", class: "primary" }, "Search"),
      h("a", { href: "/directory", class: "button" }, "Clear filters"),
    ),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const params = new URLSearchParams();
    if (text.value.trim()) params.set("text", text.value.trim());
    for (const select of selects) if (select.value) params.set(select.name, select.value);
    const search = params.toString();
    ctx.navigate(search ? `/directory?${search}` : "/directory");
  });

  const count = h("p", { class: "count", role: "status" });
  const list = h("ol", { class: "results plain" });
  const more = h("div", { class: "more" });
  const empty = h("div", { class: "empty" });
  replace(
    ctx.container,
    h("h1", {}, "Find a partner"),
    h("p", { class: "lead" }, "Solution providers listed in the partner directory. Filter by where they work and what they know, then ask one to contact you."),
    form,
    count,
    empty,
    list,
    more,
  );

  let shown = 0;
  function draw(connection) {
    shown += connection.edges.length;
    list.append(...connection.edges.map((e) => result(e.node, vocabs)));
    // Past a limit the service stops counting: "of 100+" then.
    const total = `${connection.totalCount}${connection.totalCountIsExact ? "" : "+"}`;
    count.textContent = shown ? `Showing ${shown} of ${total} partners.` : "";
    replace(
      empty,
      shown
        ? null
        : [
            h("p", {}, "No partner matches this search."),
            h("p", {}, "Try fewer filters or other words, or ", h("a", { href: "/directory" }, "see every partner"), "."),
          ],
    );
    replace(more);
    showMore(
      more,
      connection.pageInfo,
      async (after) => {
        const next = await gql(QUERY, { first: PAGE_SIZE, after, filter });
        draw(next.partners); // the count, a status, tells screen readers how many now
      },
      "More results",
    );
  }
  draw(first.partners);
}
