// Starts GraphiQL on Partnerhub's own copy of its files (see api/graphiql.py). It lives in a
// file rather than inline because the page's policy runs only this origin's files.
"use strict";

const WELCOME = `# Partnerhub's GraphQL API
#
# What acts for someone needs their bearer token: under Headers, below, write
#   {"Authorization": "Bearer <token>"}
# (\`partnerhub dev\` prints the demo users' tokens; \`partnerhub create-token\` makes one).
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

const fetcher = GraphiQL.createFetcher({ url: "/graphql" });

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
