// The Concord console: polls this region's state every second and renders it. Text goes in with textContent only.
"use strict";

const credentialKey = "concord.console.credential";
let previous = null;
let role = "reader";

function headers(change) {
  const h = {};
  const credential = sessionStorage.getItem(credentialKey);
  if (credential) h["Authorization"] = "Bearer " + credential;
  if (change) h["X-Concord-Console"] = "1";
  return h;
}

async function call(method, path) {
  const response = await fetch(path, { method, headers: headers(method !== "GET"), cache: "no-store" });
  const body = await response.json().catch(() => ({ error: response.statusText }));
  if (response.status === 401) document.getElementById("credential-form").hidden = false;
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined && text !== null) e.textContent = String(text);
  if (className) e.className = className;
  return e;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const c of cells) tr.append(c instanceof Node ? c : el("td", c));
  return tr;
}

function num(value) { return el("td", value, "num"); }

function say(text, isError) {
  const m = document.getElementById("message");
  m.textContent = text;
  m.className = isError ? "error" : "";
  m.hidden = !text;
}

const linkRows = new Map();
let shownApologies = null;

function linkRow(peer) {
  let link = linkRows.get(peer);
  if (link) return link;
  const row = document.createElement("tr");
  row.dataset.peer = peer;
  const cells = [el("td"), el("td"), num(""), num(""), num(""), num(""), el("td"), el("td")];
  const button = el("button");
  button.addEventListener("click", () => change(`/console/api/links/${encodeURIComponent(peer)}/${button.dataset.action}`, `${button.dataset.action} ${document.getElementById("region").textContent} → ${peer}`));
  const last = el("td");
  last.append(button);
  row.append(...cells, last);
  document.querySelector("#links tbody").append(row);
  link = { row, cells, button };
  linkRows.set(peer, link);
  return link;
}

function render(state) {
  role = state.role;
  document.getElementById("region").textContent = state.region;
  document.title = "Concord " + state.region;
  const seconds = previous ? (Date.parse(state.at) - Date.parse(previous.at)) / 1000 : 0;
  const rate = (now, before) => seconds > 0 ? Math.max(0, Math.round((now - before) / seconds)) : 0;
  document.getElementById("summary").textContent =
    `digest ${state.digest.slice(0, 12)} · role ${state.role}` + (state.faultInjection ? " · fault injection on" : "") + (state.recovery ? " · " + state.recovery : "");

  renderDeployment(state);

  // Rows are made once per peer and updated in place, so a button never changes under the pointer mid-click.
  for (const l of state.links) {
    const link = linkRow(l.peer);
    const before = previous && previous.links.find(p => p.peer === l.peer);
    const values = [l.peer, l.state, l.lagEvents, l.lagMs, l.shipped, before ? rate(l.shipped, before.shipped) : 0,
      l.inSync === null ? "not yet" : l.inSync ? "yes" : "no", l.fault];
    values.forEach((v, i) => { link.cells[i].textContent = String(v); });
    link.cells[1].className = "link-state state-" + l.state;
    link.button.textContent = l.state === "cut" ? "Heal" : "Cut";
    link.button.dataset.action = l.state === "cut" ? "heal" : "cut";
    link.button.disabled = role !== "operator" || !state.faultInjection;
    link.button.title = !state.faultInjection ? "the region runs without --fault-injection" : role !== "operator" ? "needs the operator role" : "";
    link.row.title = l.lastError || "";
  }
  document.getElementById("rates").textContent = previous
    ? `appended ${rate(state.appended, previous.appended)}/s here, applied ${rate(state.applied, previous.applied)}/s from peers (${state.appended} and ${state.applied} since start)`
    : "";

  // Rebuilt only when the feed changed, so a link is never swapped under the pointer mid-click.
  const apologies = JSON.stringify(state.apologies);
  if (apologies !== shownApologies) {
    shownApologies = apologies;
    document.querySelector("#apologies tbody").replaceChildren(...(state.apologies.length
      ? state.apologies.map(a => row([eventCell(a), a.subject, a.kind, a.description]))
      : [row([Object.assign(el("td", "none", "muted"), { colSpan: 4 })])]));
  }

  document.getElementById("run-audit").disabled = role !== "operator";
  renderAudit(state.audit, role === "operator");
  previous = state;
}

