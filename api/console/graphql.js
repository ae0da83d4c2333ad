// The console's one door to the service: POST /graphql. The session cookie (HttpOnly) signs
// the browser in; every request echoes the readable CSRF cookie in X-CSRF-Token, which the
// service asks of each state-changing request that the cookie signs in.

const CSRF_COOKIE = "partnerhub_csrf";

/** The CSRF cookie's value, set with the session; null before sign-in. */
function csrfToken() {
  const pair = document.cookie.split("; ").find((item) => item.startsWith(`${CSRF_COOKIE}=`));
  return pair ? decodeURIComponent(pair.slice(CSRF_COOKIE.length + 1)) : null;
}

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
  const { data, errors } = await gqlPartial(query, variables);
  if (errors.length) throw errors[0];
  return data;
}

/**
 * `{ data, errors }`: what the service answered even when some fields were refused, each
 * refusal an ApiError carrying its `path` (a FORBIDDEN nested list is null in `data`).
 * A request refused as a whole (no `data`) throws, as `gql` does.
 */
export async function gqlPartial(query, variables = {}) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const csrf = csrfToken();
  if (csrf) headers["X-CSRF-Token"] = csrf;
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: "same-origin",
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
  const errors = (body.errors ?? []).map((error) => {
    const refusal = new ApiError(error.message, error.extensions?.code ?? "ERROR");
    refusal.path = error.path ?? [];
    return refusal;
  });
  const unauthenticated = errors.find((error) => error.code === "UNAUTHENTICATED");
  if (unauthenticated) {
    window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT, { detail: unauthenticated.message }));
    throw unauthenticated;
  }
  if (errors.length && !body.data) throw errors[0];
  return { data: body.data, errors };
}

/** The payload of mutation `name`, whose `errors` are UserErrors for the form. */
export async function mutate(name, query, input) {
  const data = await gql(query, { input });
  return data[name];
}
