// The console's pages: one module each, loaded when first visited. A page for a new area is
// one module under pages/ and one entry here (and in NAV when people should find it there),
// with its path in CONSOLE_PATHS of api/pages.py, so that the server answers it.
//
// `side` names the organization kind a page is for; `public` pages need no sign-in.

export const ROUTES = [
  { path: "/", load: () => import("./pages/home.js"), public: true },
  { path: "/signin", load: () => import("./pages/signin.js"), public: true },
  { path: "/forgot-password", load: () => import("./pages/forgot-password.js"), public: true },
  { path: "/set-password", load: () => import("./pages/set-password.js"), public: true },
  { path: "/change-password", load: () => import("./pages/change-password.js") },
  { path: "/security", load: () => import("./pages/security.js") },
  { path: "/single-sign-on", load: () => import("./pages/single-sign-on.js") },
  { path: "/people", load: () => import("./pages/people.js") },
  { path: "/security/authenticator", load: () => import("./pages/authenticator.js") },
  { path: "/invitations/accept", load: () => import("./pages/invitation.js"), public: true },
  { path: "/agreement", load: () => import("./pages/agreement.js"), public: true },
  { path: "/directory", load: () => import("./pages/directory.js"), public: true },
  { path: "/directory/:id", load: () => import("./pages/partner.js"), public: true },
  { path: "/organization", load: () => import("./pages/customer-data.js"), side: "CUSTOMER" },
  { path: "/partners", load: () => import("./pages/relationships.js"), side: "CUSTOMER" },
  { path: "/partners/:id", load: () => import("./pages/relationship.js"), side: "CUSTOMER" },
  { path: "/invitations", load: () => import("./pages/invitations.js"), side: "PARTNER" },
  { path: "/invitations/new", load: () => import("./pages/send-invitation.js"), side: "PARTNER" },
  { path: "/customers", load: () => import("./pages/relationships.js"), side: "PARTNER" },
  { path: "/customers/:id", load: () => import("./pages/relationship.js"), side: "PARTNER" },
  { path: "/customer-data/:id", load: () => import("./pages/customer-data.js"), side: "PARTNER" },
  { path: "/leads", load: () => import("./pages/leads.js"), side: "PARTNER" },
  { path: "/leads/:id", load: () => import("./pages/lead.js"), side: "PARTNER" },
  { path: "/directory-profile", load: () => import("./pages/directory-profile.js"), side: "PARTNER" },
  { path: "/security-groups", load: () => import("./pages/security-groups.js"), side: "PARTNER" },
  { path: "/templates", load: () => import("./pages/templates.js"), side: "PARTNER" },
  { path: "/bulk-send", load: () => import("./pages/bulk-send.js"), side: "PARTNER" },
  { path: "/bulk-operations/:id", load: () => import("./pages/bulk-operation.js"), side: "PARTNER" },
];

// A NAV entry with a `role` shows only to viewers holding it; one with a `list` only to
// viewers whose roles open that list (`viewer.opensLists`), and one with `can` only to
// viewers whose account says so (`viewer { canManagePeople }`): the service decides.
export const NAV = {
  CUSTOMER: [
    { path: "/partners", label: "Partner relationships", list: "relationships" },
    { path: "/organization", label: "Your organization", list: "customers" },
    { path: "/agreement", label: "Customer Agreement" },
    { path: "/people", label: "People", can: "canManagePeople" },
    { path: "/directory", label: "Find a partner" },
    { path: "/security", label: "Security" },
    { path: "/single-sign-on", label: "Single sign-on", role: "GLOBAL_ADMINISTRATOR" },
  ],
  PARTNER: [
    { path: "/invitations", label: "Invitations", list: "invitations" },
    { path: "/invitations/new", label: "Send an invitation", list: "invitations" },
    { path: "/customers", label: "Customers", list: "customers" },
    { path: "/leads", label: "Leads", list: "leads" },
    { path: "/directory-profile", label: "Directory profile", role: "ADMIN_AGENT" },
    { path: "/security-groups", label: "Security groups", role: "ADMIN_AGENT" },
    { path: "/templates", label: "Templates", list: "invitationTemplates" },
    { path: "/people", label: "People", can: "canManagePeople" },
    { path: "/directory", label: "Find a partner" },
    { path: "/security", label: "Security" },
    { path: "/single-sign-on", label: "Single sign-on", role: "ADMIN_AGENT" },
  ],
};

/** The NAV entries `viewer` may open. */
export function navFor(viewer) {
  const lists = viewer.opensLists ?? [];
  return NAV[viewer.organization.kind].filter(
    (item) =>
      (!item.role || viewer.roles.includes(item.role)) &&
      (!item.list || lists.includes(item.list)) &&
      (!item.can || viewer[item.can]),
  );
}

/** Where `viewer` starts: the first list of their side's NAV that their roles open, or
 * else their own Security page, which every signed-in person may use. */
export function homeFor(viewer) {
  return navFor(viewer).find((item) => item.list)?.path ?? "/security";
}

/** The route for `pathname`, with its `:params`; null when no page has that address. */
export function match(pathname) {
  const segments = pathname.split("/").filter(Boolean);
  for (const route of ROUTES) {
    const pattern = route.path.split("/").filter(Boolean);
    if (pattern.length !== segments.length) continue;
    const params = {};
    const fits = pattern.every((part, i) => {
      if (!part.startsWith(":")) return part === segments[i];
      try {
        params[part.slice(1)] = decodeURIComponent(segments[i]);
        return true;
      } catch {
        return false;
      }
    });
    if (fits) return { route, params };
  }
  return null;
}