// Rows: the reporting region; columns: the peer; a cell: that link's state and lag in events. No buttons here, so
// the table is rebuilt on every poll.
function renderDeployment(state) {
  const table = document.getElementById("deployment");
  const head = row([el("th", "from \\ to"), ...state.regions.map(r => el("th", r === state.region ? r + " (this region)" : r))]);
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren(...state.regions.map(from => {
    const view = state.deployment.find(d => d.region === from);
    const tr = row([el("th", from === state.region ? from + " (this region)" : from)]);
    tr.dataset.from = from;
    for (const to of state.regions) {
      const link = view && view.links.find(l => l.peer === to);
      const td = from === to ? el("td", "—", "muted")
        : !view ? el("td", "?", "muted")
        : view.unreachable ? el("td", "unreachable", "state-down")
        : link ? el("td", `${link.state} · ${link.lagEvents}`, "state-" + link.state) : el("td", "—", "muted");
      td.dataset.to = to;
      if (view && view.unreachable) td.title = view.unreachable;
      tr.append(td);
    }
    return tr;
  }));
}

// The apology's event, as a link that shows the log holding it (and the events it names) below.
function eventCell(apology) {
  const td = el("td", null, "hash");
  const a = el("a", apology.event);
  a.href = "#entity";
  a.addEventListener("click", () => { document.getElementById("lookup").value = apology.entity; lookup(apology.entity); });
  td.append(a);
  return td;
}

function renderAudit(audit, allowed) {
  const summary = document.getElementById("audit-summary");
  const findings = document.getElementById("findings");
  if (!allowed) { summary.textContent = "audits need the operator role"; findings.hidden = true; return; }
  if (!audit) { summary.textContent = "no audit yet"; findings.hidden = true; return; }
  const clean = audit.findings.length === 0;
  summary.textContent = `${clean ? "clean" : audit.findings.length + " finding(s)"}: ${audit.entities} entities, ${audit.events} events, ${audit.chains} chains `
    + `in ${Math.round(audit.durationMs)} ms at ${new Date(audit.startedAt).toLocaleTimeString()}`
    + (audit.peersUnreachable.length ? `; unreachable: ${audit.peersUnreachable.join(", ")}` : "");
  // Clean with a peer unreachable is clean here only: the cross-region digests were not compared with that peer.
  summary.className = !clean ? "broken" : audit.peersUnreachable.length ? "partial" : "linked";
  findings.hidden = clean;
  findings.querySelector("tbody").replaceChildren(...audit.findings.map(f => row([f.entityId, f.kind, f.position ?? "", f.detail])));
}

async function change(path, what) {
  try {
    await call("POST", path);
    say(what + ": done");
    await refresh();
  } catch (e) {
    say(what + ": " + e.message, true);
  }
}

async function lookup(id) {
  const target = document.getElementById("entity");
  try {
    const entity = await call("GET", "/console/api/entities/" + id.split("/").map(encodeURIComponent).join("/"));
    const parts = [el("p", `${entity.entityId}: ${entity.head} event(s) in this region's log` + (entity.truncated ? " (the first 1000 shown)" : ""), "muted")];
    for (const chain of entity.origins) {
      const section = el("div", null, "chain");
      section.dataset.origin = chain.origin;
      const title = el("h3", `origin ${chain.origin}: ${chain.events.length} event(s), chain `);
      title.append(el("span", chain.linked ? "linked" : "BROKEN", chain.linked ? "linked" : "broken"));
      const table = el("table");
      table.append(row(["pos", "seq", "request", "payload", "prev hash", "hash"].map(h => el("th", h))));
      for (const e of chain.events) {
        table.append(row([num(e.position), num(e.seq), el("td", e.requestId, "hash"), e.payload, el("td", e.prevHash.slice(0, 12), "hash"), el("td", e.hash.slice(0, 12), "hash")]));
      }
      section.append(title, table);
      parts.push(section);
    }
    target.replaceChildren(...parts);
  } catch (e) {
    target.replaceChildren(el("p", `${id}: ${e.message}`, "broken"));
  }
}

let pollFailed = false;

async function refresh() {
  try {
    render(await call("GET", "/console/api/state"));
    if (pollFailed) say("");
    pollFailed = false;
  } catch (e) {
    say("state: " + e.message, true);
    pollFailed = true;
  }
}

document.getElementById("credential-form").addEventListener("submit", e => {
  e.preventDefault();
  sessionStorage.setItem(credentialKey, document.getElementById("credential").value);
  document.getElementById("credential-form").hidden = true;
  refresh();
});
document.getElementById("lookup-form").addEventListener("submit", e => {
  e.preventDefault();
  const id = document.getElementById("lookup").value.trim();
  if (id) lookup(id);
});
document.getElementById("run-audit").addEventListener("click", async () => {
  const button = document.getElementById("run-audit");
  button.disabled = true;
  document.getElementById("audit-summary").textContent = "auditing…";
  await change("/console/api/audit", "audit");
});

refresh();
setInterval(refresh, 1000);
