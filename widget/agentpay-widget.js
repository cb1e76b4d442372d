/*
 * AgentPay chat widget: one script tag on a storefront, no build step.
 *
 *   <script src="https://…/widget/agentpay-widget.js" data-agent-key="ap_pk_…"
 *           data-api="https://api.example.com/prod"
 *           data-ws="wss://ws.example.com/prod"></script>
 *
 * data-api   the HTTP API (default: where this script is served from)
 * data-ws    the WebSocket API (default: data-api with ws(s):// and /ws, as `agentpay dev`)
 * data-open  "true" opens the panel at once; data-title, data-greeting label it
 * data-css   the stylesheet URL ("none" for none; default: agentpay-widget.css beside this)
 *
 * The publishable key starts a conversation; its token and id live in sessionStorage, so a
 * reload resumes it. Replies stream in over the WebSocket; after a drop the widget
 * reconnects with backoff and asks for every message after the last one it saw, then
 * resends its own unconfirmed messages (the server deduplicates them by client id).
 * Every piece of text from the server is inserted with textContent, never as HTML.
 *
 * A product card's "Add" asks in words, as the shopper would ("add the second one in size
 * 9 to my cart"): the agent resolves references against the list it showed last, so an
 * older card names its product instead.
 */
(() => {
  "use strict";

  const script = document.currentScript;
  if (!script || !script.dataset.agentKey) {
    console.error("agentpay-widget: the script tag needs data-agent-key");
    return;
  }
  const here = new URL(script.src, location.href);
  const api = (script.dataset.api || here.origin).replace(/\/+$/, "");
  const config = {
    key: script.dataset.agentKey,
    api,
    ws: script.dataset.ws || api.replace(/^http/, "ws") + "/ws",
    open: script.dataset.open === "true",
    title: script.dataset.title || "Shopping assistant",
    greeting: script.dataset.greeting || "Hi! Tell me what you are looking for.",
    css: script.dataset.css || new URL("agentpay-widget.css", here).href,
  };
  const STORAGE = `agentpay:${config.key}`;
  const MAX_CONTENT = 4000;
  const OPEN = 1; // WebSocket.OPEN
  const POLICY_VIOLATION = 1008; // $connect refused the token

  // --- small DOM helpers: text only ----------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeUrl(value) {
    try {
      const url = new URL(String(value), location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `m-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  }

  const CHECKOUT_URL = /https?:\/\/[^\s<>"'()[\]]*\/checkout\/[^\s<>"'()[\]]+/;

  function checkoutLink(text) {
    const match = CHECKOUT_URL.exec(text || "");
    return match ? safeUrl(match[0].replace(/[.,;:!?]+$/, "")) : null;
  }

  // --- the session (conversation id + token), kept for this tab's lifetime ------------

  const store = {
    load() {
      try {
        const saved = JSON.parse(sessionStorage.getItem(STORAGE) || "null");
        const fresh = saved && (!saved.expiresAt || Date.parse(saved.expiresAt) > Date.now());
        if (fresh && saved.token) return saved;
      } catch (_) { /* unreadable: start over */ }
      return null;
    },
    save(session) {
      try { sessionStorage.setItem(STORAGE, JSON.stringify(session)); } catch (_) { /* full */ }
    },
    clear() {
      try { sessionStorage.removeItem(STORAGE); } catch (_) { /* ignore */ }
    },
  };

  async function createConversation() {
    const response = await fetch(`${config.api}/v1/agent/conversations`, {
      method: "POST",
      headers: { "Authorization": `Bearer ${config.key}`, "Content-Type": "application/json" },
      body: "{}",
    });
    if (!response.ok) throw new Error(`could not start a conversation (${response.status})`);
    const body = await response.json();
    const session = { conversationId: body.conversation.id, token: body.token,
                      expiresAt: body.token_expires_at };
    store.save(session);
    return session;
  }

  // --- the view ------------------------------------------------------------------------

  const host = el("div");
  host.id = "agentpay-widget";
  const root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  if (config.css !== "none") {
    const link = el("link");
    link.rel = "stylesheet";
    link.href = config.css;
    root.appendChild(link);
  }

  const launcher = el("button", "ap-launcher", "Chat with us");
  launcher.type = "button";
  launcher.setAttribute("aria-label", "Open the shopping assistant");
  const launcherBadge = el("span", "ap-badge ap-hidden");
  launcher.appendChild(launcherBadge);

  const panel = el("section", "ap-panel ap-hidden");
  panel.setAttribute("aria-label", config.title);
  const header = el("header", "ap-header");
  header.appendChild(el("span", "ap-title", config.title));
  const cartBadge = el("span", "ap-cart");
  cartBadge.title = "Items in your cart";
  cartBadge.appendChild(el("span", "ap-cart-icon", "Cart"));
  const cartCount = el("span", "ap-cart-count", "0");
  cartBadge.appendChild(cartCount);
  header.appendChild(cartBadge);
  const close = el("button", "ap-close", "\u00d7");
  close.type = "button";
  close.setAttribute("aria-label", "Close");
  header.appendChild(close);

  const status = el("div", "ap-status ap-hidden");
  status.setAttribute("role", "status");
  const log = el("div", "ap-log");
  log.setAttribute("aria-live", "polite");
  const typing = el("div", "ap-typing ap-hidden");
  typing.setAttribute("aria-label", "The assistant is typing");
  for (let i = 0; i < 3; i += 1) typing.appendChild(el("span", "ap-dot"));

  const form = el("form", "ap-form");
  const input = el("input", "ap-input");
  input.type = "text";
  input.maxLength = MAX_CONTENT;
  input.placeholder = "Ask about a product…";
  input.setAttribute("aria-label", "Your message");
  const send = el("button", "ap-send", "Send");
  send.type = "submit";
  form.appendChild(input);
  form.appendChild(send);

  panel.append(header, status, log, typing, form);
  root.append(launcher, panel);

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function bubble(role, text) {
    const node = el("div", `ap-msg ap-${role}`, text);
    log.appendChild(node);
    scrollDown();
    return node;
  }

  function note(text) {
    bubble("note", text);
  }

  function setStatus(text) {
    status.textContent = text || "";
    status.classList.toggle("ap-hidden", !text);
  }

  function setTyping(on) {
    typing.classList.toggle("ap-hidden", !on);
    scrollDown();
  }

  function setCart(cart) {
    if (!cart || typeof cart.item_count !== "number") return;
    const count = String(cart.item_count);
    cartCount.textContent = count;
    launcherBadge.textContent = count;
    cartBadge.classList.toggle("ap-cart-full", cart.item_count > 0);
    launcherBadge.classList.toggle("ap-hidden", cart.item_count === 0);
  }

  const ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh",
                    "eighth", "ninth", "tenth"];
  let latestList = 0; // the agent resolves "the third one" against the list shown last

  function addRequest(product, position, list, size) {
    const which = list === latestList && position < ORDINALS.length
      ? `the ${ORDINALS[position]} one` : `the ${product.name}`;
    return `add ${which}${size ? ` in size ${size}` : ""} to my cart`;
  }

  function productCard(product, position, list) {
    const card = el("div", "ap-card");
    const image = safeUrl(product.image_url);
    const placeholder = el("div", "ap-card-img ap-noimg", (product.name || "?").slice(0, 1));
    if (image) {
      const img = el("img", "ap-card-img");
      img.alt = "";
      img.loading = "lazy";
      img.addEventListener("error", () => img.replaceWith(placeholder));
      img.src = image;
      card.appendChild(img);
    } else {
      card.appendChild(placeholder);
    }
    card.appendChild(el("div", "ap-card-name", product.name));
    const price = el("div", "ap-card-price", product.price);
    if (product.compare_at) price.appendChild(el("s", "ap-card-was", product.compare_at));
    card.appendChild(price);
    let sizes = null;
    if (Array.isArray(product.sizes) && product.sizes.length > 0) {
      sizes = el("select", "ap-size");
      sizes.setAttribute("aria-label", `Size of ${product.name}`);
      sizes.appendChild(el("option", null, "Size"));
      sizes.options[0].value = "";
      product.sizes.forEach((size) => {
        const option = el("option", null, size);
        option.value = String(size);
        sizes.appendChild(option);
      });
      card.appendChild(sizes);
    }
    const add = el("button", "ap-add", "Add");
    add.type = "button";
    add.disabled = product.in_stock === false;
    add.addEventListener("click", () => {
      sendMessage(addRequest(product, position, list, sizes && sizes.value));
    });
    card.appendChild(add);
    return card;
  }

  function showProducts(products) {
    if (!Array.isArray(products) || products.length === 0) return;
    latestList += 1;
    const row = el("div", "ap-products");
    products.slice(0, 10).forEach((p, i) => row.appendChild(productCard(p, i, latestList)));
    log.appendChild(row);
    scrollDown();
  }

  function showCheckout(url) {
    const link = el("a", "ap-checkout", "Go to checkout");
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener";
    log.appendChild(link);
    scrollDown();
  }

  // --- the conversation state ----------------------------------------------------------

  let session = null;
  let socket = null;
  let attempt = 0;
  let reconnectTimer = null;
  let keepAlive = null;
  let lastSeq = 0; // every message up to here is on screen (a reload starts from 0)
  const shown = new Set(); // message ids on screen
  const pending = new Map(); // client_message_id -> {frame, node}: sent, not yet stored
  let stream = null; // {node, pieces}: the reply being streamed

  function remember(message) {
    shown.add(message.id);
    if (message.seq > lastSeq) lastSeq = message.seq;
  }

  function streamNode() {
    if (!stream) stream = { node: bubble("agent", ""), pieces: [] };
    return stream;
  }

  function dropStream() {
    if (stream) stream.node.remove();
    stream = null;
  }

  const onFrame = {
    pong() {},
    typing() {},
    agent_typing() {
      setTyping(true);
    },
    agent_message_delta(frame) {
      setTyping(false);
      const current = streamNode();
      current.pieces[frame.index] = String(frame.delta || "");
      current.node.textContent = current.pieces.join("");
      scrollDown();
    },
    agent_message_reset() {
      if (stream) {
        stream.pieces = [];
        stream.node.textContent = "";
      }
    },
    user_message(frame) {
      const message = frame.message;
      if (shown.has(message.id)) return;
      const mine = message.client_message_id && pending.get(message.client_message_id);
      if (mine) {
        mine.node.classList.remove("ap-pending");
        pending.delete(message.client_message_id);
      } else {
        // another tab's message, or history replayed after a reload
        const node = bubble("user", message.content);
        if (stream && !frame.replayed) log.insertBefore(node, stream.node);
      }
      remember(message);
    },
    agent_message(frame) {
      setTyping(false);
      const message = frame.message;
      if (shown.has(message.id)) {
        dropStream();
        return;
      }
      const node = frame.replayed && !stream ? bubble("agent", "") : streamNode().node;
      const url = checkoutLink(message.content);
      // a signed checkout URL is long and unreadable: the button below stands for it
      node.textContent = url ? message.content.replace(CHECKOUT_URL, "(the checkout button below)")
        : message.content;
      stream = null;
      remember(message);
      showProducts(frame.products);
      setCart(frame.cart);
      if (url) showCheckout(url);
    },
    // a person on the store's team wrote into the conversation
    operator_message(frame) {
      setTyping(false);
      const message = frame.message;
      if (shown.has(message.id)) return;
      const node = bubble("operator", message.content);
      if (stream && !frame.replayed) log.insertBefore(node, stream.node);
      remember(message);
    },
    // handoff: a person holds the conversation and the assistant stays quiet; active: back
    conversation_status(frame) {
      setTyping(false);
      if (frame.status === "handoff") setStatus("A person from the team will reply here.");
      else setStatus("");
    },
    resumed(frame) {
      attempt = 0; // the server answered: this connection really works
      if (frame.more) return sendFrame({ action: "resume", after_seq: lastSeq });
      // what this tab sent but never saw stored goes again; the client id makes it safe
      pending.forEach(({ frame: message }) => sendFrame(message));
      return undefined;
    },
    error(frame) {
      setTyping(false);
      dropStream();
      note((frame.error && frame.error.message) || "Something went wrong.");
    },
  };

  function handle(event) {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch (_) {
      return;
    }
    const act = frame && onFrame[frame.type];
    if (act) act(frame);
    else if (frame && frame.message && !frame.type) note("The assistant hit a problem; try again.");
  }

  function sendFrame(frame) {
    if (socket && socket.readyState === OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function sendMessage(text) {
    const content = String(text || "").trim().slice(0, MAX_CONTENT);
    if (!content) return;
    const id = newId();
    const frame = { action: "message", content, client_message_id: id };
    const node = bubble("user", content);
    node.classList.add("ap-pending");
    pending.set(id, { frame, node });
    if (!sendFrame(frame)) setStatus("Reconnecting… your message will be sent.");
  }

  // --- the socket, with reconnect and resume -------------------------------------------

  function connect() {
    clearTimeout(reconnectTimer);
    if (!session) {
      start();
      return;
    }
    const joiner = config.ws.includes("?") ? "&" : "?";
    const ws = new WebSocket(`${config.ws}${joiner}token=${encodeURIComponent(session.token)}`);
    socket = ws;
    ws.addEventListener("open", () => {
      setStatus("");
      // everything after the last message on screen: all of it after a reload
      ws.send(JSON.stringify({ action: "resume", after_seq: lastSeq }));
      clearInterval(keepAlive);
      keepAlive = setInterval(() => sendFrame({ action: "ping" }), 5 * 60 * 1000);
    });
    ws.addEventListener("message", handle);
    ws.addEventListener("close", (event) => {
      if (socket !== ws) return;
      socket = null;
      clearInterval(keepAlive);
      setTyping(false);
      dropStream(); // the finished reply comes back with the resume
      if (event.code === POLICY_VIOLATION) {
        // the token was refused (expired): the next attempt starts a new conversation
        store.clear();
        session = null;
        lastSeq = 0;
        note("This chat has expired; starting a new one.");
      }
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    const delay = Math.min(15000, 500 * 2 ** attempt) * (0.5 + Math.random() / 2);
    attempt += 1;
    setStatus("Connection lost, reconnecting…");
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, delay);
  }

  let starting = false;

  async function start() {
    if (starting) return;
    starting = true;
    try {
      session = session || store.load() || await createConversation();
    } catch (error) {
      starting = false;
      setStatus("The assistant is unavailable, retrying…");
      clearTimeout(reconnectTimer);
      reconnectTimer = setTimeout(start, Math.min(15000, 1000 * 2 ** attempt));
      attempt += 1;
      return;
    }
    starting = false;
    connect();
  }

  // --- wiring ----------------------------------------------------------------------------

  let greeted = false;

  function openPanel() {
    panel.classList.remove("ap-hidden");
    launcher.classList.add("ap-hidden");
    if (!greeted) {
      greeted = true;
      bubble("agent ap-greeting", config.greeting);
    }
    if (!session && !starting) start();
    input.focus();
  }

  launcher.addEventListener("click", openPanel);
  close.addEventListener("click", () => {
    panel.classList.add("ap-hidden");
    launcher.classList.remove("ap-hidden");
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    sendMessage(input.value);
    input.value = "";
  });
  window.addEventListener("online", () => {
    if (session && !socket) connect();
  });

  function mount() {
    document.body.appendChild(host);
    // a conversation already under way in this tab (a reload) reopens where it was
    if (config.open || store.load()) openPanel();
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  window.AgentPayWidget = { open: openPanel, send: sendMessage };
})();
