/*
 * AgentPay operator dashboard. Plain JS, no build step, no third-party code.
 *
 * Sign-in: the store's secret key is sent once to POST /v1/agent/operator-tokens and
 * dropped; the page keeps only the operator token it gets back (sessionStorage, so it
 * dies with the tab). Every other call carries that token.
 * Live updates: a WebSocket opened with the operator token (the <meta name="agentpay-ws">
 * address) gets a `conversation_activity` frame for each message and status change; with
 * no socket address, or while the socket is down, the page polls every few seconds.
 * Everything a shopper or the store wrote is put on the page as text, never as HTML.
 */
(function () {
  "use strict";

  const API = location.pathname.replace(/\/dashboard\/?$/, "");
  const WS_URL = (document.querySelector('meta[name="agentpay-ws"]') || {}).content || "";
  const STORE_KEY = "agentpay.operator";
  const POLL_MS = 5000;
  const PING_MS = 240000; // API Gateway closes a socket idle for 10 minutes
  const $ = (id) => document.getElementById(id);

  let session = null; // {token, expires_at}
  let socket = null;
  let socketTries = 0;
  let pollTimer = null;
  let pingTimer = null;
  let reconnectTimer = null;
  let expiryTimer = null;

  const list = { items: [], cursor: null, q: "", filter: "" };
  // `products`: the conversation's look-up table, external_id -> card (the transcript's
  // tool calls name products by id only); `messages`: id -> message, to redraw their
  // product cards when the table grows
  const detail = { id: null, conversation: null, messages: new Map(), seen: new Set(),
    lastSeq: 0, products: new Map() };

  // ------------------------------------------------------------------ helpers

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // A product's picture, or its first letter when it has none or it does not load (a
  // store's image host down, an address that moved): never a broken-image icon.
  function picture(url, name, extra) {
    const letter = () => {
      const box = el("span", `noimg${extra ? ` ${extra}` : ""}`,
                     (String(name || "?").trim()[0] || "?").toUpperCase());
      box.setAttribute("aria-hidden", "true");
      return box;
    };
    const image = safeUrl(url || "");
    if (!image) return letter();
    const img = el("img", extra);
    img.alt = "";
    img.loading = "lazy";
    img.addEventListener("error", () => img.replaceWith(letter()), { once: true });
    img.src = image;
    return img;
  }

  function money(minor, currency) {
    if (minor === null || minor === undefined || !currency) return "–";
    try {
      const format = new Intl.NumberFormat(undefined, { style: "currency", currency });
      const digits = format.resolvedOptions().maximumFractionDigits;
      return format.format(minor / Math.pow(10, digits));
    } catch (_) {
      return `${minor} ${currency}`;
    }
  }

  function moneyMap(map) {
    const entries = Object.entries(map || {});
    if (!entries.length) return "–";
    return entries.map(([currency, minor]) => money(minor, currency)).join(" · ");
  }

  function when(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    const today = new Date();
    return date.toDateString() === today.toDateString()
      ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
      : date.toLocaleDateString([], { month: "short", day: "numeric" });
  }

  function safeUrl(value) {
    try {
      const url = new URL(value, location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return `op-${Date.now()}-${Math.random().toString(16).slice(2)}`;
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message || code);
      this.status = status;
      this.code = code;
    }
  }

  async function call(method, path, body, credential) {
    const headers = { Authorization: `Bearer ${credential || (session && session.token)}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(API + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
    let data = null;
    if (response.status !== 204) {
      try { data = await response.json(); } catch (_) { data = null; }
    }
    if (!response.ok) {
      const error = (data && data.error) || {};
      if (response.status === 401 && !credential) {
        signedOut("Your session has ended: sign in again.");
      }
      throw new ApiError(response.status, error.code || `http_${response.status}`,
        error.message || `the API answered ${response.status}`);
    }
    return data;
  }

  // ------------------------------------------------------------------ sign-in

  function loadSession() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(STORE_KEY) || "null");
      if (saved && saved.token && new Date(saved.expires_at) > new Date()) return saved;
    } catch (_) { /* nothing usable stored */ }
    sessionStorage.removeItem(STORE_KEY);
    return null;
  }

  async function signIn(event) {
    event.preventDefault();
    const input = $("secret-key");
    let key = input.value.trim();
    input.value = ""; // the key lives only in this function's variable, for one call
    $("signin-error").textContent = "";
    $("signin-button").disabled = true;
    try {
      const out = await call("POST", "/v1/agent/operator-tokens", undefined, key);
      session = { token: out.token, expires_at: out.token_expires_at };
      sessionStorage.setItem(STORE_KEY, JSON.stringify(session));
      start();
    } catch (error) {
      $("signin-error").textContent = error.code === "invalid_credentials"
        ? "That key is not valid, or it was revoked." : `${error.message} (${error.code})`;
    } finally {
      key = null;
      $("signin-button").disabled = false;
    }
  }

  function signedOut(message) {
    stopLive();
    clearTimeout(expiryTimer);
    session = null;
    agents = []; // another store may sign in next
    $("agent").value = "";
    renderAgentPicker();
    sessionStorage.removeItem(STORE_KEY);
    $("app").hidden = true;
    $("signin").hidden = false;
    $("signin-error").textContent = message || "";
    $("secret-key").focus();
  }

  async function signOut() {
    try { await call("DELETE", "/v1/agent/operator-tokens/current"); } catch (_) { /* gone */ }
    signedOut("Signed out.");
  }

  function start() {
    $("signin").hidden = true;
    $("app").hidden = false;
    const expires = new Date(session.expires_at);
    $("expires").textContent = `signed in until ${expires.toLocaleTimeString([], {
      hour: "2-digit", minute: "2-digit" })}`;
    clearTimeout(expiryTimer);
    expiryTimer = setTimeout(() => signedOut("Your session has ended: sign in again."),
      Math.max(0, Math.min(expires - new Date(), 2147483000)));
    loadList(true);
    startLive();
    if (!$("view-numbers").hidden) loadNumbers();
  }

  // ------------------------------------------------------------------ the list

  async function loadList(reset) {
    const params = new URLSearchParams({ limit: "50" });
    if (list.q) params.set("q", list.q);
    if (list.filter) params.set("status", list.filter);
    if (!reset && list.cursor) params.set("cursor", list.cursor);
    try {
      const page = await call("GET", `/v1/agent/conversations?${params}`);
      list.items = reset ? page.data : list.items.concat(page.data);
      list.cursor = page.next_cursor;
      renderList();
    } catch (error) {
      if (error.status !== 401) $("list-empty").textContent = error.message;
    }
  }

  function renderList() {
    const ul = $("conversation-list");
    ul.replaceChildren();
    for (const c of list.items) {
      const li = el("li", c.waiting ? "waiting" : "");
      li.dataset.id = c.id;
      li.dataset.session = c.session_id;
      if (c.id === detail.id) li.classList.add("selected");
      const top = el("div", "row");
      top.append(el("span", "session", c.session_id), el("span", "muted", when(
        c.last_message_at || c.created_at)));
      const badges = el("div");
      const status = c.waiting ? "waiting" : c.status;
      badges.append(el("span", `badge ${status}`, c.waiting ? "waiting for a person" : c.status),
        el("span", "badge stage", c.stage));
      if (c.cart && c.cart.item_count) {
        badges.append(el("span", "badge", `cart ${c.cart.item_count} · ${money(
          c.cart.subtotal_minor, c.cart.currency)}`));
      }
      li.append(top, badges);
      if (c.last_message) {
        const who = { user: "Shopper", assistant: "Agent", operator: "Team" }[
          c.last_message.role] || c.last_message.role;
        li.append(el("div", "last", `${who}: ${c.last_message.content}`));
      }
      li.addEventListener("click", () => select(c.id));
      ul.append(li);
    }
    $("list-empty").textContent = "No conversations.";
    $("list-empty").hidden = list.items.length > 0;
    $("more").hidden = !list.cursor;
  }

  let listTimer = null;
  function refreshListSoon() {
    clearTimeout(listTimer);
    listTimer = setTimeout(() => loadList(true), 300);
  }

  // ------------------------------------------------------------------ one conversation

  async function select(id) {
    detail.id = id;
    detail.conversation = null;
    detail.messages = new Map();
    detail.products = new Map();
    detail.seen = new Set();
    detail.lastSeq = 0;
    $("transcript").replaceChildren();
    $("detail-error").textContent = "";
    $("detail-empty").hidden = true;
    $("detail-body").hidden = false;
    renderList();
    await Promise.all([loadConversation(), loadMessages()]);
  }

  async function loadConversation() {
    const id = detail.id;
    if (!id) return;
    try {
      const conversation = await call("GET", `/v1/agent/conversations/${id}`);
      if (id !== detail.id) return;
      detail.conversation = conversation;
      renderConversation();
    } catch (error) {
      if (error.status !== 401) $("detail-error").textContent = error.message;
    }
  }

  async function loadMessages() {
    const id = detail.id;
    for (let page = 0; page < 20 && id === detail.id; page++) {
      const out = await call("GET",
        `/v1/agent/conversations/${id}/messages?after_seq=${detail.lastSeq}&limit=200`);
      if (id !== detail.id) return;
      out.data.forEach(addMessage);
      if (out.next_after_seq === null || out.next_after_seq === undefined) return;
    }
  }

  const ROLE_NAMES = { user: "Shopper", assistant: "Agent", operator: "Team" };
  const PRODUCT_LISTS = ["search_products", "compare_products", "product_details"];

  // A product as a card: picture (if any), name, price, and why it cannot be bought.
  function productCard(externalId, className) {
    const product = detail.products.get(externalId);
    const card = el("div", className || "pcard");
    card.dataset.externalId = externalId;
    if (!product) { // not in the table yet (a live message): its id until it loads
      card.append(el("span", "muted", externalId));
      return card;
    }
    card.append(picture(product.image_url, product.name));
    const text = el("div", "ptext");
    const name = el("span", "pname", product.name);
    const link = safeUrl(product.url || "");
    if (link) {
      const a = el("a", "pname", product.name);
      a.href = link;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      text.append(a);
    } else {
      text.append(name);
    }
    text.append(el("span", "pprice", product.price || money(product.price_minor,
      product.currency)));
    if (!product.available) text.append(el("span", "badge", "no longer sold"));
    else if (!product.in_stock) text.append(el("span", "badge", "out of stock"));
    card.append(text);
    return card;
  }

  function productName(externalId) {
    const product = detail.products.get(externalId);
    return product ? product.name : externalId;
  }

  // What one reply did, drawn from its tool calls: products shown as cards, cart moves,
  // offers and the checkout link as lines.
  function toolBlock(message) {
    const block = el("div", "tools");
    for (const call of message.tool_calls || []) {
      if (!call || !call.name) continue; // the decided action, not a tool call
      const result = call.result || {};
      const args = call.arguments || {};
      if (call.ok === false) {
        const code = (call.error && call.error.code) || "failed";
        block.append(el("div", "event failed", `${call.name.replace(/_/g, " ")}: ${code}`));
        continue;
      }
      if (PRODUCT_LISTS.includes(call.name)) {
        const ids = Array.isArray(result.external_ids) ? result.external_ids
          : [result.external_id || args.external_id].filter(Boolean);
        if (!ids.length) {
          block.append(el("div", "event", "searched: nothing found"));
          continue;
        }
        const cards = el("div", "cards");
        cards.dataset.tool = call.name;
        ids.slice(0, 10).forEach((id) => cards.append(productCard(id)));
        block.append(cards);
      } else if (call.name === "cart_add" || call.name === "cart_remove") {
        const id = result.external_id || args.external_id;
        const variant = [args.size, args.color].filter(Boolean).join(", ");
        const verb = call.name === "cart_add" ? "Added to cart" : "Removed from cart";
        const quantity = result.quantity || args.quantity;
        block.append(el("div", "event cart",
          `${verb}: ${quantity ? `${quantity} × ` : ""}${productName(id)}${
            variant ? ` (${variant})` : ""}`));
      } else if (call.name === "offer_discount") {
        if (result.percent) {
          const base = (result.total_minor || 0) + (result.discount_minor || 0);
          block.append(el("div", "event offer", `Offered ${result.percent}% off: ${money(
            result.total_minor, result.currency)} instead of ${money(base, result.currency)}`));
        } else {
          block.append(el("div", "event offer", `No discount offered (${
            result.reason || "not allowed"})`));
        }
      } else if (call.name === "create_checkout_link") {
        const line = el("div", "event checkout", `Checkout link sent: ${money(
          result.total_minor, result.currency)}${result.discount_minor
          ? ` (${money(result.discount_minor, result.currency)} off)` : ""}`);
        const sent = (detail.conversation || {}).checkout;
        if (sent && sent.id === result.checkout_id) {
          const url = safeUrl(sent.url || "");
          if (url) {
            const a = el("a", null, "open");
            a.href = url;
            a.target = "_blank";
            a.rel = "noopener noreferrer";
            line.append(" · ", a);
          }
          line.append(" · ", el("span", `badge ${sent.status}`, sent.status));
        }
        block.append(line);
      } else if (call.name === "cart_view") {
        block.append(el("div", "event", `Showed the cart: ${money(result.subtotal_minor,
          result.currency)}`));
      } else if (call.name === "handoff_to_human") {
        block.append(el("div", "event", "Handed the conversation to a person"));
      } else if (call.name === "search_knowledge") {
        block.append(el("div", "event", `Looked up the store's help articles${
          result.count !== undefined ? ` (${result.count} found)` : ""}`));
      } else {
        block.append(el("div", "event", call.name.replace(/_/g, " ")));
      }
    }
    return block.childElementCount ? block : null;
  }

  function drawTools(li, message) {
    const old = li.querySelector(":scope > .tools");
    if (old) old.remove();
    const block = toolBlock(message);
    if (block) li.append(block);
  }

  function addMessage(message) {
    if (!message || detail.seen.has(message.id)) return;
    if (!ROLE_NAMES[message.role]) {
      detail.lastSeq = Math.max(detail.lastSeq, message.seq || 0);
      return;
    }
    detail.seen.add(message.id);
    detail.messages.set(message.id, message);
    detail.lastSeq = Math.max(detail.lastSeq, message.seq || 0);
    const li = el("li", `msg ${message.role}`);
    li.dataset.role = message.role;
    li.dataset.id = message.id;
    li.append(el("span", "who", `${ROLE_NAMES[message.role]} · ${when(message.created_at)}`));
    li.append(document.createTextNode(message.content));
    drawTools(li, message);
    // keep the order of seq whatever order messages arrive in
    const transcript = $("transcript");
    li.dataset.seq = message.seq || 0;
    const after = [...transcript.children].find((n) => Number(n.dataset.seq) > (message.seq || 0));
    transcript.insertBefore(li, after || null);
    transcript.scrollTop = transcript.scrollHeight;
    // a product the table does not have yet: the conversation's next load brings it
    const unknown = (message.tool_calls || []).some((call) => call && (
      (call.result && Array.isArray(call.result.external_ids) ? call.result.external_ids
        : [call.result && call.result.external_id]).some((id) => id && !detail.products.has(id))
      || (call.name === "create_checkout_link" && call.ok !== false)));
    if (unknown && detail.conversation) refreshDetailSoon();
  }

  // The table of products changed: redraw the replies' cards and lines.
  function redrawTools() {
    for (const li of $("transcript").children) {
      const message = detail.messages.get(li.dataset.id);
      if (message && (message.tool_calls || []).length) drawTools(li, message);
    }
  }

  function renderConversation() {
    const c = detail.conversation;
    const context = c.context || {};
    $("detail-session").textContent = c.session_id;
    const status = $("detail-status");
    status.className = `badge ${c.status}`;
    status.textContent = c.status;
    $("detail-stage").textContent = c.stage;
    const closed = c.status === "completed" || c.status === "abandoned";
    // the agent holds it, or it was handed over and nobody on the team has taken it yet
    const taken = c.status === "handoff" && (context.handoff || {}).taken_at;
    $("takeover").hidden = closed || Boolean(taken);
    $("release").hidden = c.status !== "handoff";
    $("send").disabled = closed;
    $("reply").disabled = closed;

    detail.products = new Map((c.products || []).map((p) => [p.external_id, p]));
    redrawTools();

    const cartBox = $("fact-cart");
    cartBox.replaceChildren();
    const cart = c.cart || { lines: [] };
    for (const line of cart.lines) {
      const variant = [line.size, line.color].filter(Boolean).join(", ");
      const row = el("div", "line");
      const what = el("span", "what");
      what.append(picture(line.image_url, line.name));
      what.append(`${line.quantity} × ${line.name}${variant ? ` (${variant})` : ""}`);
      row.append(what, el("span", null, money(line.line_total_minor, line.currency)));
      cartBox.append(row);
    }
    if (cart.lines.length) {
      const total = el("div", "line total");
      total.append(el("span", null, `Subtotal · ${cart.item_count} item${
        cart.item_count === 1 ? "" : "s"}`), el("span", null, money(cart.subtotal_minor,
        cart.currency)));
      cartBox.append(total);
    } else {
      cartBox.append(el("p", "muted", "Empty."));
    }

    const products = $("fact-products");
    products.replaceChildren();
    const shown = (context.last_shown || []).map((p) => p.external_id).filter(Boolean);
    for (const id of shown.slice(0, 10)) {
      if (!detail.products.has(id)) {
        const p = context.last_shown.find((x) => x.external_id === id);
        detail.products.set(id, { ...p, available: true, in_stock: p.in_stock !== false });
      }
      products.append(productCard(id, "product"));
    }
    if (!shown.length) products.append(el("p", "muted", "Nothing shown yet."));

    const offers = $("fact-offers");
    offers.replaceChildren();
    const made = c.offers || [];
    for (const offer of made) {
      const row = el("div", `line${offer.expired ? " expired" : ""}`);
      row.append(el("span", null, `${offer.percent}% off (${offer.trigger || "offer"})`),
        el("span", null, `${money(offer.total_minor, offer.currency)} · ${offer.expired
          ? "expired" : `until ${when(offer.expires_at)}`}`));
      offers.append(row);
    }
    if (!made.length) offers.append(el("p", "muted", "None."));

    const checkoutBox = $("fact-checkout");
    checkoutBox.replaceChildren();
    const ck = c.checkout;
    if (ck) {
      for (const line of ck.lines || []) {
        const variant = [line.size, line.color].filter(Boolean).join(", ");
        const row = el("div", "line");
        row.append(el("span", null, `${line.quantity} × ${line.name}${variant
          ? ` (${variant})` : ""}`), el("span", null, money(line.unit_price_minor
          * line.quantity, ck.currency)));
        checkoutBox.append(row);
      }
      if (ck.discount_minor) {
        const row = el("div", "line");
        row.append(el("span", null, "Discount"), el("span", null, `−${money(ck.discount_minor,
          ck.currency)}`));
        checkoutBox.append(row);
      }
      const row = el("div", "line total");
      const how = el("span", null, `${ck.provider} `);
      how.append(el("span", `badge ${ck.status}`, ck.status));
      row.append(how, el("span", null, money(ck.total_minor, ck.currency)));
      checkoutBox.append(row);
      const url = safeUrl(ck.url || "");
      if (url) {
        const link = el("a", "checkout-link", "checkout link");
        link.href = url;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        checkoutBox.append(link);
      }
    } else {
      checkoutBox.append(el("p", "muted", "No checkout yet."));
    }
  }

  let detailTimer = null;
  function refreshDetailSoon() {
    clearTimeout(detailTimer);
    detailTimer = setTimeout(loadConversation, 300);
  }

  async function act(path, body) {
    const id = detail.id;
    $("detail-error").textContent = "";
    try {
      const out = await call("POST", `/v1/agent/conversations/${id}/${path}`, body);
      if (id === detail.id && out.conversation) {
        // (the products, cart, offers and checkout come with GET, not with an action)
        detail.conversation = { ...detail.conversation, ...out.conversation };
        renderConversation();
      }
      if (out.message) addMessage(out.message);
      refreshListSoon();
      return out;
    } catch (error) {
      if (error.status !== 401) {
        $("detail-error").textContent = error.code === "conversation_busy"
          ? "The agent is answering right now: try again in a moment."
          : `${error.message} (${error.code})`;
      }
      return null;
    }
  }

  async function reply(event) {
    event.preventDefault();
    const box = $("reply");
    const content = box.value.trim();
    if (!content || !detail.id) return;
    $("send").disabled = true;
    const out = await act("operator-messages", { content, client_message_id: uuid() });
    if (out) box.value = "";
    $("send").disabled = false;
    box.focus();
  }

  // ------------------------------------------------------------------ live updates

  function setLive(state, text) {
    const badge = $("live");
    badge.className = `live ${state}`;
    badge.textContent = text;
  }

  function onActivity(frame) {
    refreshListSoon();
    if (frame.conversation_id !== detail.id) return;
    // a frame carries a message's text only: an agent's reply (its products, cart moves,
    // offers, checkout) is read whole from the transcript
    if (frame.message && frame.message.role === "assistant") loadMessages().catch(() => {});
    else if (frame.message) addMessage(frame.message);
    refreshDetailSoon();
  }

  function startLive() {
    stopLive();
    if (WS_URL && "WebSocket" in window) connectSocket();
    else startPolling();
  }

  function stopLive() {
    clearTimeout(reconnectTimer);
    clearInterval(pingTimer);
    stopPolling();
    if (socket) {
      socket.onclose = null;
      socket.close();
      socket = null;
    }
    setLive("", "offline");
  }

  function connectSocket() {
    const url = `${WS_URL}${WS_URL.includes("?") ? "&" : "?"}token=${encodeURIComponent(
      session.token)}`;
    const ws = new WebSocket(url);
    socket = ws;
    ws.onopen = () => {
      socketTries = 0;
      stopPolling();
      setLive("on", "live");
      clearInterval(pingTimer);
      pingTimer = setInterval(() => ws.readyState === 1 && ws.send('{"action":"ping"}'),
        PING_MS);
      // whatever happened while the socket was down
      loadList(true);
      if (detail.id) { loadMessages(); loadConversation(); }
    };
    ws.onmessage = (event) => {
      let frame;
      try { frame = JSON.parse(event.data); } catch (_) { return; }
      if (frame.type === "conversation_activity") onActivity(frame);
      else if (frame.type === "error" && frame.error &&
               ["token_expired", "token_revoked"].includes(frame.error.code)) {
        signedOut("Your session has ended: sign in again.");
      }
    };
    ws.onclose = () => {
      clearInterval(pingTimer);
      if (socket !== ws || !session) return;
      socket = null;
      socketTries += 1;
      startPolling(); // nothing is missed while the socket is down
      const wait = Math.min(30000, 1000 * Math.pow(2, socketTries - 1));
      reconnectTimer = setTimeout(connectSocket, wait);
    };
  }

  function startPolling() {
    if (pollTimer) return;
    setLive("polling", "polling");
    pollTimer = setInterval(() => {
      if (!session) return;
      loadList(true);
      if (detail.id) { loadMessages().catch(() => {}); loadConversation(); }
    }, POLL_MS);
  }

  function stopPolling() {
    clearInterval(pollTimer);
    pollTimer = null;
  }

  // ------------------------------------------------------------------ numbers

  const SVG = "http://www.w3.org/2000/svg";

  function svgEl(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function niceMax(value) {
    if (value <= 0) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
    return 10 * power;
  }

  // Vertical bars, one per day; `format` writes a value for the axis and the tooltips.
  function barChart(svg, points, format, className, minTop) {
    svg.replaceChildren();
    const width = 600;
    const height = 220;
    const pad = { left: 52, right: 8, top: 10, bottom: 26 };
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("preserveAspectRatio", "none");
    const top = niceMax(Math.max(minTop || 0, ...points.map((p) => p.value)));
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    for (const frac of [0, 0.5, 1]) {
      const y = pad.top + plotH * (1 - frac);
      svg.append(svgEl("line", { class: "axis", x1: pad.left, x2: width - pad.right, y1: y, y2: y }));
      svg.append(svgEl("text", { x: pad.left - 6, y: y + 4, "text-anchor": "end" },
        format(top * frac)));
    }
    const slot = plotW / Math.max(points.length, 1);
    const labelEvery = Math.ceil(points.length / 8);
    points.forEach((p, i) => {
      const h = top ? (p.value / top) * plotH : 0;
      const x = pad.left + i * slot + slot * 0.15;
      const bar = svgEl("rect", { class: `bar ${className || ""}`, x, width: slot * 0.7,
        y: pad.top + plotH - h, height: h, "data-value": p.value, "data-label": p.label });
      bar.append(svgEl("title", {}, `${p.label}: ${format(p.value)}`));
      svg.append(bar);
      if (i % labelEvery === 0) {
        svg.append(svgEl("text", { x: x + slot * 0.35, y: height - 8, "text-anchor": "middle" },
          p.label.slice(5)));
      }
    });
  }

  // Horizontal bars, the funnel's steps top to bottom, with the share of the first.
  function funnelChart(svg, steps) {
    svg.replaceChildren();
    const width = 600;
    const rowH = 32;
    const height = steps.length * rowH + 8;
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("preserveAspectRatio", "xMinYMin meet");
    svg.style.height = `${height}px`;
    const first = steps.length ? steps[0].conversations : 0;
    const labelW = 120;
    steps.forEach((s, i) => {
      const y = 4 + i * rowH;
      const w = first ? ((width - labelW - 110) * s.conversations) / first : 0;
      svg.append(svgEl("text", { class: "funnel-label", x: 0, y: y + 19 }, s.step));
      const bar = svgEl("rect", { class: "bar", x: labelW, y: y + 4, width: Math.max(w, 1),
        height: rowH - 10, "data-value": s.conversations, "data-label": s.step });
      bar.append(svgEl("title", {}, `${s.step}: ${s.conversations}`));
      svg.append(bar);
      const share = first ? Math.round((100 * s.conversations) / first) : 0;
      svg.append(svgEl("text", { x: labelW + Math.max(w, 1) + 6, y: y + 19 },
        `${s.conversations} (${share}%)`));
    });
  }

  function tile(label, value) {
    const node = el("div", "tile");
    node.append(el("div", "label", label), el("div", "value", value));
    return node;
  }

  // The store's agents (from the store-wide numbers): the picker shows when there are
  // several.
  let agents = [];

  function renderAgentPicker() {
    const picker = $("agent");
    const chosen = picker.value;
    picker.replaceChildren(el("option", null, "All agents"));
    picker.firstChild.value = "";
    for (const agent of agents) {
      const option = el("option", null, agent.name);
      option.value = agent.id;
      picker.append(option);
    }
    picker.value = agents.some((a) => a.id === chosen) ? chosen : "";
    document.querySelectorAll(".agent-pick").forEach((node) => {
      node.hidden = agents.length < 2;
    });
  }

  // Every currency the period was paid in (most revenue first); none yet: one empty chart.
  function currenciesOf(data) {
    const totals = {};
    for (const day of data.daily) {
      for (const [currency, minor] of Object.entries(day.revenue || {})) {
        totals[currency] = (totals[currency] || 0) + minor;
      }
    }
    const found = Object.keys(totals).sort((a, b) => totals[b] - totals[a] || (a < b ? -1 : 1));
    return found.length ? found : [null];
  }

  function revenueCharts(data) {
    const box = $("revenue-charts");
    box.replaceChildren();
    for (const currency of currenciesOf(data)) {
      const figure = el("figure", "chart revenue");
      figure.dataset.currency = currency || "";
      figure.append(el("figcaption", "revenue-caption", currency
        ? `Revenue per day (${currency})` : "Revenue per day (no orders yet)"));
      const svg = document.createElementNS(SVG, "svg");
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", `Revenue per day${currency ? ` in ${currency}` : ""}`);
      figure.append(svg);
      box.append(figure);
      barChart(svg, data.daily.map((d) => ({
        label: d.date, value: currency ? (d.revenue || {})[currency] || 0 : 0 })),
      (v) => (currency ? money(Math.round(v), currency) : String(Math.round(v))), "money",
      100);
    }
  }

  function agentTable(data, agentId) {
    const figure = $("by-agent-figure");
    figure.hidden = agents.length < 2 || Boolean(agentId);
    const body = $("by-agent").querySelector("tbody");
    body.replaceChildren();
    for (const a of data.agents || []) {
      const row = el("tr");
      row.dataset.agentId = a.agent_id;
      for (const value of [a.name, a.conversations, a.orders_paid,
        `${(100 * a.conversion_rate).toFixed(1)}%`, moneyMap(a.revenue),
        `$${a.llm_cost_usd.toFixed(2)}`]) {
        row.append(el("td", null, value));
      }
      body.append(row);
    }
  }

  async function loadNumbers() {
    const days = Number($("period").value) || 30;
    const agentId = $("agent").value;
    const to = new Date();
    const from = new Date(to.getTime() - days * 86400000);
    $("numbers-error").textContent = "";
    const params = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() });
    if (agentId) params.set("agent_id", agentId);
    let data;
    try {
      data = await call("GET", `/v1/agent/analytics?${params}`);
    } catch (error) {
      if (error.code === "agent_not_found") { // deleted meanwhile: back to the store
        $("agent").value = "";
        loadNumbers();
        return;
      }
      if (error.status !== 401) $("numbers-error").textContent = error.message;
      return;
    }
    if (!agentId) {
      agents = (data.agents || []).map((a) => ({ id: a.agent_id, name: a.name }));
      renderAgentPicker();
    }
    const t = data.totals;
    $("tiles").replaceChildren(
      tile("Conversations", t.conversations),
      tile("Orders paid", t.orders_paid),
      tile("Conversion", `${(100 * t.conversion_rate).toFixed(1)}%`),
      tile("Revenue", moneyMap(t.revenue)),
      tile("Average order", moneyMap(t.average_order_value)),
      tile("Discount given", moneyMap(t.discount_given)),
      tile("Model cost", `$${t.llm_cost_usd.toFixed(2)}`),
      tile("Model cost per order", t.llm_cost_per_order_usd === null ? "–"
        : `$${t.llm_cost_per_order_usd.toFixed(3)}`),
    );
    barChart($("chart-conversations"), data.daily.map((d) => ({
      label: d.date, value: d.conversations })),
    (v) => (Number.isInteger(v) ? String(v) : v.toFixed(1)), "", 2);
    revenueCharts(data);
    funnelChart($("chart-funnel"), data.funnel.steps);
    agentTable(data, agentId);
  }

  // ------------------------------------------------------------------ wiring

  function showView(name) {
    document.querySelectorAll(".tab").forEach((b) => b.classList.toggle("active",
      b.dataset.view === name));
    $("view-conversations").hidden = name !== "conversations";
    $("view-numbers").hidden = name !== "numbers";
    if (name === "numbers") loadNumbers();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("signin-form").addEventListener("submit", signIn);
    $("signout").addEventListener("click", signOut);
    document.querySelectorAll(".tab").forEach((b) => b.addEventListener("click",
      () => showView(b.dataset.view)));
    let searchTimer = null;
    $("search").addEventListener("input", () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => { list.q = $("search").value.trim(); loadList(true); }, 250);
    });
    $("filter").addEventListener("change", () => { list.filter = $("filter").value; loadList(true); });
    $("more").addEventListener("click", () => loadList(false));
    $("takeover").addEventListener("click", async () => {
      if (await act("takeover")) $("reply").focus();
    });
    $("release").addEventListener("click", () => act("release"));
    $("reply-form").addEventListener("submit", reply);
    $("reply").addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) reply(event);
    });
    $("period").addEventListener("change", loadNumbers);
    $("agent").addEventListener("change", loadNumbers);
    session = loadSession();
    if (session) start();
    else signedOut("");
  });
})();
