// The moderator console: the session's questions, kept current by server-sent events, the
// same actions as the Telegram cards, polls with live results, the presenter screen's link.
// Keys: a approve, r reject, n next question onto the screen, j/k or arrows move, Esc closes.
"use strict";

(() => {
  const { t, el, follow } = Live;
  const CSRF = document.querySelector('meta[name="csrf-token"]').content;
  const CAN_ACT = document.body.dataset.canAct === "1";
  const LANG = document.body.dataset.lang;
  const STATUSES = ["", "pending", "approved", "answered", "rejected", "merged", "withdrawn"];
  const REASONS = ["duplicate", "off_topic", "personal", "abusive", "already_answered"];
  const ALLOWED = {
    approve: ["pending"],
    reject: ["pending", "approved"],
    answered: ["pending", "approved"],
    on_screen: ["approved"],
    merge: ["pending", "approved"],
    reply: ["pending", "approved", "answered"],
    mute: ["pending", "approved", "answered", "rejected", "merged"],
  };
  const $ = (id) => document.getElementById(id);
  const state = { session: null, status: "", search: "", items: new Map(), selected: null };
  let stream = null;
  let reloadTimer = null;

  function toast(text, bad = false) {
    const box = $("toast");
    box.textContent = text;
    box.classList.toggle("bad", bad);
    box.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => (box.hidden = true), 4000);
  }

  async function api(path, body) {
    const options = { credentials: "same-origin", headers: {} };
    if (body !== undefined) {
      options.method = "POST";
      options.headers["Content-Type"] = "application/json";
      options.headers["X-CSRF-Token"] = CSRF;
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    if (response.status === 401) {
      location.reload();
      throw new Error("signed out");
    }
    const text = await response.text();
    let data = null;
    try {
      data = JSON.parse(text);
    } catch (_) {
      data = { ok: false, error: text || `HTTP ${response.status}` };
    }
    if (!response.ok) {
      toast((data && data.error) || `${t("failed")} (${response.status})`, true);
      throw new Error(data.error || String(response.status));
    }
    return data;
  }

  // -- questions ----------------------------------------------------------------------------
  function matches(item) {
    return !state.status || item.status === state.status;
  }

  function actionButton(item, action, label) {
    return el("button", {
      type: "button",
      class: `act act-${action}`,
      "data-action": action,
      text: label,
      onclick: (event) => {
        event.stopPropagation();
        start(item.id, action);
      },
    });
  }

  function renderItem(item) {
    const node = el("li", {
      class: `question status-${item.status}${state.selected === item.id ? " selected" : ""}`,
      "data-id": item.id,
      "data-status": item.status,
      tabindex: "-1",
      onclick: () => select(item.id),
    });
    const meta = el(
      "p",
      { class: "meta" },
      el("b", { text: `#${item.id}` }),
      el("span", { class: `badge ${item.status}`, text: t(`status.${item.status}`) }),
      el("span", { class: "votes", text: `▲ ${item.votes}` }),
      el("span", { class: "asker", dir: "auto", text: item.asker || t("anonymous") }),
      item.held ? el("span", { class: "badge held", text: t("held") }) : null,
      item.shown_at ? el("span", { class: "badge shown", text: t("shown") }) : null,
    );
    node.append(meta, el("p", { class: "text", dir: "auto", text: item.text }));
    if (item.reason) node.append(el("p", { class: "note", text: t(`reason.${item.reason}`) }));
    if (item.merged_into) {
      node.append(el("p", { class: "note", text: `${t("merged_into")} #${item.merged_into}` }));
    }
    if (item.reply) node.append(el("p", { class: "reply", dir: "auto", text: item.reply }));
    if (CAN_ACT) {
      const bar = el("div", { class: "actions" });
      for (const action of Object.keys(ALLOWED)) {
        if (ALLOWED[action].includes(item.status)) bar.append(actionButton(item, action, t(action)));
      }
      node.append(bar, el("div", { class: "form" }));
    }
    return node;
  }

  function draw() {
    const list = $("questions");
    const items = [...state.items.values()].sort((a, b) => b.id - a.id);
    list.replaceChildren(...items.map(renderItem));
    $("empty").hidden = items.length > 0;
  }

  function drawCounts(counts) {
    const tabs = $("statuses");
    const total = Object.values(counts || {}).reduce((a, b) => a + b, 0);
    tabs.replaceChildren(
      ...STATUSES.map((status) => {
        const count = status ? counts[status] || 0 : total;
        const label = status ? t(`status.${status}`) : t("all");
        return el("button", {
          type: "button",
          role: "tab",
          class: "tab",
          "data-status": status,
          "aria-selected": state.status === status ? "true" : "false",
          text: `${label} (${count})`,
          onclick: () => {
            state.status = status;
            load();
          },
        });
      }),
    );
  }

  async function load() {
    if (state.session === null) return;
    const query = new URLSearchParams({ session: state.session, status: state.status, q: state.search });
    const data = await api(`/console/api/questions?${query}`);
    state.items = new Map(data.items.map((item) => [item.id, item]));
    drawCounts(data.counts);
    draw();
  }

  function onQuestions(data) {
    drawCounts(data.counts);
    if (state.search) {
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(load, 300);
      return;
    }
    for (const item of data.items) {
      if (item.session_id !== state.session) continue;
      if (matches(item)) state.items.set(item.id, item);
      else state.items.delete(item.id);
    }
    draw();
  }

  function select(id) {
    state.selected = id;
    for (const node of document.querySelectorAll(".question")) {
      node.classList.toggle("selected", Number(node.dataset.id) === id);
    }
    const node = document.querySelector(`.question[data-id="${id}"]`);
    if (node) node.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const ids = [...document.querySelectorAll(".question")].map((n) => Number(n.dataset.id));
    if (!ids.length) return;
    const at = ids.indexOf(state.selected);
    select(ids[Math.min(ids.length - 1, Math.max(0, at < 0 ? 0 : at + step))]);
  }

  async function send(id, action, extra = {}) {
    const item = state.items.get(id);
    if (!item) return;
    await api(`/console/api/questions/${id}`, { action, revision: item.revision, ...extra });
    toast(t("done"));
  }

  function formOf(id) {
    const node = document.querySelector(`.question[data-id="${id}"] .form`);
    if (node) node.replaceChildren();
    return node;
  }

  // Approve, answered, on screen and mute at once; reject, merge and reply ask first.
  function start(id, action) {
    select(id);
    const item = state.items.get(id);
    if (!item || !ALLOWED[action].includes(item.status)) return;
    const form = formOf(id);
    if (action === "reject") {
      form.append(
        el("span", { text: t("reason") }),
        ...REASONS.map((reason) =>
          el("button", {
            type: "button",
            class: "reason",
            "data-reason": reason,
            text: t(`reason.${reason}`),
            onclick: () => send(id, "reject", { reason }).catch(() => {}),
          }),
        ),
        el("button", { type: "button", text: t("cancel"), onclick: () => form.replaceChildren() }),
      );
      form.querySelector("button").focus();
    } else if (action === "merge" || action === "reply") {
      const input =
        action === "merge"
          ? el("input", { type: "number", min: "1", placeholder: t("merge_into"), class: "target" })
          : el("textarea", { rows: "3", maxlength: "3000", dir: "auto", placeholder: t("reply_placeholder") });
      const submit = () => {
        const extra = action === "merge" ? { target: Number(input.value) } : { text: input.value };
        send(id, action, extra).catch(() => {});
      };
      form.append(
        input,
        el("button", { type: "button", class: "primary", text: t("send"), onclick: submit }),
        el("button", { type: "button", text: t("cancel"), onclick: () => form.replaceChildren() }),
      );
      input.focus();
    } else {
      send(id, action).catch(() => {});
    }
  }

  // -- polls --------------------------------------------------------------------------------
  function pollText(poll) {
    return (LANG === "ar" ? poll.question_ar || poll.question_en : poll.question_en || poll.question_ar) || "";
  }

  function renderPoll(poll) {
    const node = el("article", { class: `poll status-${poll.status}`, "data-poll": poll.id });
    node.append(
      el(
        "p",
        { class: "meta" },
        el("b", { text: `#${poll.id}` }),
        el("span", { class: `badge ${poll.status}`, text: t(`poll.${poll.status}`) }),
        el("span", { text: `${t("voters")}: ${poll.voters}` }),
        poll.average !== null ? el("span", { text: `${t("average")}: ${poll.average}` }) : null,
      ),
      el("p", { class: "text", dir: "auto", text: pollText(poll) }),
    );
    const bars = el("ol", { class: "bars" });
    for (const option of poll.options) {
      const fill = el("span", { class: "fill" });
      fill.style.inlineSize = `${option.percent}%`;
      bars.append(
        el(
          "li",
          { "data-position": option.position },
          el("span", { class: "label", dir: "auto", text: LANG === "ar" ? option.text_ar : option.text_en }),
          el("span", { class: "bar" }, fill),
          el("span", { class: "count", text: `${option.count} · ${option.percent}%` }),
        ),
      );
    }
    node.append(bars);
    if (poll.kind === "text" || poll.answers) node.append(el("p", { text: `${t("answers")}: ${poll.answers}` }));
    if (CAN_ACT) {
      const action = { draft: "launch", open: "close", closed: "publish" }[poll.status];
      if (action) {
        node.append(
          el("button", {
            type: "button",
            class: `poll-${action}`,
            text: t(action),
            onclick: () =>
              api(`/console/api/polls/${poll.id}`, { action })
                .then(() => toast(t("done")))
                .catch(() => {}),
          }),
        );
      }
    }
    return node;
  }

  async function loadPolls() {
    const polls = await api(`/console/api/polls?session=${state.session}`);
    const box = $("polls");
    box.replaceChildren(...polls.map(renderPoll));
    if (!polls.length) box.append(el("p", { class: "empty", text: t("no_polls") }));
  }

  function onPoll(poll) {
    if (poll.session_id !== state.session) return;
    const old = document.querySelector(`[data-poll="${poll.id}"]`);
    if (old) old.replaceWith(renderPoll(poll));
    else loadPolls();
  }

  // -- screen link and exports --------------------------------------------------------------
  function showScreen(path) {
    const url = location.origin + path;
    $("screen-url").value = url;
    $("screen-open").href = url;
    $("screen-obs").href = `${url}&transparent=1`;
    $("screen-panel").hidden = false;
  }

  async function loadScreen() {
    if (!CAN_ACT) return;
    showScreen((await api(`/console/api/screen?session=${state.session}`)).path);
  }

  function drawExports() {
    $("exports").replaceChildren(
      ...["xlsx", "csv", "json", "pdf"].map((fmt) =>
        el("a", { href: `/exports/${state.session}.${fmt}`, download: "", text: fmt.toUpperCase() }),
      ),
    );
  }

  // -- the session --------------------------------------------------------------------------
  function open(sessionId) {
    state.session = sessionId;
    state.items = new Map();
    history.replaceState(null, "", `#session=${sessionId}`);
    if (stream) stream.close();
    stream = follow(
      `/console/events?session=${sessionId}`,
      { question: onQuestions, poll: onPoll, resync: () => refresh() },
      {
        onState: (up) => {
          $("offline").hidden = up;
          document.body.dataset.live = up ? "1" : "0";
          // Following from now on: read what changed before (first open, or after a break).
          if (up) refresh();
        },
        onGone: () => location.reload(),
      },
    );
    drawExports();
  }

  function refresh() {
    load().catch(() => {});
    loadPolls().catch(() => {});
    loadScreen().catch(() => {});
  }

  async function start_page() {
    const sessions = await api("/console/api/sessions");
    const select = $("session");
    select.replaceChildren(
      ...sessions.map((s) =>
        el("option", { value: s.id, text: `#${s.id} ${LANG === "ar" ? s.title_ar : s.title_en} · ${t(`session.${s.status}`) || s.status}` }),
      ),
    );
    if (!sessions.length) {
      $("empty").textContent = t("no_session");
      $("empty").hidden = false;
      return;
    }
    const wanted = Number(new URLSearchParams(location.hash.slice(1)).get("session"));
    const chosen = sessions.some((s) => s.id === wanted) ? wanted : sessions[0].id;
    select.value = String(chosen);
    select.addEventListener("change", () => open(Number(select.value)));
    open(chosen);
  }

  // -- keys and controls --------------------------------------------------------------------
  document.addEventListener("keydown", (event) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(event.target.tagName);
    if (event.key === "Escape") {
      for (const form of document.querySelectorAll(".form")) form.replaceChildren();
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key.toLowerCase();
    if (key === "j" || event.key === "ArrowDown") move(1);
    else if (key === "k" || event.key === "ArrowUp") move(-1);
    else if (!CAN_ACT) return;
    else if (key === "a" && state.selected !== null) start(state.selected, "approve");
    else if (key === "r" && state.selected !== null) start(state.selected, "reject");
    else if (key === "n") pullNext();
    else return;
    event.preventDefault();
  });

  function pullNext() {
    api("/console/api/next", {})
      .then(() => toast(t("done")))
      .catch(() => {});
  }

  if (CAN_ACT) {
    $("next").hidden = false;
    $("next").addEventListener("click", pullNext);
  } else {
    $("readonly").hidden = false;
  }

  $("search").addEventListener("input", () => {
    state.search = $("search").value;
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(load, 250);
  });

  $("language").addEventListener("click", () => {
    api("/console/api/language", { language: $("language").dataset.language })
      .then(() => location.reload())
      .catch(() => {});
  });

  $("screen-rotate").addEventListener("click", () => {
    api(`/console/api/screen/${state.session}/rotate`, {})
      .then((data) => {
        showScreen(data.path);
        toast(t("rotated"));
      })
      .catch(() => {});
  });

  start_page().catch(() => {});
})();
