// Drawing what the bot sent: text with Telegram's entities, keyboards, polls and files.
// Everything is built with DOM nodes and textContent: no HTML string is ever parsed, so a
// text that looks like markup stays text.
"use strict";

const SandboxRender = (() => {
  const SAFE_URL = /^(https?:\/\/|tg:\/\/)/i;
  const URL_IN_TEXT = /(https?:\/\/[^\s<>"'\u2066-\u2069]+)/gi;

  const UI = {
    en: {
      send: "Send", placeholder: "Message", start: "START", edited: "edited", menu: "Menu",
      vote: "Vote", retract: "Retract vote", anonymous: "Anonymous poll", poll: "Poll",
      quiz: "Quiz", closed: "Final results", unavailable: "Not available in the sandbox",
      ok: "OK", noAnswer: "The bot did not answer this button.", download: "Download",
      empty: "No messages yet. Press START or type /start.",
      votes: (n) => (n === 1 ? "1 vote" : `${n} votes`),
      roles: { viewer: "Viewer", moderator: "Moderator", staff: "Staff", admin: "Admin" },
      language: "writes English",
    },
    ar: {
      send: "إرسال", placeholder: "رسالة", start: "ابدأ", edited: "معدّلة", menu: "القائمة",
      vote: "صوّت", retract: "سحب التصويت", anonymous: "استطلاع بلا أسماء", poll: "استطلاع",
      quiz: "اختبار", closed: "النتائج النهائية", unavailable: "غير متاح في البيئة التجريبية",
      ok: "حسناً", noAnswer: "لم يرد البوت على هذا الزر.", download: "تنزيل",
      empty: "لا رسائل بعد. اضغط «ابدأ» أو اكتب ‎/start‎.",
      votes: (n) => `عدد الأصوات: ${n}`,
      roles: { viewer: "مشاهد", moderator: "مشرف", staff: "موظف", admin: "مدير" },
      language: "يكتب بالعربية",
    },
  };

  function ui(person) {
    return person.language === "ar" ? UI.ar : UI.en;
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) node.append(child);
    return node;
  }

  // A link; t.me links to this bot act like Telegram: they send /start PAYLOAD.
  function link(url, text, bot) {
    const a = el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text });
    try {
      const parsed = new URL(url);
      const path = parsed.pathname.replace(/^\//, "").toLowerCase();
      if (parsed.hostname === "t.me" && bot && path === String(bot).toLowerCase()) {
        const payload = parsed.searchParams.get("start");
        a.dataset.start = payload && /^[A-Za-z0-9_-]{1,64}$/.test(payload) ? payload : "";
      }
    } catch (_) {
      /* not a URL a browser understands: still shown as text */
    }
    return a;
  }

  function plain(parent, text, linkify, bot) {
    if (!linkify) {
      parent.append(text);
      return;
    }
    let last = 0;
    for (const match of text.matchAll(URL_IN_TEXT)) {
      if (match.index > last) parent.append(text.slice(last, match.index));
      parent.append(link(match[0], match[0], bot));
      last = match.index + match[0].length;
    }
    if (last < text.length) parent.append(text.slice(last));
  }

  function entityNode(entity) {
    switch (entity.type) {
      case "bold": return el("b");
      case "italic": return el("i");
      case "underline": return el("u");
      case "strikethrough": return el("s");
      case "code": return el("code");
      case "pre": return el("pre");
      case "blockquote":
      case "expandable_blockquote": return el("blockquote");
      case "spoiler": {
        const node = el("span", { class: "spoiler", tabindex: "0" });
        node.addEventListener("click", () => node.classList.add("shown"));
        return node;
      }
      case "text_link":
        if (typeof entity.url === "string" && SAFE_URL.test(entity.url)) {
          return el("a", { href: entity.url, target: "_blank", rel: "noopener noreferrer" });
        }
        return el("span");
      default: return el("span", { "data-entity": entity.type });
    }
  }

  // Offsets are UTF-16 code units, as JavaScript strings count: slice() needs no conversion.
  function formatted(text, entities, bot) {
    const root = document.createDocumentFragment();
    const list = (entities || [])
      .filter((e) => Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0)
      .sort((a, b) => a.offset - b.offset || b.length - a.length);
    let next = 0;
    const build = (parent, start, end, linkify) => {
      let pos = start;
      while (next < list.length && list[next].offset < end) {
        const entity = list[next++];
        if (entity.offset < pos) continue; // overlaps the previous one: shown unformatted
        if (entity.offset > pos) plain(parent, text.slice(pos, entity.offset), linkify, bot);
        const node = entityNode(entity);
        const stop = Math.min(entity.offset + entity.length, end);
        const inner = linkify && !["code", "pre", "text_link"].includes(entity.type);
        build(node, entity.offset, stop, inner);
        parent.append(node);
        pos = stop;
      }
      if (pos < end) plain(parent, text.slice(pos, end), linkify, bot);
    };
    build(root, 0, text.length, true);
    return root;
  }

  function size(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  }

  function file(person, message) {
    const info = message.file;
    if (message.kind === "photo") {
      return el("a", { href: info.url, target: "_blank", rel: "noopener" },
        el("img", { class: "photo", src: info.url, alt: info.name }));
    }
    const a = el("a", { class: "file", href: info.url, download: info.name },
      el("span", { class: "file-icon", "aria-hidden": "true", text: "⬇" }),
      el("span", { class: "file-name", dir: "auto", text: info.name }),
      el("span", { class: "file-size", text: `${size(info.size)} · ${ui(person).download}` }));
    return a;
  }

  function poll(person, message, actions) {
    const t = ui(person);
    const data = message.poll;
    const voted = data.mine.length > 0;
    const showResults = voted || data.closed;
    const box = el("div", { class: "poll" });
    box.append(el("div", { class: "poll-question", dir: "auto", text: data.question }));
    const kind = data.quiz ? t.quiz : data.anonymous ? t.anonymous : t.poll;
    box.append(el("div", { class: "poll-kind", text: data.closed ? `${kind} · ${t.closed}` : kind }));
    const chosen = new Set();
    data.options.forEach((option, index) => {
      const share = data.total ? Math.round((option.votes * 100) / data.total) : 0;
      if (showResults) {
        const mine = data.mine.includes(index);
        const row = el("div", { class: `poll-result${mine ? " mine" : ""}`, "data-option": index });
        row.append(el("span", { class: "poll-share", text: `${share}%` }));
        row.append(el("span", { class: "poll-text", dir: "auto", text: (mine ? "✓ " : "") + option.text }));
        const bar = el("span", { class: "poll-bar" });
        bar.style.setProperty("inline-size", `${share}%`); // CSSOM: allowed by the CSP
        row.append(bar);
        box.append(row);
      } else if (data.multiple) {
        const input = el("input", { type: "checkbox", value: index });
        input.addEventListener("change", () => (input.checked ? chosen.add(index) : chosen.delete(index)));
        box.append(el("label", { class: "poll-option", "data-option": index }, input,
          el("span", { dir: "auto", text: option.text })));
      } else {
        const button = el("button", { type: "button", class: "poll-option", "data-option": index, dir: "auto", text: option.text });
        button.addEventListener("click", () => actions.vote(message.id, [index]));
        box.append(button);
      }
    });
    if (!showResults && data.multiple) {
      const submit = el("button", { type: "button", class: "poll-submit", text: t.vote });
      submit.addEventListener("click", () => actions.vote(message.id, [...chosen].sort()));
      box.append(submit);
    }
    box.append(el("div", { class: "poll-total", text: t.votes(data.total) }));
    if (voted && !data.closed && data.revoting) {
      const retract = el("button", { type: "button", class: "poll-retract", text: t.retract });
      retract.addEventListener("click", () => actions.vote(message.id, []));
      box.append(retract);
    }
    return box;
  }

  function keyboard(person, message, actions) {
    const t = ui(person);
    const board = el("div", { class: "keyboard" });
    message.buttons.forEach((row, r) => {
      const line = el("div", { class: "keyboard-row" });
      row.forEach((button, c) => {
        let node;
        if (button.type === "url" && button.url) {
          node = link(button.url, button.text, actions.bot());
          node.classList.add("button", "url");
        } else if (button.type === "callback") {
          node = el("button", { type: "button", class: "button", text: button.text });
          node.addEventListener("click", () => actions.press(message.id, r, c, node));
        } else {
          node = el("button", { type: "button", class: "button", disabled: true, title: t.unavailable, text: button.text });
        }
        node.setAttribute("dir", "auto");
        line.append(node);
      });
      board.append(line);
    });
    for (const row of message.keyboard) {
      const line = el("div", { class: "keyboard-row reply" });
      for (const text of row) {
        const node = el("button", { type: "button", class: "button", dir: "auto", text });
        node.addEventListener("click", () => actions.send(text));
        line.append(node);
      }
      board.append(line);
    }
    return board;
  }

  function message(person, data, actions) {
    const t = ui(person);
    const wrap = el("div", { class: `message ${data.from === "bot" ? "in" : "out"}`, "data-id": data.id, "data-kind": data.kind });
    const bubble = el("div", { class: "bubble", dir: "auto" });
    if (data.kind === "poll") bubble.append(poll(person, data, actions));
    if (data.file) bubble.append(file(person, data));
    if (data.text) bubble.append(el("div", { class: "text", dir: "auto" }, formatted(data.text, data.entities, actions.bot())));
    const when = new Date(data.date * 1000);
    const clock = Number.isNaN(when.getTime()) ? "" : when.toLocaleTimeString(person.language, { hour: "2-digit", minute: "2-digit" });
    bubble.append(el("div", { class: "meta", text: data.edited ? `${t.edited} ${clock}` : clock }));
    wrap.append(bubble);
    if (data.buttons.length || data.keyboard.length) wrap.append(keyboard(person, data, actions));
    return wrap;
  }

  return { UI, ui, el, message, formatted };
})();
