// The console: who is signed in, which side they see, and which page the address shows.

import { h, replace } from "./dom.js";
import { ApiError, gql, UNAUTHENTICATED_EVENT } from "./graphql.js";
import { homeFor, match, navFor } from "./routes.js";

const VIEWER = `
query Viewer {
  viewer { id email displayName roles opensLists mustChangePassword mfaEnrollmentRequired canManagePeople organization { id name kind } }
}`;
const SIGN_OUT = `mutation SignOut { signOut(input: {}) { sessionsEnded errors { message } } }`;
// Where someone holding a temporary password may go until they change it.
const CHANGE_PASSWORD_PATH = "/change-password";
// Where someone who must use a second factor and has none may go until they set one up.
const AUTHENTICATOR_PATH = "/security/authenticator";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const account = document.getElementById("account");
const announcer = document.getElementById("announcer");

let viewer = null; // the signed-in user, once read for the browser's session
let navigations = 0;
let pendingNotice = null; // a message for the next page (after a redirect)
let signingIn = false; // a sign-in form is at work: it shows its own refusal

/** Say something to screen-reader users, politely, without moving focus. */
export function announce(message) {
  announcer.textContent = "";
  window.setTimeout(() => (announcer.textContent = message), 50);
}

async function loadViewer() {
  if (viewer) return viewer;
  const data = await gql(VIEWER);
  viewer = data.viewer;
  return viewer;
}

function drawChrome(path) {
  if (!viewer) {
    nav.hidden = true;
    replace(nav);
    // A visitor: the directory is open to them, and sign-in is one click away.
    replace(
      account,
      h("a", { href: "/directory", class: "quiet", "aria-current": path === "/directory" ? "page" : null }, "Find a partner"),
      path === "/signin" ? null : h("a", { href: "/signin", class: "button quiet" }, "Sign in"),
    );
    return;
  }
  const org = viewer.organization;
  const side = org.kind === "CUSTOMER" ? "Admin center" : "Partner portal";
  replace(
    account,
    h(
      "span",
      { class: "who" },
      h("span", { class: "who-name" }, viewer.displayName || viewer.email),
      h("span", { class: "who-org" }, `${org.name} · ${side}`),
    ),
    h("button", { type: "button", class: "quiet", onclick: () => signOut() }, "Sign out"),
  );
  nav.hidden = false;
  replace(
    nav,
    h(
      "ul",
      {},
      navFor(viewer).map((item) =>
        h("li", {}, h("a", { href: item.path, "aria-current": item.path === path ? "page" : null }, item.label)),
      ),
    ),
  );
}

/** End the session (the service clears its cookies), then show the sign-in page. */
export async function signOut(notice = "You signed out.") {
  try {
    await gql(SIGN_OUT);
  } catch {
    // Gone already, or the service is away: the console forgets the viewer all the same.
  }
  viewer = null;
  pendingNotice = notice;
  navigate("/signin", { replace: true });
}

/** Forget the viewer read so far: the next page reads it again (after a password change). */
export function forgetViewer() {
  viewer = null;
}

/** After a sign-in (the session cookie is set): read the viewer again and go on. */
export async function signedIn(next = "/", notice = null) {
  viewer = null;
  signingIn = true;
  try {
    await loadViewer();
  } finally {
    signingIn = false;
  }
  if (!viewer) return false;
  navigate(next, { notice });
  return true;
}

function safeNext(value) {
  return value && value.startsWith("/") && !value.startsWith("//") ? value : "/";
}

function problemPage(container, title, message, link = { href: "/", label: "Go to the start page" }) {
  document.title = `${title} · Partnerhub`;
  replace(
    container,
    h("h1", { tabindex: "-1" }, title),
    h("p", {}, message),
    link ? h("p", {}, h("a", { href: link.href }, link.label)) : null,
  );
}

// What the page on screen holds open (its live updates), to let go of when another is drawn.
let leaving = [];

