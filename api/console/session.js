// The bearer token of this browser tab: pasted into the sign-in form, or taken from `?token=`.

const KEY = "partnerhub.token";
// On this page `token` is the invitation's, from the email link: never a sign-in token.
export const ACCEPT_PATH = "/invitations/accept";

export function token() {
  return sessionStorage.getItem(KEY);
}

export function signIn(value) {
  sessionStorage.setItem(KEY, value.trim());
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

/** Sign in with `?token=` from the address bar, then remove it from there (and history). */
export function takeTokenFromAddress() {
  const url = new URL(window.location.href);
  const value = url.searchParams.get("token");
  if (!value || url.pathname === ACCEPT_PATH) return;
  signIn(value);
  url.searchParams.delete("token");
  window.history.replaceState(window.history.state, "", url.pathname + url.search + url.hash);
}
