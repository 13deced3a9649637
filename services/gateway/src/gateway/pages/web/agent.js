// Agent console: list escalations, claim one, chat with the customer, resolve it; replies
// suggested from the knowledge base (staff-only passages included) for the latest message.
// REST (docs/openapi.json), told what changed by the live feed (GET /v1/agent/events), with no
// polling. Server text is shown as text.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);
  const TOKEN_KEY = "support.agentToken";
  const RECONNECT_MS = 2000;
  // The memory service writes a message to the history a moment after the gateway saw it.
  const CATCH_UP_MS = [150, 400, 1000, 2500];
  let me = null;
  let tab = "active";
  let selected = null;
  let feed = null;
  let newestShown = null;
  let suggestedFor = null;
  const SUGGESTIONS = 3;

  function text(tag, content, className) {
    const node = document.createElement(tag);
    node.textContent = content;
    if (className) node.className = className;
    return node;
  }

  function when(iso) {
    return iso ? new Date(iso).toLocaleTimeString() : "";
  }

  function showError(id, error) {
    if (!(error instanceof ApiError) || error.message !== "signed out") $(id).textContent = error.message;
  }

  // Signing in and out

  const staff = staffSession({
    tokenKey: TOKEN_KEY,
    role: "agent",
    tokenRequest: () => {
      const agentId = $("agent-id").value.trim();
      return { subject: agentId, display_name: agentId };
    },
    onSignIn: (claims) => {
      me = claims.sub;
      $("workspace").hidden = false;
      $("who").textContent = `Signed in as ${me}`;
      refreshList();
      follow();
    },
    onSignOut: () => {
      if (feed) feed.abort();
      feed = null;
      selected = null;
      $("workspace").hidden = true;
      $("ticket").hidden = true;
      $("who").textContent = "";
    },
  });
  const api = staff.api;

  // The live feed: Server-Sent Events read with fetch, so the token stays in a header.

  async function follow() {
    const controller = new AbortController();
    feed = controller;
    try {
      const response = await fetch("/v1/agent/events", {
        headers: { Authorization: `Bearer ${staff.token()}` },
        signal: controller.signal,
      });
      if (response.status === 401) {
        staff.expired();
        return;
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      $("who").dataset.live = "true";
      refreshList(); // what happened while the feed was not connected
      if (selected) refreshConversation();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const data = buffer.slice(0, end).split("\n")
            .filter((line) => line.startsWith("data: ")).map((line) => line.slice(6)).join("\n");
          buffer = buffer.slice(end + 2);
          if (data) told(JSON.parse(data));
        }
      }
    } catch {
      // A dropped connection: try again below.
    } finally {
      $("who").dataset.live = "false";
    }
    if (feed === controller && staff.token()) setTimeout(follow, RECONNECT_MS);
  }

  function told(event) {
    if (event.type === "ticket") refreshList();
    if (event.type === "message" && selected && event.session_id === selected.session_id) {
      catchUp();
    }
  }

  async function catchUp() {
    const before = newestShown;
    for (const wait of CATCH_UP_MS) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      await refreshConversation();
      if (newestShown !== before) return;
    }
  }

  // Ticket list

  for (const button of document.querySelectorAll("[role=tab]")) {
    button.addEventListener("click", () => {
      tab = button.dataset.status;
      for (const other of document.querySelectorAll("[role=tab]")) {
        other.setAttribute("aria-selected", String(other === button));
      }
      refreshList();
    });
  }

  async function tickets(status) {
    return (await api(`/v1/escalations?status=${status}&limit=50`)).tickets;
  }

  async function refreshList() {
    try {
      let shown;
      if (tab === "active") {
        const [open, assigned] = await Promise.all([tickets("open"), tickets("assigned")]);
        shown = open.concat(assigned.filter((t) => t.agent_id === me));
        shown.sort((a, b) => b.created_at.localeCompare(a.created_at));
      } else {
        shown = await tickets(tab);
      }
      renderList(shown);
      $("list-error").textContent = "";
      const current = selected && shown.find((t) => t.ticket_id === selected.ticket_id);
      if (current) showTicket(current);
    } catch (error) {
      showError("list-error", error);
    }
  }

  function renderList(tickets) {
    const list = $("ticket-list");
    list.replaceChildren();
    $("no-tickets").hidden = tickets.length > 0;
    for (const ticket of tickets) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = `ticket-item priority-${ticket.priority}`;
      button.dataset.ticketId = ticket.ticket_id;
      button.append(
        text("span", `${ticket.priority} · ${ticket.status}`, "priority"),
        text("span", when(ticket.created_at), "time"),
        text("span", (ticket.reasons || []).join(", ") || "escalation", "reasons"),
        text("span", (ticket.summary || "").split("\n")[0], "summary"),
      );
      if (selected && selected.ticket_id === ticket.ticket_id) button.classList.add("selected");
      button.addEventListener("click", () => select(ticket));
      item.append(button);
      list.append(item);
    }
  }

  // One ticket and its conversation

  function plain(markdown) {
    // Knowledge-base passages are Markdown; a reply is plain text.
    return markdown
      .replace(/^#{1,6}\s+/gm, "")
      .replace(/^\s*(?:[-*+]|\d+\.)\s+/gm, "")
      .replace(/(\*\*|__|\*|_|`)(.+?)\1/g, "$2")
      .replace(/\[([^\]]+)\]\([^)]*\)/g, "$1")
      .replace(/\s+/g, " ")
      .trim();
  }

  async function suggest(question) {
    if (question === suggestedFor) return;
    suggestedFor = question;
    const found = await api("/v1/kb/search", {
      method: "POST",
      body: JSON.stringify({ query: question, top_k: SUGGESTIONS }),
    });
    if (suggestedFor !== question) return;
    $("assist").hidden = found.results.length === 0;
    $("suggestions").replaceChildren(...found.results.map((passage) => {
      const item = document.createElement("li");
      item.className = `suggestion ${passage.audience}`;
      const reply = plain(passage.text || passage.snippet);
      const source = text("p", passage.title, "source");
      if (passage.audience === "internal") source.append(text("span", "staff only: check before sending", "badge"));
      const insert = document.createElement("button");
      insert.type = "button";
      insert.textContent = "Insert";
      insert.addEventListener("click", () => {
        const input = $("reply-text");
        input.value = reply;
        input.focus();
      });
      item.append(text("p", reply, "text"), source, insert);
      return item;
    }));
  }

  function select(ticket) {
    selected = ticket;
    suggestedFor = null;
    $("assist").hidden = true;
    $("ticket-error").textContent = "";
    $("conversation").replaceChildren();
    showTicket(ticket);
    newestShown = null;
    refreshConversation();
  }

  function showTicket(ticket) {
    selected = ticket;
    const mine = ticket.status === "assigned" && ticket.agent_id === me;
    $("ticket").hidden = false;
    $("ticket-title").textContent = `Ticket ${ticket.ticket_id.slice(0, 8)} · ${ticket.status}`;
    const owner = ticket.agent_id ? ` · agent ${ticket.agent_id}` : "";
    const customer = ticket.customer_id ? `customer ${ticket.customer_id} · ` : "";
    $("ticket-meta").textContent = `${customer}${ticket.priority}${owner}`;
    $("ticket-summary").textContent = ticket.summary || "";
    $("claim").disabled = ticket.status !== "open";
    $("resolve").disabled = !mine;
    $("reply-text").disabled = !mine;
    $("reply").querySelector("button").disabled = !mine;
  }

  async function refreshConversation() {
    if (!selected) return;
    try {
      const page = await api(`/v1/sessions/${encodeURIComponent(selected.session_id)}/messages?limit=100`);
      const list = $("conversation");
      const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
      list.replaceChildren(
        ...page.messages
          .slice()
          .reverse()
          .map((message) => {
            const item = document.createElement("li");
            item.className = `message ${message.role}`;
            item.append(text("span", message.role, "who"), text("p", message.text, "text"));
            return item;
          }),
      );
      if (atBottom) list.scrollTop = list.scrollHeight;
      newestShown = page.messages.length ? `${page.messages[0].at}|${page.messages.length}` : null;
      const latest = page.messages.find((message) => message.role === "customer");
      if (latest) await suggest(latest.text);
    } catch (error) {
      showError("ticket-error", error);
    }
  }

  async function act(path, body) {
    $("ticket-error").textContent = "";
    try {
      const ticket = await api(path, { method: "POST", body: JSON.stringify(body || {}) });
      if (ticket && ticket.ticket_id) showTicket(ticket);
      await refreshList();
      return true;
    } catch (error) {
      showError("ticket-error", error);
      return false;
    }
  }

  $("claim").addEventListener("click", () => act(`/v1/escalations/${selected.ticket_id}/claim`));
  $("resolve").addEventListener("click", () => act(`/v1/escalations/${selected.ticket_id}/resolve`));

  $("reply").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = $("reply-text");
    const reply = input.value.trim();
    if (!reply || !selected) return;
    if (await act(`/v1/escalations/${selected.ticket_id}/messages`, { text: reply })) {
      input.value = "";
      refreshConversation();
    }
  });

  staff.resume();
})();
