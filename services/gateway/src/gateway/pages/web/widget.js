// Customer chat widget: one session per page, streamed over the gateway's WebSocket.
// Protocol: docs/websocket-protocol.md. Everything the server sends is shown as text, never HTML.
"use strict";

(() => {
  const params = new URLSearchParams(location.search);
  const $ = (id) => document.getElementById(id);
  const view = { messages: $("messages"), status: $("status"), mode: $("mode"), typing: $("typing") };
  const form = $("composer");
  const input = $("text");

  const HEARTBEAT_MS = 25000;
  const MODES = { waiting: "Waiting for an agent", assigned: "Human agent", resolved: "Assistant" };
  let session = null;
  let socket = null;
  let lastSeq = 0;
  let heartbeat = null;
  let retryMs = 500;
  let sessionStartedAt = 0;
  const answers = new Map(); // turn_id -> the bubble being streamed
  const unacked = new Map(); // client_message_id -> {frame, item}
  const unanswered = new Map(); // client_message_id -> frame, until its turn ends

  function newId() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
  }

  function setStatus(text) {
    view.status.textContent = text;
  }

  function scrollDown() {
    view.messages.scrollTop = view.messages.scrollHeight;
  }

  function bubble(role, text, label) {
    const item = document.createElement("li");
    item.className = `message ${role}`;
    if (label) {
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = label;
      item.append(who);
    }
    const body = document.createElement("p");
    body.className = "text";
    body.textContent = text;
    item.append(body);
    view.messages.append(item);
    scrollDown();
    return item;
  }

  function notice(text, kind = "notice") {
    return bubble(kind, text);
  }

  function answerBubble(turnId) {
    let item = answers.get(turnId);
    if (!item) {
      item = bubble("assistant", "", "Assistant");
      item.dataset.turnId = turnId;
      answers.set(turnId, item);
    }
    return item;
  }

  function showSources(item, sources) {
    if (!sources || !sources.length || item.querySelector(".sources")) return;
    const list = document.createElement("ul");
    list.className = "sources";
    for (const source of sources) {
      const entry = document.createElement("li");
      const url = source.source_url || "";
      const ref = document.createElement(/^https?:\/\//i.test(url) ? "a" : "span");
      ref.className = "source";
      ref.textContent = source.title;
      ref.title = source.snippet;
      if (ref.tagName === "A") {
        ref.href = url;
        ref.target = "_blank";
        ref.rel = "noopener noreferrer";
      }
      entry.append(ref);
      list.append(entry);
    }
    const caption = document.createElement("span");
    caption.className = "sources-caption";
    caption.textContent = "Sources";
    item.append(caption, list);
  }

  function offerHuman(item) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "offer-human";
    button.textContent = "Talk to a human";
    button.addEventListener("click", () => {
      button.disabled = true;
      say("I want to talk to a human agent");
    });
    item.append(button);
  }

  function rateButton(rating, label, title) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `rate rate-${rating}`;
    button.textContent = label;
    button.title = title;
    button.setAttribute("aria-label", title);
    return button;
  }

  function offerRating(item, turnId) {
    if (item.querySelector(".rating")) return;
    const bar = document.createElement("div");
    bar.className = "rating";
    const up = rateButton("up", "Helpful", "This answer helped");
    const down = rateButton("down", "Not helpful", "This answer did not help");
    const rate = (rating, comment) => {
      const frame = { type: "feedback", turn_id: turnId, rating };
      if (comment) frame.comment = comment;
      if (send(frame)) for (const b of bar.querySelectorAll("button, input")) b.disabled = true;
    };
    up.addEventListener("click", () => rate("up"));
    down.addEventListener("click", () => {
      up.disabled = down.disabled = true;
      const why = document.createElement("form");
      why.className = "rating-comment";
      const text = document.createElement("input");
      text.maxLength = 1000;
      text.placeholder = "What was missing? (optional)";
      text.setAttribute("aria-label", "What was missing?");
      const submit = document.createElement("button");
      submit.type = "submit";
      submit.textContent = "Send";
      why.append(text, submit);
      why.addEventListener("submit", (event) => {
        event.preventDefault();
        rate("down", text.value.trim());
      });
      bar.append(why);
      text.focus();
    });
    bar.append(up, down);
    item.append(bar);
  }

  function askSatisfaction(ticketId) {
    if (view.messages.querySelector(`.csat[data-ticket="${CSS.escape(ticketId)}"]`)) return;
    const box = document.createElement("li");
    box.className = "csat";
    box.dataset.ticket = ticketId;
    const question = document.createElement("p");
    question.textContent = "How satisfied are you with the help you received?";
    const scale = document.createElement("div");
    scale.className = "csat-scale";
    scale.setAttribute("role", "group");
    scale.setAttribute("aria-label", "Satisfaction from 1 (very unsatisfied) to 5 (very satisfied)");
    for (let score = 1; score <= 5; score += 1) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = String(score);
      button.title = `${score} of 5`;
      button.addEventListener("click", () => {
        if (send({ type: "csat", ticket_id: ticketId, score })) {
          for (const b of scale.querySelectorAll("button")) b.disabled = true;
        }
      });
      scale.append(button);
    }
    box.append(question, scale);
    view.messages.append(box);
    scrollDown();
  }

  function setMode(state) {
    view.mode.textContent = MODES[state] || "Assistant";
    view.mode.dataset.state = state;
  }

  const handlers = {
    ack(frame) {
      const sent = unacked.get(frame.client_message_id);
      if (sent) sent.item.classList.remove("pending");
      unacked.delete(frame.client_message_id);
    },
    typing(frame) {
      view.typing.hidden = frame.state !== "on";
    },
    answer_delta(frame) {
      const text = answerBubble(frame.turn_id).querySelector(".text");
      text.textContent += frame.text;
      scrollDown();
    },
    answer_completed(frame) {
      if (frame.client_message_id) unanswered.delete(frame.client_message_id);
      const item = answerBubble(frame.turn_id);
      item.querySelector(".text").textContent = frame.text;
      item.classList.add("complete");
      view.typing.hidden = true;
      showSources(item, frame.sources);
      if (frame.offers_human && !frame.escalated) offerHuman(item);
      if (!frame.escalated) offerRating(item, frame.turn_id);
      scrollDown();
    },
    escalated(frame) {
      setMode(frame.state);
      const said = [...view.messages.querySelectorAll(".assistant .text")].pop();
      if (!said || !said.textContent.includes(frame.message)) notice(frame.message, "handoff");
      if (frame.state === "resolved") askSatisfaction(frame.ticket_id);
    },
    agent_message(frame) {
      setMode("assigned");
      bubble("agent", frame.text, "Agent");
    },
    rated(frame) {
      const bar = answerBubble(frame.turn_id).querySelector(".rating");
      if (bar) bar.replaceChildren(Object.assign(document.createElement("span"), {
        className: "rated", textContent: "Thanks for your feedback",
      }));
    },
    csat_recorded(frame) {
      const box = view.messages.querySelector(`.csat[data-ticket="${CSS.escape(frame.ticket_id)}"]`);
      if (box) box.replaceChildren(Object.assign(document.createElement("p"), {
        className: "rated", textContent: "Thanks for telling us",
      }));
    },
    delivered(frame) {
      unanswered.delete(frame.client_message_id);
    },
    error(frame) {
      const again = frame.client_message_id && unanswered.get(frame.client_message_id);
      if (["unavailable", "busy"].includes(frame.code) && again) {
        // The platform could not take it just now: the same id never starts a second turn.
        setTimeout(() => send(again), (frame.retry_after || 1) * 1000);
        return;
      }
      if (["already_rated", "unknown_turn", "unknown_ticket"].includes(frame.code)) return;
      if (frame.code === "turn_timeout") {
        notice("This is taking longer than usual; the answer will appear here.", "error");
        return;
      }
      const wait = frame.retry_after ? ` (retry in ${Math.ceil(frame.retry_after)} s)` : "";
      notice(`${frame.detail}${wait}`, "error");
      const sent = frame.client_message_id && unacked.get(frame.client_message_id);
      if (sent) {
        sent.item.classList.replace("pending", "failed");
        unacked.delete(frame.client_message_id);
      }
    },
    pong() {},
  };

  function receive(event) {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch {
      return;
    }
    if (frame.type !== "pong" && frame.seq) {
      if (frame.seq <= lastSeq) return; // already shown (replayed after a reconnect)
      lastSeq = frame.seq;
    }
    (handlers[frame.type] || (() => {}))(frame);
  }

  function send(frame) {
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function say(text) {
    const frame = { type: "user_message", client_message_id: newId(), text };
    const item = bubble("customer", text);
    item.classList.add("pending");
    unacked.set(frame.client_message_id, { frame, item });
    unanswered.set(frame.client_message_id, frame);
    send(frame); // if the socket is down, it is sent again when it reconnects
  }

  async function widgetKey() {
    if (params.get("key")) return params.get("key");
    const config = await (await fetch("/widget/config")).json();
    if (!config.widget_key) throw new Error("open this page with ?key=<your widget key>");
    return config.widget_key;
  }

  async function startSession() {
    const response = await fetch("/v1/sessions", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-API-Key": await widgetKey() },
      body: JSON.stringify({ customer_id: params.get("customer") }),
    });
    if (response.status === 429) {
      const wait = Number(response.headers.get("Retry-After") || "5");
      setStatus(`busy, retrying in ${wait} s`);
      await new Promise((resolve) => setTimeout(resolve, wait * 1000));
      return startSession();
    }
    if (!response.ok) throw new Error(`could not start a chat (HTTP ${response.status})`);
    session = await response.json();
    sessionStartedAt = Date.now();
    lastSeq = 0;
  }

  function streamUrl() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const path = `/v1/sessions/${encodeURIComponent(session.session_id)}/stream`;
    return `${scheme}://${location.host}${path}`;
  }

  function connect() {
    setStatus("connecting…");
    // The token travels as a subprotocol, never in the URL (URLs end up in access logs).
    socket = new WebSocket(streamUrl(), ["bearer", session.token]);
    socket.addEventListener("message", receive);
    socket.addEventListener("open", () => {
      retryMs = 500;
      setStatus("online");
      send({ type: "resume", last_seq: lastSeq });
      for (const { frame } of unacked.values()) send(frame); // the server de-duplicates
      heartbeat = setInterval(() => send({ type: "ping" }), HEARTBEAT_MS);
    });
    socket.addEventListener("close", (event) => {
      clearInterval(heartbeat);
      if (event.code === 4401) {
        if (Date.now() - sessionStartedAt < 10000) {
          setStatus("unauthorized");
          return; // a brand-new token refused: retrying would not help
        }
        notice("This chat expired; starting a new one.");
        start();
        return;
      }
      const wait = event.code === 4429 ? 30000 : retryMs;
      retryMs = Math.min(retryMs * 2, 10000);
      setStatus(`offline, reconnecting in ${Math.round(wait / 1000)} s`);
      setTimeout(connect, wait);
    });
  }

  async function start() {
    try {
      await startSession();
      connect();
    } catch (error) {
      setStatus("unavailable");
      notice(error.message, "error");
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    say(text);
  });

  start();
})();
