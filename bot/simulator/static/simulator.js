// The simulator page: sends events through /simulator/api/send and draws the replies as LINE would.
"use strict";

const chat = document.getElementById("chat");
const quick = document.getElementById("quick");
const office = document.getElementById("office");
const base = document.body.dataset.base.replace(/\/$/, "");
const session = localStorage.getItem("sim-session") || crypto.randomUUID();
localStorage.setItem("sim-session", session);

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function row(who, child) {
  const line = el("div", "row " + who);
  line.appendChild(child);
  chat.appendChild(line);
  chat.scrollTop = chat.scrollHeight;
  return line;
}

function say(who, text) {
  return row(who, el("div", "bubble", text));
}

// An action of a button or a quick reply: do what LINE would do when it is tapped.
function tap(action) {
  if (action.type === "message") return send({kind: "text", text: action.text}, action.text);
  if (action.type === "postback") return send({kind: "postback", data: action.data}, action.displayText || action.text);
  if (action.type === "uri") window.open(action.uri, "_blank");
}

// Flex components: the subset LINE bubbles of this bot use, drawn with plain DOM nodes.
function flexNode(c) {
  if (c.type === "box") {
    const box = el("div", "box " + (c.layout || "vertical"));
    if (c.spacing) box.style.gap = {xs: "2px", sm: "4px", md: "8px", lg: "12px", xl: "16px"}[c.spacing] || "4px";
    (c.contents || []).forEach((child) => box.appendChild(flexNode(child)));
    return box;
  }
  if (c.type === "text") {
    const text = el("div", ["text", c.weight === "bold" ? "bold" : "", c.size || "", c.wrap ? "wrap" : ""].join(" "), c.text);
    if (c.color) text.style.color = c.color;
    if (c.flex !== undefined) text.style.flex = String(c.flex);
    return text;
  }
  if (c.type === "button") {
    const button = el("button", "button", c.action.label || "");
    button.type = "button";
    if (c.action.type === "uri") button.dataset.uri = c.action.uri;
    button.addEventListener("click", () => tap(c.action));
    return button;
  }
  if (c.type === "separator") return el("div", "sep");
  return el("div", "", "");
}

function drawFlex(message) {
  const bubbles = message.contents.type === "carousel" ? message.contents.contents : [message.contents];
  bubbles.forEach((bubble) => {
    const card = el("div", "flex");
    card.setAttribute("aria-label", message.altText);
    ["header", "hero", "body", "footer"].forEach((part) => {
      if (!bubble[part]) return;
      const section = el("div", "section " + part);
      section.appendChild(flexNode(bubble[part]));
      card.appendChild(section);
    });
    row("bot", card);
  });
}

function drawQuickReplies(items) {
  quick.replaceChildren();
  items.forEach((item) => {
    const chip = el("button", "", item.action.label);
    chip.type = "button";
    chip.addEventListener("click", () => tap(item.action));
    quick.appendChild(chip);
  });
}

function draw(messages) {
  let items = [];
  messages.forEach((m) => {
    if (m.type === "text") say("bot", m.text);
    else if (m.type === "flex") drawFlex(m);
    else say("bot", "（" + m.type + " 訊息）");
    if (m.quickReply) items = m.quickReply.items;
  });
  drawQuickReplies(items);
}

async function waitForReply(token) {
  for (let i = 0; i < 50; i++) {
    const response = await fetch(base + "/api/replies/" + encodeURIComponent(token));
    const data = await response.json();
    if (!data.pending) return data.messages;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return null;
}

async function send(payload, shown) {
  if (shown) say("user", shown);
  quick.replaceChildren();
  const response = await fetch(base + "/api/send", {
    method: "POST", headers: {"Content-Type": "application/json"},
    body: JSON.stringify(Object.assign({agency: office.value, session}, payload)),
  });
  const sent = await response.json();
  if (sent.webhook_status !== 200) return say("info", "webhook 回應 " + sent.webhook_status);
  const messages = await waitForReply(sent.token);
  if (messages) draw(messages);
  else say("info", "（機器人這次沒有回覆）");
}

document.getElementById("ask").addEventListener("submit", (e) => {
  e.preventDefault();
  const input = document.getElementById("text");
  const text = input.value.trim();
  input.value = "";
  if (text) send({kind: "text", text}, text);
});
document.getElementById("follow").addEventListener("click", () => send({kind: "follow"}, ""));
document.getElementById("restart").addEventListener("click", () => { chat.replaceChildren(); quick.replaceChildren(); });
office.addEventListener("change", () => { chat.replaceChildren(); quick.replaceChildren(); say("info", "已換成：" + office.selectedOptions[0].text); });
