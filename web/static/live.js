// Shared by the console and the presenter screen: DOM building with textContent only (no
// HTML string is ever parsed, so a question that looks like markup stays text), the page's
// translations, and a server-sent events stream that reconnects by itself.
"use strict";

const Live = (() => {
  const UI = JSON.parse(document.body.dataset.ui || "{}");

  function t(key) {
    return Object.prototype.hasOwnProperty.call(UI, key) ? UI[key] : key;
  }

  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "text") node.textContent = String(value);
      else if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  // EventSource with handlers per event name; `onState(true|false)` when it (dis)connects,
  // `onGone()` when the server refused it for good (signed out, key replaced).
  function follow(url, handlers, { onState = () => {}, onGone = () => {} } = {}) {
    let source = null;
    let opened = false;
    let stopped = false;
    function connect() {
      source = new EventSource(url);
      source.addEventListener("open", () => {
        onState(true, opened);
        opened = true;
      });
      for (const [name, handler] of Object.entries(handlers)) {
        source.addEventListener(name, (event) => {
          let data = null;
          try {
            data = JSON.parse(event.data);
          } catch (_) {
            return;
          }
          handler(data);
        });
      }
      source.addEventListener("error", () => {
        onState(false, opened);
        if (source.readyState === EventSource.CLOSED && !stopped) {
          // Refused (HTTP error): ask once whether we may still follow, then retry or stop.
          fetch(url, { method: "HEAD", credentials: "same-origin" })
            .then((response) => {
              if (response.status === 401 || response.status === 403) onGone();
              else setTimeout(connect, 2000);
            })
            .catch(() => setTimeout(connect, 2000));
        }
      });
    }
    connect();
    return {
      close() {
        stopped = true;
        if (source) source.close();
      },
    };
  }

  return { t, el, follow, UI };
})();
