// The console's one door to the service: POST /graphql with the tab's bearer token.

import * as session from "./session.js";

/** A top-level GraphQL error (FORBIDDEN, UNAUTHENTICATED...) or a failed request. */
export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.name = "ApiError";
    this.code = code;
  }
}

export const UNAUTHENTICATED_EVENT = "partnerhub:unauthenticated";

/** The `data` of a query or mutation; throws ApiError for a top-level error. */
export async function gql(query, variables = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const bearer = session.token();
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: "omit",
    });
  } catch {
    throw new ApiError("Partnerhub cannot be reached. Check your connection and try again.", "NETWORK");
  }
  let body;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(`Partnerhub answered with an error (HTTP ${response.status}). Try again.`, "SERVER");
  }
  if (body.errors?.length) {
    const [error] = body.errors;
    const code = error.extensions?.code ?? "ERROR";
    if (code === "UNAUTHENTICATED") {
      session.signOut();
      window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT, { detail: error.message }));
    }
    throw new ApiError(error.message, code);
  }
  return body.data;
}

/** The payload of mutation `name`, whose `errors` are UserErrors for the form. */
export async function mutate(name, query, input) {
  const data = await gql(query, { input });
  return data[name];
}
