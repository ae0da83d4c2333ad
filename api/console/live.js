// Live updates: GraphQL subscriptions over one WebSocket per page, with the protocol the
// service speaks on /graphql (graphql-transport-ws). The session cookie signs the handshake
// in (the service takes it only from the console's own origin). Each subscription sends the
// current state first, then every change; a connection dropped by the network or a restart
// is opened again, and its subscriptions start over (with the current state, so nothing
// missed meanwhile stays unseen). When the sign-in ends the service closes the connection
// with 4401, and the console asks to sign in again.

import { UNAUTHENTICATED_EVENT } from "./graphql.js";

const PROTOCOL = "graphql-transport-ws";
const SIGNED_OUT = 4401;
const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 30000;

function endpoint() {
  const url = new URL("/graphql", window.location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url;
}

/**
 * A page's connection: `subscribe(query, variables, onData)` calls `onData(data)` with each
 * state and returns a function that stops it; `close()` ends them all (on leaving the page).
 */
export function liveConnection() {
  const subscriptions = new Map();
  let socket = null;
  let acknowledged = false;
  let closed = false;
  let retry = FIRST_RETRY_MS;
  let timer = null;
  let serial = 0;

  const send = (message) => socket.send(JSON.stringify(message));
  const start = (id) => {
    const { query, variables } = subscriptions.get(id);
    send({ id, type: "subscribe", payload: { query, variables } });
  };

  function received(message) {
    const subscription = subscriptions.get(message.id);
    switch (message.type) {
      case "connection_ack":
        acknowledged = true;
        retry = FIRST_RETRY_MS;
        subscriptions.forEach((_, id) => start(id));
        break;
      case "ping":
        send({ type: "pong" });
        break;
      case "next":
        if (subscription && message.payload.data) subscription.onData(message.payload.data);
        break;
      case "error":
      case "complete":
        subscriptions.delete(message.id); // refused, or nothing more will change
        break;
    }
  }

  function open() {
    acknowledged = false;
    socket = new WebSocket(endpoint(), PROTOCOL);
    socket.addEventListener("open", () => send({ type: "connection_init", payload: {} }));
    socket.addEventListener("message", (event) => received(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      if (closed) return;
      if (event.code === SIGNED_OUT) {
        closed = true;
        window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT, { detail: event.reason }));
        return;
      }
      timer = setTimeout(open, retry);
      retry = Math.min(retry * 2, LAST_RETRY_MS);
    });
  }

  return {
    subscribe(query, variables, onData) {
      const id = String(++serial);
      subscriptions.set(id, { query, variables, onData });
      if (!socket) open();
      else if (acknowledged) start(id);
      return () => {
        if (subscriptions.delete(id) && acknowledged) send({ id, type: "complete" });
      };
    },
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close(1000);
    },
  };
}
