// Starts GraphiQL on Partnerhub's own copy of its files (see api/graphiql.py). It lives in a
// file rather than inline because the page's policy runs only this origin's files.
"use strict";

const WELCOME = `# Partnerhub's GraphQL API
#
# What acts for someone needs a viewer: sign in to the console in this browser (its session
# works here too), or under Headers, below, write a bearer token:
#   {"Authorization": "Bearer <token>"}
# (the console's Security page and \`partnerhub create-token\` make one).
# Headers are not saved: they leave with the tab.
#
# Ctrl-Enter runs the query, Ctrl-Space completes, and Docs shows the whole schema.

{
  relationshipTypes {
    type
    description
  }
}
`;

// A request that the console's session cookie signs in must echo its CSRF cookie (api/csrf.py).
function withCsrfToken(url, init = {}) {
  const cookie = document.cookie.split("; ").find((pair) => pair.startsWith("partnerhub_csrf="));
  const headers = new Headers(init.headers);
  if (cookie) headers.set("X-CSRF-Token", decodeURIComponent(cookie.split("=")[1]));
  return window.fetch(url, { ...init, headers });
}

const fetcher = GraphiQL.createFetcher({ url: "/graphql", fetch: withCsrfToken });

ReactDOM.render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: WELCOME,
    defaultEditorToolsVisibility: "headers",
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
  }),
  document.getElementById("graphiql"),
);
