// The sandbox page: one column per simulated person, kept current by long polling
// GET /sandbox/api/chats; typing, buttons and votes go out as POSTs with the page's token.
"use strict";

(() => {
  const { ui, el, message } = SandboxRender;
  const API = "/sandbox/api/";
  const TOKEN = document.querySelector('meta[name="sandbox-token"]').content;
  const columns = new Map(); // person id -> column parts
  let version = "";
  let bot = null;

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function post(action, body) {
    const response = await fetch(API + action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-Sandbox-Token": TOKEN },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    let data;
    try {
      data = JSON.parse(text);
    } catch (_) {
      data = { ok: false, description: text || `HTTP ${response.status}` };
    }
    if (!response.ok || !data.ok) throw new Error(data.description || `HTTP ${response.status}`);
    return data;
  }

  function showError(column, text) {
    column.error.textContent = text || "";
    column.error.hidden = !text;
  }

  function showToast(column, text, alert) {
    if (alert) {
      column.alertText.textContent = text;
      column.alert.hidden = false;
      column.alertOk.focus();
      return;
    }
    column.toast.textContent = text;
    column.toast.hidden = false;
    clearTimeout(column.toastTimer);
    column.toastTimer = setTimeout(() => (column.toast.hidden = true), 3500);
  }

  function actionsFor(column) {
    const id = column.person.id;
    const t = () => ui(column.person);
    const act = async (work) => {
      try {
        await work();
        showError(column, "");
      } catch (error) {
        showError(column, error.message);
      }
      refresh();
    };
    return {
      bot: () => bot,
      send: (text) => act(() => post("send", { person: id, text })),
      vote: (messageId, options) => act(() => post("vote", { person: id, message: messageId, options })),
      press: (messageId, row, col, node) => act(async () => {
        node.classList.add("pending");
        node.disabled = true;
        try {
          const data = await post("press", { person: id, message: messageId, row, col });
          if (data.answer === null) showToast(column, t().noAnswer, false);
          else if (data.answer.text) showToast(column, data.answer.text, data.answer.show_alert);
        } finally {
          node.classList.remove("pending");
          node.disabled = false;
        }
      }),
    };
  }

  function buildColumn(person) {
    const t = ui(person);
    const root = el("section", { class: "column", "data-person": person.id, "data-role": person.role, dir: person.dir, lang: person.language });
    const column = { person, root, rendered: "" };
    column.actions = actionsFor(column);
    const role = t.roles[person.role] || person.role;
    root.append(el("header", { class: "column-head" },
      el("span", { class: "avatar", "aria-hidden": "true", text: person.name.slice(0, 1) }),
      el("span", { class: "who" },
        el("span", { class: "name", dir: "auto", text: person.name }),
        el("span", { class: "role", text: `${role} · ${t.language}` }))));
    column.list = el("div", { class: "messages", role: "log", "aria-live": "polite" });
    column.list.addEventListener("click", (event) => {
      const a = event.target.closest("a[data-start]");
      if (!a) return;
      event.preventDefault(); // a link to this bot: Telegram opens the chat and sends /start
      column.actions.send(a.dataset.start ? `/start ${a.dataset.start}` : "/start");
    });
    column.toast = el("div", { class: "toast", role: "status", hidden: true });
    column.alertText = el("p", { dir: "auto" });
    column.alertOk = el("button", { type: "button", text: t.ok });
    column.alert = el("div", { class: "alert", role: "alertdialog", hidden: true }, column.alertText, column.alertOk);
    column.alertOk.addEventListener("click", () => (column.alert.hidden = true));
    column.error = el("div", { class: "error", role: "alert", dir: "auto", hidden: true });
    column.menu = el("div", { class: "menu", hidden: true });
    const menuButton = el("button", { type: "button", class: "menu-button", title: t.menu, "aria-label": t.menu, text: "☰" });
    menuButton.addEventListener("click", () => (column.menu.hidden = !column.menu.hidden));
    const input = el("textarea", { rows: "1", dir: "auto", placeholder: t.placeholder, "aria-label": t.placeholder });
    const send = el("button", { type: "submit", class: "send", text: t.send });
    const form = el("form", { class: "composer" }, menuButton, input, send);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      send.disabled = true;
      try {
        await post("send", { person: person.id, text: input.value });
        input.value = "";
        showError(column, "");
      } catch (error) {
        showError(column, error.message);
      } finally {
        send.disabled = false;
        input.focus();
      }
      refresh();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    column.input = input;
    root.append(column.list, column.toast, column.alert, column.error, column.menu, form);
    return column;
  }

  function renderMenu(column, commands) {
    const key = JSON.stringify(commands);
    if (column.menuKey === key) return;
    column.menuKey = key;
    column.menu.replaceChildren();
    for (const command of commands) {
      const item = el("button", { type: "button", class: "menu-item" },
        el("span", { class: "command", dir: "ltr", text: `/${command.command}` }),
        el("span", { class: "description", dir: "auto", text: command.description }));
      item.addEventListener("click", () => {
        column.menu.hidden = true;
        column.actions.send(`/${command.command}`);
      });
      column.menu.append(item);
    }
  }

  function renderColumn(column, person) {
    column.person = person;
    renderMenu(column, person.commands);
    const key = JSON.stringify(person.messages);
    if (key === column.rendered) return;
    column.rendered = key;
    const list = column.list;
    const atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    const nodes = person.messages.map((data) => message(person, data, column.actions));
    if (!nodes.length) {
      const t = ui(person);
      const start = el("button", { type: "button", class: "start", text: t.start });
      start.addEventListener("click", () => column.actions.send("/start"));
      nodes.push(el("div", { class: "empty" }, el("p", { text: t.empty }), start));
    }
    list.replaceChildren(...nodes);
    if (atEnd || !column.scrolled) {
      list.scrollTop = list.scrollHeight;
      column.scrolled = true;
    }
  }

  function renderHeader(data) {
    const links = document.getElementById("links");
    const key = JSON.stringify(data.links);
    if (links.dataset.key !== key) {
      links.dataset.key = key;
      links.replaceChildren(...data.links.map((l) => el("a", { href: l.href, target: "_blank", rel: "noopener", text: l.label })));
    }
    const status = document.getElementById("status");
    const entries = Object.entries(data.status || {});
    status.hidden = entries.length === 0;
    status.replaceChildren(...entries.map(([name, value]) =>
      el("span", { class: "fact" }, el("b", { text: `${name}: ` }), el("span", { dir: "auto", text: String(value) }))));
  }

  function render(data) {
    bot = data.bot.username;
    renderHeader(data);
    const main = document.getElementById("chats");
    for (const person of data.people) {
      let column = columns.get(person.id);
      if (!column) {
        column = buildColumn(person);
        columns.set(person.id, column);
        main.append(column.root);
      }
      renderColumn(column, person);
    }
    document.body.dataset.version = data.version;
  }

  async function load(since) {
    const query = since ? `?since=${encodeURIComponent(since)}&wait=25` : "";
    const response = await fetch(`${API}chats${query}`, { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  }

  async function refresh() {
    try {
      const data = await load("");
      version = data.version;
      render(data);
    } catch (_) {
      /* the long poll below reports being offline */
    }
  }

  async function follow() {
    const online = document.getElementById("online");
    for (;;) {
      try {
        const data = await load(version);
        version = data.version;
        render(data);
        online.hidden = true;
      } catch (_) {
        online.hidden = false;
        await sleep(1000);
      }
    }
  }

  follow();
})();
