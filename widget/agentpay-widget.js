/*
 * AgentPay chat widget: one script tag on a storefront, no build step.
 *
 *   <script src="https://…/widget/agentpay-widget.js" data-agent-key="ap_pk_…"
 *           data-api="https://api.example.com/prod"
 *           data-ws="wss://ws.example.com/prod"></script>
 *
 * data-api          the HTTP API (default: where this script is served from)
 * data-ws           the WebSocket API (default: data-api with ws(s):// and /ws, as `agentpay dev`)
 * data-open         "true" opens the panel at once
 * data-title        the panel's title; data-greeting its first message; data-launcher the
 *                   launcher button's words
 * data-accent       the brand colour (header, buttons, the shopper's bubbles); any CSS colour
 * data-accent-text  the text on it (default: white or near-black, whichever reads better)
 * data-position     "right" (default) or "left": the corner it sits in
 * data-css          the stylesheet URL ("none" for none; default: agentpay-widget.css beside this)
 *
 * The publishable key starts a conversation; its token and id live in sessionStorage, so a
 * reload resumes it. Replies stream in over the WebSocket; after a drop the widget
 * reconnects with backoff and asks for every message after the last one it saw, then
 * resends its own unconfirmed messages (the server deduplicates them by client id).
 * Every piece of text from the server is inserted with textContent, never as HTML.
 *
 * Products come as cards under the reply (whose text then leaves out the list the cards
 * repeat: `reply_with_cards`). A card's Add and the cart panel's steppers and Remove send a
 * message in words with a `cart_edit` naming the exact line and its new quantity: the
 * agent plays it as its cart tools and answers, so the history reads as the shopper did
 * it. The panel's Checkout sends "checkout", as typing it would.
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
  const data = script.dataset;
  const config = {
    key: data.agentKey,
    api,
    ws: data.ws || api.replace(/^http/, "ws") + "/ws",
    open: data.open === "true",
    title: data.title || "Shopping assistant",
    greeting: data.greeting || "Hi! Tell me what you are looking for.",
    launcher: data.launcher || "Chat with us",
    accent: data.accent || null,
    accentText: data.accentText || null,
    position: data.position === "left" ? "left" : "right",
    css: data.css || new URL("agentpay-widget.css", here).href,
  };
  const STORAGE = `agentpay:${config.key}`;
  const MAX_CONTENT = 4000;
  const MAX_CARDS = 10;
  const OPEN = 1; // WebSocket.OPEN
  const POLICY_VIOLATION = 1008; // $connect refused the token

  // --- small DOM helpers: text only ----------------------------------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function button(className, text, label) {
    const node = el("button", className, text);
    node.type = "button";
    if (label) node.setAttribute("aria-label", label);
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

  let idCount = 0;
  function uid(prefix) {
    idCount += 1;
    return `ap-${prefix}-${idCount}`;
  }

  const CHECKOUT_URL = /https?:\/\/[^\s<>"'()[\]]*\/checkout\/[^\s<>"'()[\]]+/;

  function checkoutLink(text) {
    const match = CHECKOUT_URL.exec(text || "");
    return match ? safeUrl(match[0].replace(/[.,;:!?]+$/, "")) : null;
  }

  function money(minor, currency) {
    try {
      const format = new Intl.NumberFormat("en-US", { style: "currency", currency });
      const places = format.resolvedOptions().maximumFractionDigits;
      return format.format(Number(minor) / 10 ** places);
    } catch (_) {
      return `${(Number(minor) / 100).toFixed(2)} ${currency}`;
    }
  }

  // A numbered line of a reply still streaming is a product listing: cards will show it.
  const LISTING_LINE = /^\s*\d{1,2}[.)]\s.*$\n?/gm;

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
  host.setAttribute("data-position", config.position);
  const root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
  if (config.css !== "none") {
    const link = el("link");
    link.rel = "stylesheet";
    link.href = config.css;
    root.appendChild(link);
  }

  const launcher = button("ap-launcher", config.launcher, null);
  const launcherBadge = el("span", "ap-badge ap-hidden");
  launcherBadge.setAttribute("aria-hidden", "true");
  launcher.appendChild(launcherBadge);

  const titleId = uid("title");
  const panel = el("section", "ap-panel ap-hidden");
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-labelledby", titleId);
  const header = el("header", "ap-header");
  const title = el("h2", "ap-title", config.title);
  title.id = titleId;
  header.appendChild(title);
  const cartButton = button("ap-cart", null, null);
  cartButton.setAttribute("aria-expanded", "false");
  // named by what it shows ("Cart 2"), and what the number counts
  cartButton.append(el("span", "ap-cart-icon", "Cart"), document.createTextNode(" "));
  const cartCount = el("span", "ap-cart-count", "0");
  const cartUnit = el("span", "ap-visually-hidden", " items");
  cartButton.append(cartCount, cartUnit);
  header.appendChild(cartButton);
  const close = button("ap-close", "\u00d7", "Close the chat");
  header.appendChild(close);

  const status = el("div", "ap-status ap-hidden");
  status.setAttribute("role", "status");
  const body = el("div", "ap-body");
  const log = el("div", "ap-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("aria-label", "Conversation");
  log.tabIndex = 0; // scrollable by keyboard
  const typing = el("div", "ap-typing ap-hidden");
  typing.setAttribute("role", "status");
  typing.setAttribute("aria-label", "The assistant is typing");
  for (let i = 0; i < 3; i += 1) typing.appendChild(el("span", "ap-dot"));

  // the cart panel: over the conversation, opened from the header's cart button
  const cartId = uid("cart");
  const cartTitleId = uid("cart-title");
  const cartPanel = el("div", "ap-cartpanel ap-hidden");
  cartPanel.id = cartId;
  cartPanel.setAttribute("role", "region");
  cartPanel.setAttribute("aria-labelledby", cartTitleId);
  cartButton.setAttribute("aria-controls", cartId);
  const cartHead = el("div", "ap-cart-head");
  const cartTitle = el("h3", "ap-cart-title", "Your cart");
  cartTitle.id = cartTitleId;
  cartTitle.tabIndex = -1;
  const cartBack = button("ap-cart-back", "Back to chat", null);
  cartHead.append(cartTitle, cartBack);
  const cartLines = el("ul", "ap-lines");
  const cartEmpty = el("p", "ap-cart-empty", "Your cart is empty. Ask me for something and add it from a card.");
  const cartOffer = el("p", "ap-offer ap-hidden");
  const totals = el("dl", "ap-totals");
  const cartFoot = el("div", "ap-cart-foot");
  const checkoutButton = button("ap-checkout-btn", "Checkout", null);
  const checkoutLinkSlot = el("div", "ap-checkout-slot");
  cartFoot.append(checkoutButton, checkoutLinkSlot);
  cartPanel.append(cartHead, cartLines, cartEmpty, cartOffer, totals, cartFoot);

  body.append(log, typing, cartPanel);

  const form = el("form", "ap-form");
  const input = el("input", "ap-input");
  input.type = "text";
  input.maxLength = MAX_CONTENT;
  input.placeholder = "Ask about a product…";
  input.autocomplete = "off";
  input.setAttribute("aria-label", "Your message");
  const send = el("button", "ap-send", "Send");
  send.type = "submit";
  form.append(input, send);

  panel.append(header, status, body, form);
  root.append(launcher, panel);

  function applyTheme() {
    const probe = (value) => {
      if (!value || !(window.CSS && CSS.supports && CSS.supports("color", value))) return null;
      return value;
    };
    const accent = probe(config.accent);
    if (accent) host.style.setProperty("--ap-accent", accent);
    let text = probe(config.accentText);
    if (accent && !text) text = readableOn(accent);
    if (text) host.style.setProperty("--ap-accent-text", text);
  }

  // white or near-black, whichever contrasts more with `colour` (WCAG relative luminance)
  function readableOn(colour) {
    const probe = el("span");
    probe.style.color = colour;
    root.appendChild(probe);
    const rgb = (getComputedStyle(probe).color.match(/[\d.]+/g) || []).slice(0, 3).map(Number);
    probe.remove();
    if (rgb.length < 3) return null;
    const [r, g, b] = rgb.map((c) => {
      const v = c / 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    return (1.05 / (lum + 0.05)) >= ((lum + 0.05) / 0.05) ? "#ffffff" : "#111418";
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function scrollDown(force) {
    if (force || nearBottom()) log.scrollTop = log.scrollHeight;
  }

  function bubble(role, text) {
    const node = el("div", `ap-msg ap-${role}`, text);
    log.appendChild(node);
    scrollDown(true);
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
    if (on) scrollDown(true);
  }

  // --- the cart ------------------------------------------------------------------------

  let cart = { lines: [], item_count: 0, subtotal_minor: 0, currency: "USD" };
  let offer = null;
  let checkoutUrl = null; // the link for the cart as it is; a change to the cart drops it
  let busy = false; // a message is being answered: controls wait, as a second would be refused

  function sameLine(line, edit) {
    const same = (a, b) => String(a || "").toLowerCase() === String(b || "").toLowerCase();
    return line.external_id === edit.external_id && same(line.size, edit.size)
      && same(line.color, edit.color);
  }

  function lineOptions(line) {
    return [line.size ? `size ${line.size}` : null, line.color || null].filter(Boolean).join(", ");
  }

  function setCart(next, nextOffer) {
    if (!next || !Array.isArray(next.lines) || typeof next.item_count !== "number") return;
    const changed = JSON.stringify(next.lines) !== JSON.stringify(cart.lines);
    cart = next;
    if (nextOffer !== undefined) offer = nextOffer;
    if (changed) checkoutUrl = null;
    const count = String(cart.item_count);
    cartCount.textContent = count;
    launcherBadge.textContent = count;
    cartButton.classList.toggle("ap-cart-full", cart.item_count > 0);
    cartUnit.textContent = cart.item_count === 1 ? " item" : " items";
    launcher.setAttribute("aria-label", cart.item_count > 0
      ? `Open the shopping assistant (${count} in your cart)` : "Open the shopping assistant");
    launcherBadge.classList.toggle("ap-hidden", cart.item_count === 0);
    renderCart();
  }

  function stepper(line, index) {
    const name = line.name;
    const wrap = el("div", "ap-stepper");
    wrap.setAttribute("role", "group");
    wrap.setAttribute("aria-label", `Quantity of ${name}`);
    const less = button("ap-step", "\u2212", `One fewer ${name}`);
    const qty = el("output", "ap-qty", line.quantity);
    qty.setAttribute("aria-label", `${line.quantity} in cart`);
    const more = button("ap-step", "+", `One more ${name}`);
    less.disabled = busy || line.quantity <= 1;
    more.disabled = busy;
    less.addEventListener("click", () => editLine(line, line.quantity - 1, index));
    more.addEventListener("click", () => editLine(line, line.quantity + 1, index));
    wrap.append(less, qty, more);
    return wrap;
  }

  function renderCart() {
    const active = root.activeElement;
    const focusWasHere = Boolean(active) && cartPanel.contains(active);
    cartLines.textContent = "";
    const lines = cart.lines || [];
    cartEmpty.classList.toggle("ap-hidden", lines.length > 0);
    lines.forEach((line, index) => {
      const item = el("li", "ap-line");
      item.appendChild(thumb(line.image_url, line.name, "ap-line-img"));
      const info = el("div", "ap-line-info");
      info.appendChild(el("div", "ap-line-name", line.name));
      const options = lineOptions(line);
      if (options) info.appendChild(el("div", "ap-line-options", options));
      info.appendChild(el("div", "ap-line-unit", `${money(line.unit_price_minor, line.currency)} each`));
      const actions = el("div", "ap-line-actions");
      actions.appendChild(stepper(line, index));
      const remove = button("ap-remove", "Remove", `Remove ${line.name} from the cart`);
      remove.disabled = busy;
      remove.addEventListener("click", () => editLine(line, 0, index));
      actions.appendChild(remove);
      info.appendChild(actions);
      item.appendChild(info);
      item.appendChild(el("div", "ap-line-total",
        money(line.unit_price_minor * line.quantity, line.currency)));
      cartLines.appendChild(item);
    });
    totals.textContent = "";
    const row = (label, value, className) => {
      const term = el("dt", className, label);
      const detail = el("dd", className, value);
      totals.append(term, detail);
    };
    if (lines.length) {
      row("Subtotal", money(cart.subtotal_minor, cart.currency));
      if (offer && offer.discount_minor > 0) {
        row(`Your offer (${offer.percent}% off)`, `\u2212${money(offer.discount_minor, offer.currency)}`,
          "ap-discount");
        row("Total", money(offer.total_minor, offer.currency), "ap-total");
      }
    }
    if (offer && offer.discount_minor > 0 && lines.length) {
      const until = new Date(offer.expires_at);
      const time = isNaN(until) ? "" : ` until ${until.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}`;
      cartOffer.textContent = `The assistant offered you ${offer.percent}% off${time}; checkout applies it.`;
      cartOffer.classList.remove("ap-hidden");
    } else {
      cartOffer.classList.add("ap-hidden");
    }
    checkoutButton.classList.toggle("ap-hidden", !lines.length || Boolean(checkoutUrl));
    checkoutButton.disabled = busy;
    checkoutLinkSlot.textContent = "";
    if (checkoutUrl && lines.length) checkoutLinkSlot.appendChild(checkoutAnchor(checkoutUrl));
    // a control the keyboard was on went away (lines are drawn anew, a busy one is
    // disabled): the panel's title holds the focus until restoreFocus puts it back
    const now = root.activeElement;
    if (focusWasHere && !cartPanel.classList.contains("ap-hidden")
        && (!now || !cartPanel.contains(now) || now.disabled)) {
      cartTitle.focus();
    }
  }

  function openCart() {
    cartPanel.classList.remove("ap-hidden");
    cartButton.setAttribute("aria-expanded", "true");
    renderCart();
    cartTitle.focus();
  }

  function closeCart(focusBack) {
    if (cartPanel.classList.contains("ap-hidden")) return;
    cartPanel.classList.add("ap-hidden");
    cartButton.setAttribute("aria-expanded", "false");
    if (focusBack) cartButton.focus();
  }

  function editLine(line, quantity, index) {
    const name = line.name + (lineOptions(line) ? ` (${lineOptions(line)})` : "");
    const words = quantity === 0 ? `Remove ${name} from my cart`
      : `Change ${name} to ${quantity}`;
    const edit = { external_id: line.external_id, quantity };
    if (line.size) edit.size = String(line.size);
    if (line.color) edit.color = String(line.color);
    sendMessage(words, edit);
    // keep the keyboard where it was: the same line's control once the cart comes back
    pendingFocus = { index, quantity };
  }

  let pendingFocus = null;

  function restoreFocus() {
    if (!pendingFocus || cartPanel.classList.contains("ap-hidden")) return;
    if (pendingFocus.checkout) {
      pendingFocus = null;
      const link = checkoutLinkSlot.querySelector("a");
      (link || (checkoutButton.classList.contains("ap-hidden") ? cartTitle : checkoutButton)).focus();
      return;
    }
    const items = cartLines.querySelectorAll(".ap-line");
    const item = items[Math.min(pendingFocus.index, items.length - 1)];
    const target = item ? item.querySelector(".ap-step:not(:disabled), .ap-remove") : checkoutButton;
    pendingFocus = null;
    if (target) target.focus();
    else cartTitle.focus();
  }

  function setBusy(on) {
    busy = on;
    root.querySelectorAll(".ap-add").forEach((add) => {
      add.disabled = on || add.dataset.soldOut === "true";
    });
    renderCart();
    if (!on) restoreFocus();
  }

  // --- product cards -------------------------------------------------------------------

  function thumb(url, name, className) {
    const placeholder = el("div", `${className} ap-noimg`);
    placeholder.setAttribute("aria-hidden", "true");
    placeholder.appendChild(el("span", null, (String(name || "?").trim()[0] || "?").toUpperCase()));
    const image = safeUrl(url);
    if (!image) return placeholder;
    const img = el("img", className);
    img.alt = "";
    img.loading = "lazy";
    img.decoding = "async";
    img.addEventListener("error", () => img.replaceWith(placeholder));
    img.src = image;
    return img;
  }

  function choice(label, values, name, inStock) {
    const wrap = el("label", "ap-choice");
    wrap.appendChild(el("span", "ap-visually-hidden", `${label} of ${name}`));
    const select = el("select", "ap-select");
    const first = el("option", null, label);
    first.value = "";
    select.appendChild(first);
    values.forEach((value) => {
      const soldOut = !inStock(value);
      const option = el("option", null, soldOut ? `${value} (sold out)` : value);
      option.value = String(value);
      option.disabled = soldOut;
      select.appendChild(option);
    });
    wrap.appendChild(select);
    return { wrap, select };
  }

  function options(values) {
    const seen = new Map();
    (Array.isArray(values) ? values : []).forEach((v) => {
      const text = String(v || "").trim();
      if (text && text.toLowerCase() !== "one size" && !seen.has(text.toLowerCase())) {
        seen.set(text.toLowerCase(), text);
      }
    });
    return [...seen.values()];
  }

  function productCard(product) {
    const name = String(product.name || "");
    const card = el("article", "ap-card");
    card.setAttribute("aria-label", name);
    card.appendChild(thumb(product.image_url, name, "ap-card-img"));
    const nameNode = el("h4", "ap-card-name", name);
    nameNode.title = name;
    card.appendChild(nameNode);
    const price = el("p", "ap-card-price");
    price.appendChild(el("span", "ap-card-now", product.price));
    if (product.compare_at) {
      const was = el("s", "ap-card-was", product.compare_at);
      was.setAttribute("aria-label", `was ${product.compare_at}`);
      price.appendChild(was);
    }
    card.appendChild(price);
    const soldOut = product.in_stock === false;
    card.appendChild(el("p", `ap-card-stock ${soldOut ? "ap-out" : "ap-in"}`,
      soldOut ? "Out of stock" : "In stock"));
    const sizes = options(product.sizes);
    const colours = options(product.colors);
    // [size, colour] of each variant in stock (the server sends at most 40 of them)
    const stocked = Array.isArray(product.available) && product.available.length < 40
      ? product.available : null;
    const inStock = (position) => {
      const known = stocked && stocked.some((pair) => pair && pair[position]);
      return (value) => !known || stocked.some(
        (pair) => String((pair || [])[position] || "").toLowerCase() === value.toLowerCase());
    };
    let size = null;
    let colour = null;
    if (sizes.length > 1) {
      size = choice("Size", sizes, name, inStock(0));
      card.appendChild(size.wrap);
    }
    if (colours.length > 1) {
      colour = choice("Colour", colours, name, inStock(1));
      card.appendChild(colour.wrap);
    }
    const add = button("ap-add", soldOut ? "Sold out" : "Add to cart",
      `${soldOut ? "Sold out" : "Add to cart"}: ${name}`);
    add.dataset.soldOut = String(soldOut);
    add.disabled = soldOut || busy;
    add.addEventListener("click", () => {
      const edit = { external_id: product.external_id };
      const chosen = [];
      if (size && size.select.value) {
        edit.size = size.select.value;
        chosen.push(`size ${edit.size}`);
      }
      if (colour && colour.select.value) {
        edit.color = colour.select.value;
        chosen.push(edit.color);
      }
      const line = (cart.lines || []).find((l) => sameLine(l, edit));
      edit.quantity = Math.min(999, (line ? line.quantity : 0) + 1);
      sendMessage(`Add ${name}${chosen.length ? ` (${chosen.join(", ")})` : ""} to my cart`, edit);
    });
    card.appendChild(add);
    return card;
  }

  function scroller(products) {
    const wrap = el("div", "ap-products");
    const row = el("div", "ap-cards");
    row.setAttribute("role", "region");
    row.setAttribute("aria-label", `${products.length} product${products.length === 1 ? "" : "s"}`);
    row.tabIndex = 0; // arrow keys scroll it; Tab walks its cards' controls
    products.forEach((p) => row.appendChild(productCard(p)));
    const step = () => Math.max(140, row.clientWidth * 0.8);
    const prev = button("ap-scroll ap-prev", "\u2039", "Scroll products left");
    const next = button("ap-scroll ap-next", "\u203a", "Scroll products right");
    prev.tabIndex = -1; // for the mouse: the keyboard scrolls the row itself
    next.tabIndex = -1;
    prev.addEventListener("click", () => row.scrollBy({ left: -step(), behavior: "smooth" }));
    next.addEventListener("click", () => row.scrollBy({ left: step(), behavior: "smooth" }));
    const update = () => {
      const max = row.scrollWidth - row.clientWidth;
      prev.classList.toggle("ap-hidden", row.scrollLeft <= 2);
      next.classList.toggle("ap-hidden", row.scrollLeft >= max - 2);
    };
    row.addEventListener("scroll", update, { passive: true });
    // a mouse wheel turns the row, not the conversation, while the pointer is over it
    row.addEventListener("wheel", (event) => {
      if (Math.abs(event.deltaY) <= Math.abs(event.deltaX)) return;
      const max = row.scrollWidth - row.clientWidth;
      if ((event.deltaY < 0 && row.scrollLeft <= 0) || (event.deltaY > 0 && row.scrollLeft >= max)) return;
      row.scrollLeft += event.deltaY;
      event.preventDefault();
    }, { passive: false });
    wrap.append(row, prev, next);
    requestAnimationFrame(update);
    return wrap;
  }

  function showProducts(products) {
    if (!Array.isArray(products) || products.length === 0) return;
    log.appendChild(scroller(products.slice(0, MAX_CARDS)));
    scrollDown(true);
  }

  function checkoutAnchor(url) {
    const link = el("a", "ap-checkout", "Go to checkout");
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener";
    link.setAttribute("aria-label", "Go to checkout (opens a new tab)");
    return link;
  }

  function showCheckout(url) {
    log.appendChild(checkoutAnchor(url));
    scrollDown(true);
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
    if (!stream) {
      stream = { node: bubble("agent", ""), pieces: [] };
      stream.node.setAttribute("aria-busy", "true"); // read once it is whole
    }
    return stream;
  }

  function dropStream() {
    if (stream) stream.node.remove();
    stream = null;
  }

  function agentText(frame, url) {
    const message = frame.message;
    const cards = Array.isArray(frame.products) && frame.products.length > 0;
    let text = cards && frame.reply_with_cards ? frame.reply_with_cards : message.content;
    // a signed checkout URL is long and unreadable: the button below stands for it
    if (url) text = text.replace(CHECKOUT_URL, "(the checkout button below)");
    return text;
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
      current.node.textContent = current.pieces.join("").replace(LISTING_LINE, "");
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
      node.textContent = agentText(frame, url);
      node.removeAttribute("aria-busy");
      stream = null;
      remember(message);
      showProducts(frame.products);
      if (!frame.replayed) {
        setCart(frame.cart, frame.offer === undefined ? undefined : frame.offer);
        if (url) checkoutUrl = url; // for the cart as it is now
        setBusy(pending.size > 0); // draws the cart, and puts the keyboard back
      }
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
      setBusy(false);
      if (frame.status === "handoff") setStatus("A person from the team will reply here.");
      else setStatus("");
    },
    resumed(frame) {
      attempt = 0; // the server answered: this connection really works
      if (frame.cart && !frame.cart.truncated) setCart(frame.cart);
      if (frame.more) return sendFrame({ action: "resume", after_seq: lastSeq });
      // what this tab sent but never saw stored goes again; the client id makes it safe
      pending.forEach(({ frame: message }) => sendFrame(message));
      return undefined;
    },
    error(frame) {
      setTyping(false);
      dropStream();
      setBusy(false);
      pendingFocus = null;
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

  function sendMessage(text, cartEdit) {
    const content = String(text || "").trim().slice(0, MAX_CONTENT);
    if (!content) return;
    const id = newId();
    const frame = { action: "message", content, client_message_id: id };
    if (cartEdit) frame.cart_edit = cartEdit;
    const node = bubble("user", content);
    node.classList.add("ap-pending");
    pending.set(id, { frame, node });
    setBusy(true);
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
        setCart({ lines: [], item_count: 0, subtotal_minor: 0, currency: cart.currency }, null);
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
    host.classList.add("ap-open");
    if (!greeted) {
      greeted = true;
      bubble("agent ap-greeting", config.greeting);
    }
    if (!session && !starting) start();
    input.focus();
  }

  function closePanel() {
    closeCart(false);
    panel.classList.add("ap-hidden");
    launcher.classList.remove("ap-hidden");
    host.classList.remove("ap-open");
    launcher.focus();
  }

  launcher.addEventListener("click", openPanel);
  close.addEventListener("click", closePanel);
  cartButton.addEventListener("click", () => {
    if (cartPanel.classList.contains("ap-hidden")) openCart();
    else closeCart(true);
  });
  cartBack.addEventListener("click", () => closeCart(true));
  checkoutButton.addEventListener("click", () => {
    sendMessage("checkout");
    pendingFocus = { checkout: true }; // the link, when it comes
  });
  panel.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.stopPropagation();
    if (!cartPanel.classList.contains("ap-hidden")) closeCart(true);
    else closePanel();
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
    applyTheme();
    setCart({ lines: [], item_count: 0, subtotal_minor: 0, currency: "USD" }, null);
    // a conversation already under way in this tab (a reload) reopens where it was
    if (config.open || store.load()) openPanel();
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  window.AgentPayWidget = { open: openPanel, close: closePanel, send: (text) => sendMessage(text),
                            openCart: () => { openPanel(); openCart(); } };
})();
