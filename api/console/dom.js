// Building DOM nodes from data. Text always goes in as text, never as markup.

/** An element: attributes (on* names add listeners), then children (nodes, text, arrays). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "class") {
      element.className = value;
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(element, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

/** Replace everything inside `element` with `children`. */
export function replace(element, ...children) {
  element.replaceChildren();
  return append(element, children);
}

let serial = 0;
/** A fresh id for tying labels, hints and errors to controls. */
export function uid(prefix = "id") {
  serial += 1;
  return `${prefix}-${serial}`;
}

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium" });
const dateTimeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" });

/** A date for people, in a <time> element carrying the exact moment. */
export function date(iso, { withTime = false } = {}) {
  if (!iso) return null;
  const moment = new Date(iso);
  const format = withTime ? dateTimeFormat : dateFormat;
  return h("time", { datetime: iso, title: dateTimeFormat.format(moment) }, format.format(moment));
}

/** "PENDING" -> "Pending", "REVOKING" -> "Revoking". */
export function words(key) {
  if (!key) return "";
  const text = key.replaceAll("_", " ").toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A status as a small badge, its tone by its meaning. */
export function badge(status, label = words(status)) {
  const tone =
    {
      ACTIVE: "good", ACCEPTED: "good", SENT: "good",
      PENDING: "info", QUEUED: "info", REVOKING: "warn", RUNNING: "warn",
      APPROVAL_PENDING: "info", EXPIRING: "warn", TERMINATED: "muted",
      SUCCEEDED: "good", COMPLETED: "good",
      FAILED: "bad", EXPIRED: "muted", REVOKED: "muted", ENDED: "muted",
      DECLINED: "muted", CANCELED: "muted",
      NEW: "info", CONTACTED: "warn", INVITED: "good", CLOSED: "muted", DISABLED: "bad",
    }[status] ?? "muted";
  return h("span", { class: `badge badge-${tone}` }, label);
}

/** A definition list from [term, description] pairs; empty descriptions are left out. */
export function details(pairs) {
  return h(
    "dl",
    { class: "details" },
    pairs
      .filter(([, description]) => description !== null && description !== undefined && description !== "")
      .map(([term, description]) => h("div", {}, h("dt", {}, term), h("dd", {}, description))),
  );
}

/** A table whose rows stack as cards on a narrow screen (each cell labelled by its column). */
export function table({ caption, columns, rows, rowClass = () => null }) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "data" },
      caption ? h("caption", { class: "visually-hidden" }, caption) : null,
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label)))),
      h(
        "tbody",
        {},
        rows.map((row) =>
          h(
            "tr",
            { class: rowClass(row) },
            columns.map((c, i) =>
              h(i === 0 ? "th" : "td", { scope: i === 0 ? "row" : null, "data-label": c.label }, c.cell(row)),
            ),
          ),
        ),
      ),
    ),
  );
}

/**
 * A "Show more" button (or `label`) in `container` while `pageInfo` says there is more:
 * `load(after)` fetches and draws the next page. A failure shows its message in its place.
 */
export function showMore(container, pageInfo, load, label = "Show more") {
  if (!pageInfo.hasNextPage) return;
  const button = h("button", { type: "button" }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    button.textContent = "Loading…";
    try {
      await load(pageInfo.endCursor);
    } catch (error) {
      replace(container, h("p", { class: "form-alert", role: "alert" }, error.message));
    }
  });
  container.append(button);
}
