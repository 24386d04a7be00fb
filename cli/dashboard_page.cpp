#include "dashboard_page.h"

namespace racker::cli {
namespace {

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

const char* const kHead = R"html(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>racker: @PROJECT@</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f4f6f9; }
  header { display: flex; gap: 1em; align-items: baseline; padding: .8em 1.2em; background: #1d2330; color: #fff; }
  header h1 { font-size: 1.1em; margin: 0; }
  #conn { margin-left: auto; font-size: .9em; opacity: .8; }
  main { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 1em; padding: 1em 1.2em; }
  section { background: #fff; border-radius: 6px; padding: .6em 1em 1em; box-shadow: 0 1px 3px rgba(0,0,0,.1); overflow-x: auto; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size: 1em; margin: .3em 0 .6em; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3em .5em; border-bottom: 1px solid #e3e7ee; white-space: nowrap; }
  td.state::before { content: "\25CF  "; }
  tr.state-running td.state::before { color: #2e9d4f; }
  tr.state-restarting td.state::before, tr.state-paused td.state::before { color: #d69a1a; }
  tr.state-exited td.state::before, tr.state-dead td.state::before, tr.state-created td.state::before { color: #b3392f; }
  td.health-healthy { color: #2e9d4f; } td.health-unhealthy { color: #b3392f; }
  #graph { overflow: auto; } #graph img { max-width: 100%; }
  #logs { height: 22em; overflow: auto; margin: 0; padding: .5em; background: #12161f; color: #d8dee9;
          font: 12px/1.35 ui-monospace, monospace; border-radius: 4px; white-space: pre-wrap; }
  #logs .name { color: #88c0d0; } #logs .stderr { color: #ebcb8b; }
  .empty { color: #7a8394; }
</style>
</head>
<body>
<header><h1>racker compose dashboard</h1><span>project <b id="project">@PROJECT@</b></span><span id="conn">connecting</span></header>
<main>
<section><h2>Services</h2>
<table id="services"><thead><tr><th>Service</th><th>Container</th><th>State</th><th>Health</th><th>Group</th><th>Ports</th><th>Status</th></tr></thead>
<tbody><tr><td colspan="7" class="empty">no containers yet</td></tr></tbody></table>
</section>
<section><h2>Dependencies</h2><div id="graph"><img id="graph-img" src="/api/graph.svg" alt="dependency graph"></div></section>
<section class="wide"><h2>Logs</h2><pre id="logs"></pre></section>
</main>
)html";

const char* const kScript = R"html(<script>
"use strict";
const tbody = document.querySelector("#services tbody");
const logs = document.getElementById("logs");
const conn = document.getElementById("conn");
const kMaxLogLines = 1000;

function cell(text, cls) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (cls) td.className = cls;
  return td;
}
function ports(list) {
  return (list || []).map(p => p.URL + ":" + p.PublishedPort + "->" + p.TargetPort + "/" + p.Protocol).join(", ");
}
function renderServices(rows) {
  if (!rows.length) {
    const tr = document.createElement("tr");
    tr.append(cell("no containers", "empty"));
    tr.firstChild.colSpan = 7;
    tbody.replaceChildren(tr);
    return;
  }
  tbody.replaceChildren(...rows.map(r => {
    const tr = document.createElement("tr");
    tr.className = "state-" + r.State;
    tr.dataset.service = r.Service;
    tr.append(cell(r.Service, "service"), cell(r.Name), cell(r.State, "state"),
              cell(r.Health, "health-" + (r.Health || "none")), cell(r.Group), cell(ports(r.Publishers)), cell(r.Status));
    return tr;
  }));
}
function appendLog(l) {
  const follow = logs.scrollTop + logs.clientHeight >= logs.scrollHeight - 4;
  const line = document.createElement("div");
  line.className = "line " + l.stream;
  const name = document.createElement("span");
  name.className = "name";
  name.textContent = l.name + " | ";
  line.append(name, document.createTextNode(l.line));
  logs.append(line);
  while (logs.childElementCount > kMaxLogLines) logs.firstElementChild.remove();
  if (follow) logs.scrollTop = logs.scrollHeight;
}
document.getElementById("graph-img").addEventListener("error", () => {
  fetch("/api/graph.dot").then(r => r.text()).then(text => {
    const pre = document.createElement("pre");
    pre.textContent = text;
    document.getElementById("graph").replaceChildren(pre);
  });
});
const events = new EventSource("/api/events");
events.onopen = () => { conn.textContent = "live"; };
events.onerror = () => { conn.textContent = "reconnecting"; };
events.addEventListener("reset", () => { logs.replaceChildren(); });
events.addEventListener("services", e => renderServices(JSON.parse(e.data)));
events.addEventListener("log", e => appendLog(JSON.parse(e.data)));
</script>
</body>
</html>
)html";

}  // namespace

std::string dashboard_page(const std::string& project) {
  std::string page = kHead;
  const std::string marker = "@PROJECT@", name = html_escape(project);
  for (size_t at; (at = page.find(marker)) != std::string::npos;) page.replace(at, marker.size(), name);
  return page + kScript;
}

}  // namespace racker::cli
