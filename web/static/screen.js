// The presenter screen: the question on screen and the poll's results, in large type,
// redrawn from each `screen` event (the stream sends the current state when it opens).
"use strict";

(() => {
  const { t, el, follow } = Live;
  const body = document.body;
  const LANG = body.dataset.lang;
  const $ = (id) => document.getElementById(id);
  const key = encodeURIComponent(body.dataset.key);

  if (!$("qr").getAttribute("src")) document.querySelector(".ask").hidden = true;

  function pollText(poll) {
    return (LANG === "ar" ? poll.question_ar || poll.question_en : poll.question_en || poll.question_ar) || "";
  }

  function draw(state) {
    const question = state.question;
    $("question").hidden = !question;
    if (question) {
      $("question-text").textContent = question.text;
      $("question-meta").textContent = `#${question.id} · ▲ ${question.votes}`;
    }
    const poll = state.poll;
    $("poll").hidden = !poll;
    $("waiting").hidden = Boolean(question || poll);
    if (!poll) return;
    $("poll-question").textContent = pollText(poll);
    $("poll-options").replaceChildren(
      ...poll.options.map((option) => {
        const fill = el("span", { class: "fill" });
        fill.style.inlineSize = `${option.percent}%`;
        return el(
          "li",
          {},
          el("span", { class: "label", dir: "auto", text: LANG === "ar" ? option.text_ar : option.text_en }),
          el("span", { class: "bar" }, fill),
          el("span", { class: "count", text: `${option.percent}%` }),
        );
      }),
    );
    const parts = [`${t("voters")}: ${poll.voters}`];
    if (poll.average !== null) parts.push(`${t("average")}: ${poll.average}`);
    if (poll.kind === "text") parts.push(`${t("answers")}: ${poll.answers}`);
    $("poll-meta").textContent = parts.join(" · ");
  }

  follow(
    `/screen/${body.dataset.session}/events?key=${key}`,
    { screen: draw, resync: () => location.reload() },
    {
      onGone: () => {
        $("gone").hidden = false;
        document.querySelector(".stage").hidden = true;
      },
    },
  );
})();