async function render({ focus }) {
  const serial = ++navigations;
  leaving.forEach((done) => done());
  leaving = [];
  const url = new URL(window.location.href);
  const container = h("div", { class: "page" }, h("p", { class: "loading", role: "status" }, "Loading…"));
  replace(main, container);
  const current = () => serial === navigations;
  const found = match(url.pathname);
  try {
    await loadViewer();
  } catch (error) {
    if (!current()) return;
    if (error.code !== "UNAUTHENTICATED") {
      drawChrome(url.pathname);
      problemPage(container, "Partnerhub is not answering", error.message, null);
      return;
    }
  }
  if (!current()) return;
  drawChrome(url.pathname);
  if (!found) {
    problemPage(container, "Page not found", "There is no page at this address.");
  } else if (!found.route.public && !viewer) {
    const next = url.pathname + url.search;
    navigate(`/signin?next=${encodeURIComponent(next)}`, { replace: true });
    return;
  } else if (viewer?.mustChangePassword && !["/signin", CHANGE_PASSWORD_PATH].includes(url.pathname)) {
    // A temporary password opens nothing else until it is changed.
    const next = url.pathname + url.search;
    navigate(`${CHANGE_PASSWORD_PATH}?next=${encodeURIComponent(next)}`, { replace: true });
    return;
  } else if (viewer?.mfaEnrollmentRequired && !["/signin", AUTHENTICATOR_PATH].includes(url.pathname)) {
    // A session limited to enrolment opens nothing else until an authenticator is set up.
    const next = url.pathname + url.search;
    navigate(`${AUTHENTICATOR_PATH}?next=${encodeURIComponent(next)}`, { replace: true });
    return;
  } else if (found.route.side && viewer && found.route.side !== viewer.organization.kind) {
    const who = found.route.side === "CUSTOMER" ? "customer admins" : "partner agents";
    problemPage(container, "Not available", `This page is for ${who}.`, {
      href: homeFor(viewer),
      label: "Go to your start page",
    });
  } else {
    const notice = pendingNotice;
    pendingNotice = null;
    try {
      const page = await found.route.load();
      if (!current()) return;
      await page.render({
        container,
        params: found.params,
        query: url.searchParams,
        viewer,
        notice,
        navigate,
        announce,
        signedIn: (next, notice = null) => signedIn(safeNext(next), notice),
        signOut,
        forgetViewer,
        safeNext,
        current,
        onLeave: (done) => leaving.push(done),
        rerender: (message = null) => {
          pendingNotice = message;
          return render({ focus: true });
        },
      });
    } catch (error) {
      if (!current()) return;
      if (error.code === "UNAUTHENTICATED") return; // the sign-in page is on its way
      if (error.code === "PASSWORD_CHANGE_REQUIRED") {
        viewer = null; // read again: it now says the password must change
        navigate(`${CHANGE_PASSWORD_PATH}?next=${encodeURIComponent(url.pathname + url.search)}`, { replace: true });
        return;
      }
      if (error.code === "MFA_ENROLLMENT_REQUIRED") {
        viewer = null; // read again: it now says an authenticator must be set up
        navigate(`${AUTHENTICATOR_PATH}?next=${encodeURIComponent(url.pathname + url.search)}`, { replace: true });
        return;
      }
      if (!(error instanceof ApiError)) console.error(error); // a fault of the console itself
      problemPage(
        container,
        error.code === "FORBIDDEN" ? "Not allowed" : "Something went wrong",
        error.message,
      );
    }
  }
  if (!current()) return;
  const heading = container.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    document.title = `${heading.textContent} · Partnerhub`;
    if (focus) heading.focus();
  }
}

/** Go to `path` inside the console, drawing its page. */
export function navigate(path, { replace: replacing = false, notice = null } = {}) {
  if (notice) pendingNotice = notice;
  if (replacing) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  render({ focus: true });
}

function isConsoleLink(anchor, event) {
  if (event.defaultPrevented || event.button !== 0) return false;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return false;
  if (anchor.target || anchor.hasAttribute("download")) return false;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin) return false;
  return !/^\/(graphql|console|dev|healthz|readyz|metrics|auth)(\/|$)/.test(url.pathname);
}

document.addEventListener("click", (event) => {
  const anchor = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (!anchor || !isConsoleLink(anchor, event)) return;
  event.preventDefault();
  const url = new URL(anchor.href, window.location.href);
  navigate(url.pathname + url.search + url.hash);
});

window.addEventListener("popstate", () => render({ focus: true }));

window.addEventListener(UNAUTHENTICATED_EVENT, () => {
  viewer = null;
  const url = new URL(window.location.href);
  if (signingIn || url.pathname === "/signin") return;
  pendingNotice = "Your sign-in is no longer valid. Sign in again.";
  navigate(`/signin?next=${encodeURIComponent(url.pathname + url.search)}`, { replace: true });
});

render({ focus: false });
