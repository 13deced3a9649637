// Analytics page: the admins' summary per day (inline SVG, no library) and the knowledge gaps.
// REST only (GET /v1/analytics/summary and /gaps). Server text is shown as text.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const TOKEN_KEY = "support.adminToken";
  const SVG = "http://www.w3.org/2000/svg";
  const OUTCOMES = ["resolved", "escalated", "abandoned", "open"];
  const SIGNALS = {
    dont_know: "no answer found",
    low_confidence: "low confidence",
    thumbs_down: "rated not helpful",
    low_confidence_handoff: "handed off (low confidence)",
  };
  const DAY_MS = 86400000;

  function text(tag, content, className) {
    const node = document.createElement(tag);
    node.textContent = content;
    if (className) node.className = className;
    return node;
  }

  const percent = (share) => (share === null ? "–" : `${Math.round(share * 100)} %`);
  const number = (value) => (value === null ? "–" : String(Math.round(value)));

  function showFigures(summary) {
    const reasons = Object.entries(summary.escalation_reasons)
      .map(([reason, count]) => `${reason.replace(/_/g, " ")} ${count}`).join(", ");
    const figures = [
      ["Resolution rate", percent(summary.resolution_rate), "resolution-rate"],
      ["Conversations", String(summary.conversations), "conversations"],
      ["Escalation rate", percent(summary.escalation_rate), "escalation-rate", reasons],
      ["Answers rated helpful", String(summary.ratings.up), "ratings",
        `${summary.ratings.down} not helpful`],
      ["CSAT", summary.csat_average === null ? "–" : `${summary.csat_average.toFixed(1)} / 5`, "csat",
        `${summary.csat_responses} responses`],
      ["“I don't know”", percent(summary.dont_know_rate), "dont-know"],
      ["Turn p50 / p95 (ms)", `${number(summary.turn_p50_ms)} / ${number(summary.turn_p95_ms)}`, "latency"],
    ];
    $("figures").replaceChildren(...figures.map(([label, value, id, note]) => {
      const box = document.createElement("div");
      box.className = "kpi";
      box.dataset.figure = id;
      box.append(text("dt", label), text("dd", value));
      if (note) box.append(text("dd", note, "note"));
      return box;
    }));
  }

  function svg(tag, attributes, content) {
    const node = document.createElementNS(SVG, tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function everyDay(days, from, to) {
    // Days without conversations are drawn too, so the axis is time.
    const known = new Map(days.map((day) => [day.day, day]));
    const all = [];
    for (let at = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate());
      at <= to.getTime(); at += DAY_MS) {
      const day = new Date(at).toISOString().slice(0, 10);
      all.push(known.get(day) || { day, conversations: 0, outcomes: {} });
    }
    return all;
  }

  function showChart(days) {
    const width = 760, height = 220, left = 34, right = 24, bottom = 28, top = 12;
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-label": "Conversations per day by outcome" });
    const most = Math.max(1, ...days.map((day) => day.conversations));
    const plot = height - bottom - top;
    for (const fraction of [0, 0.5, 1]) {
      const y = top + plot * (1 - fraction);
      chart.append(svg("line", { x1: left, x2: width - right, y1: y, y2: y, class: "grid" }));
      chart.append(svg("text", { x: left - 6, y: y + 4, class: "axis", "text-anchor": "end" },
        String(Math.round(most * fraction))));
    }
    const slot = (width - left - right) / Math.max(days.length, 1);
    days.forEach((day, index) => {
      const x = left + index * slot + slot * 0.15;
      let y = top + plot;
      for (const outcome of OUTCOMES) {
        const share = (day.outcomes[outcome] || 0) / most * plot;
        if (!share) continue;
        y -= share;
        const bar = svg("rect", { x, y, width: slot * 0.7, height: share, class: `bar ${outcome}` });
        bar.append(svg("title", {}, `${day.day}: ${day.outcomes[outcome]} ${outcome}`));
        chart.append(bar);
      }
      if (index % Math.ceil(days.length / 12) === 0) {
        chart.append(svg("text", { x: x + slot * 0.35, y: height - 10, class: "axis",
          "text-anchor": "middle" }, day.day.slice(5)));
      }
    });
    const any = days.some((day) => day.conversations);
    $("chart").replaceChildren(any ? chart : text("p", "No conversations in this period.", "empty"));
  }

  function showGaps(groups) {
    $("no-gaps").hidden = groups.length > 0;
    $("gaps").replaceChildren(...groups.map((group) => {
      const row = document.createElement("tr");
      const examples = document.createElement("td");
      examples.append(...group.examples.map((example) => text("p", example, "example")));
      const why = Object.entries(group.signals)
        .map(([signal, count]) => `${SIGNALS[signal] || signal} (${count})`).join(", ");
      row.append(text("td", String(group.count), "count"), examples, text("td", why),
        text("td", new Date(group.last_seen).toLocaleString()));
      return row;
    }));
  }

  async function load() {
    $("board-error").textContent = "";
    document.body.dataset.loaded = "false";
    const to = new Date();
    const from = new Date(to.getTime() - Number($("days").value) * 86400000);
    const range = `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}`;
    try {
      const [summary, gaps] = await Promise.all([
        api(`/v1/analytics/summary?${range}`), api(`/v1/analytics/gaps?${range}`),
      ]);
      showFigures(summary);
      showChart(everyDay(summary.days, from, to));
      showGaps(gaps.groups);
      document.body.dataset.loaded = "true";
    } catch (error) {
      $("board-error").textContent = error.message;
    }
  }

  $("range").addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  const staff = staffSession({
    tokenKey: TOKEN_KEY,
    role: "admin",
    tokenRequest: () => ({ subject: "analytics" }),
    onSignIn: () => {
      $("board").hidden = false;
      load();
    },
    onSignOut: () => {
      $("board").hidden = true;
    },
  });
  const api = staff.api;
  staff.resume();
})();
