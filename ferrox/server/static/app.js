// The ferrox workbench: plain JavaScript over the server's JSON and event-stream APIs.
"use strict";

const params = new URLSearchParams(location.search);
if (params.get("api_key")) localStorage.setItem("ferrox-api-key", params.get("api_key"));
const API_KEY = localStorage.getItem("ferrox-api-key");

const $ = (id) => document.getElementById(id);

function headers(json = true) {
  const h = {};
  if (json) h["content-type"] = "application/json";
  if (API_KEY) h["api-key"] = API_KEY;
  return h;
}

function showMessage(text, kind = "error") {
  const box = $("message");
  box.textContent = text;
  box.className = kind === "info" ? "info" : "";
  box.hidden = !text;
}

function errorText(body, status) {
  if (body && body.status && body.status.error) return body.status.error;
  if (body && body.detail) return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
  return `HTTP ${status}`;
}

async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, { method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new Error(`the server did not answer (${err.message})`);
  }
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
  if (!response.ok) throw new Error(errorText(data, response.status));
  return data;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

// ---------------------------------------------------------------- tabs
document.querySelectorAll("#tabs button").forEach((btn) => {
  btn.addEventListener("click", () => {
    document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("active", b === btn));
    document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t.id === `tab-${btn.dataset.tab}`));
    showMessage("");
    if (btn.dataset.tab === "collections") loadCollections();
    if (btn.dataset.tab === "status") loadStatus();
  });
});

// ---------------------------------------------------------------- ask
let askSources = [];
let askCitations = [];

// fenced code blocks (```) render as code; text outside them goes through `inline`
function renderText(text, inline) {
  return escapeHtml(text).split("```").map((part, i) =>
    i % 2 ? `<pre><code>${part.replace(/^\w*\n/, "")}</code></pre>` : inline(part)).join("");
}

function renderAnswer(text) {
  const cite = (s) => s.replace(/\[(\d+)\]/g, (m, n) => `<a class="cite" data-n="${n}" href="#">[${n}]</a>`);
  $("ask-answer").innerHTML = renderText(text, cite);
}

function showPassage(label, heading, path, anchor, text, sourceIndex) {
  document.querySelectorAll("#ask-sources li").forEach((li, i) => li.classList.toggle("open", i === sourceIndex));
  const box = $("ask-passage");
  box.hidden = false;
  const where = escapeHtml(path) + (anchor ? "#" + escapeHtml(anchor) : "");
  box.innerHTML = `<strong>${escapeHtml(label)} ${escapeHtml(heading)}</strong>\n<span class="muted">${where}</span>\n\n${renderText(text, (s) => s)}`;
}

// a source from the list: its best passage
function openSource(n) {
  const s = askSources[n - 1];
  if (!s) return;
  showPassage(`source ${n}:`, s.heading || s.title, s.path, s.anchor, s.text, n - 1);
}

// an answer's [n]: exactly the passage its sentence came from
function openCitation(n) {
  const c = askCitations.find((x) => x.n === n);
  if (!c) return openSource(n);
  showPassage(`[${n}]`, c.heading, c.path, c.anchor, c.text, c.source - 1);
  $("ask-passage").dataset.citation = String(n);
}

$("ask-answer").addEventListener("click", (e) => {
  const a = e.target.closest("a.cite");
  if (a) { e.preventDefault(); openCitation(Number(a.dataset.n)); }
});

function renderSources(sources) {
  askSources = sources;
  const ol = $("ask-sources");
  ol.innerHTML = "";
  sources.forEach((s, i) => {
    const li = document.createElement("li");
    li.innerHTML = `${escapeHtml(s.heading || s.title)} <span class="muted">${escapeHtml(s.path)}</span>`;
    li.addEventListener("click", () => openSource(i + 1));
    ol.appendChild(li);
  });
}

async function readEvents(response, onEvent) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const chunk = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      let type = "message", data = "";
      for (const line of chunk.split("\n")) {
        if (line.startsWith("event: ")) type = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      if (data) onEvent(type, JSON.parse(data));
    }
  }
}

$("ask-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const question = $("ask-question").value.trim();
  if (!question) { showMessage("Type a question first."); return; }
  showMessage("");
  $("ask-submit").disabled = true;
  $("ask-answer").textContent = "";
  $("ask-notes").textContent = "";
  $("ask-passage").hidden = true;
  renderSources([]);
  let text = "";
  try {
    const response = await fetch("/api/ask", {
      method: "POST", headers: headers(),
      body: JSON.stringify({ question, stream: true, llm: $("ask-llm").checked }),
    });
    if (!response.ok) {
      let body = null;
      try { body = await response.json(); } catch (_) { /* not JSON */ }
      throw new Error(errorText(body, response.status));
    }
    await readEvents(response, (type, data) => {
      if (type === "sources") renderSources(data.sources);
      else if (type === "token") { text += data.text; renderAnswer(text); }
      else if (type === "done") {
        askCitations = data.answer.citations || [];
        renderAnswer(data.answer.answer);
        renderSources(data.answer.sources);
        $("ask-notes").textContent = [`method: ${data.answer.method}`, ...(data.answer.notes || [])].join(" · ");
        $("ask-answer").dataset.done = "1";
      } else if (type === "error") showMessage(data.error);
    });
  } catch (err) {
    showMessage(err.message);
  } finally {
    $("ask-submit").disabled = false;
  }
});

// ---------------------------------------------------------------- collections
async function loadCollections() {
  try {
    const data = await api("GET", "/collections");
    const sel = $("col-select");
    const current = sel.value;
    sel.innerHTML = "";
    for (const c of data.result.collections) {
      const opt = document.createElement("option");
      opt.value = opt.textContent = c.name;
      sel.appendChild(opt);
    }
    if (current) sel.value = current;
    if (sel.value) await loadCollection(sel.value);
    else $("col-info").textContent = "no collections yet";
  } catch (err) { showMessage(err.message); }
}

async function loadCollection(name) {
  const info = await api("GET", `/collections/${encodeURIComponent(name)}`);
  const r = info.result;
  const vectors = r.config && r.config.params && r.config.params.vectors;
  $("col-info").textContent = `${r.points_count} points · ${vectors ? JSON.stringify(vectors) : ""}`;
  const page = await api("POST", `/collections/${encodeURIComponent(name)}/points/scroll`, { limit: 20, with_payload: true });
  const body = $("col-points").querySelector("tbody");
  body.innerHTML = "";
  for (const p of page.result.points) {
    body.insertAdjacentHTML("beforeend", `<tr><td>${escapeHtml(p.id)}</td><td><code>${escapeHtml(JSON.stringify(p.payload))}</code></td></tr>`);
  }
}

$("col-refresh").addEventListener("click", loadCollections);
$("col-select").addEventListener("change", (e) => loadCollection(e.target.value).catch((err) => showMessage(err.message)));
$("col-search").addEventListener("click", async () => {
  const name = $("col-select").value;
  if (!name) { showMessage("Pick a collection first."); return; }
  let vector, filter;
  try { vector = JSON.parse($("col-vector").value); } catch (_) { showMessage("The query vector is not valid JSON."); return; }
  const ftext = $("col-filter").value.trim();
  try { filter = ftext ? JSON.parse(ftext) : undefined; } catch (_) { showMessage("The filter is not valid JSON."); return; }
  showMessage("");
  try {
    const data = await api("POST", `/collections/${encodeURIComponent(name)}/points/query`, {
      query: vector, filter, limit: Number($("col-limit").value) || 5, with_payload: true,
    });
    const body = $("col-results").querySelector("tbody");
    body.innerHTML = "";
    for (const p of data.result.points) {
      body.insertAdjacentHTML("beforeend", `<tr><td>${escapeHtml(p.id)}</td><td>${p.score.toFixed(4)}</td><td><code>${escapeHtml(JSON.stringify(p.payload))}</code></td></tr>`);
    }
    if (!data.result.points.length) body.innerHTML = `<tr><td colspan="3" class="muted">no matches</td></tr>`;
  } catch (err) { showMessage(err.message); }
});

// ---------------------------------------------------------------- analyze
$("an-run").addEventListener("click", async () => {
  const text = $("an-text").value;
  if (!text.trim()) { showMessage("Paste some text first."); return; }
  showMessage("");
  $("an-run").disabled = true;
  try {
    const r = await api("POST", "/api/analyze", { text });
    const near = (r.nearest || []).map((d) => `<li>${escapeHtml(d.title || d.path)} <span class="muted">${(d.score ?? 0).toFixed(3)}</span></li>`).join("");
    $("an-out").innerHTML = `
      <div><h2>Language</h2><p>${escapeHtml(r.language ? `${r.language} (confidence ${Number(r.language_confidence || 0).toFixed(2)})` : "unknown")}</p>
      <h2>Keywords</h2><p>${(r.keywords || []).map((k) => escapeHtml(k.keyword || k[0] || k)).join(", ")}</p></div>
      <div><h2>Summary</h2><p>${(r.summary || []).map(escapeHtml).join(" ")}</p><h2>Nearest documents</h2><ol>${near}</ol></div>`;
  } catch (err) { showMessage(err.message); }
  finally { $("an-run").disabled = false; }
});

// ---------------------------------------------------------------- differentiate
function parsePoint(text) {
  const at = {};
  for (const part of text.split(/[,;\s]+/).filter(Boolean)) {
    const [k, v] = part.split("=");
    if (!k || v === undefined || Number.isNaN(Number(v))) throw new Error(`bad point '${part}': write x=1, y=2`);
    at[k.trim()] = Number(v);
  }
  return at;
}

function drawPlot(plot) {
  const canvas = $("ad-plot");
  const ctx = canvas.getContext("2d");
  const W = canvas.width, H = canvas.height, pad = 36;
  ctx.clearRect(0, 0, W, H);
  const ys = [...plot.f, ...plot.df].filter((y) => y !== null && Number.isFinite(y));
  if (!ys.length) return;
  let lo = Math.min(...ys), hi = Math.max(...ys);
  if (lo === hi) { lo -= 1; hi += 1; }
  const x0 = plot.x[0], x1 = plot.x[plot.x.length - 1];
  const sx = (x) => pad + (x - x0) / (x1 - x0) * (W - 2 * pad);
  const sy = (y) => H - pad - (y - lo) / (hi - lo) * (H - 2 * pad);
  ctx.strokeStyle = "#ccc";
  ctx.beginPath();
  if (lo < 0 && hi > 0) { ctx.moveTo(pad, sy(0)); ctx.lineTo(W - pad, sy(0)); }
  if (x0 < 0 && x1 > 0) { ctx.moveTo(sx(0), pad); ctx.lineTo(sx(0), H - pad); }
  ctx.stroke();
  ctx.fillStyle = "#6a737d";
  ctx.font = "11px sans-serif";
  ctx.fillText(hi.toPrecision(3), 2, pad);
  ctx.fillText(lo.toPrecision(3), 2, H - pad);
  ctx.fillText(String(x0), pad, H - 8);
  ctx.fillText(String(x1), W - pad - 20, H - 8);
  const line = (ysel, color) => {
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    let pen = false;
    plot.x.forEach((x, i) => {
      const y = ysel[i];
      if (y === null || !Number.isFinite(y)) { pen = false; return; }
      if (pen) ctx.lineTo(sx(x), sy(y)); else { ctx.moveTo(sx(x), sy(y)); pen = true; }
    });
    ctx.stroke();
  };
  line(plot.f, "#0969da");
  line(plot.df, "#b7410e");
  canvas.dataset.drawn = String(plot.x.length);
}

$("ad-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  showMessage("");
  try {
    const at = parsePoint($("ad-at").value);
    const body = { expression: $("ad-expr").value, at, hessian: $("ad-hessian").checked };
    const start = Number($("ad-from").value), stop = Number($("ad-to").value);
    const vars = Object.keys(at);
    if (vars.length) body.plot = { variable: vars[0], start, stop, points: 161 };
    const r = await api("POST", "/api/ad", body);
    const lines = [`value    ${JSON.stringify(r.value)}`];
    if (r.gradient) for (const [k, v] of Object.entries(r.gradient)) lines.push(`∂f/∂${k}    ${v}`);
    if (r.jacobian) lines.push(`jacobian ${JSON.stringify(r.jacobian)}`);
    if (r.hessian) lines.push(`hessian  ${JSON.stringify(r.hessian)}`);
    $("ad-out").textContent = lines.join("\n");
    if (r.plot) {
      document.querySelector(".legend .df").textContent = `df/d${r.plot.variable}`;
      drawPlot(r.plot);
    }
  } catch (err) { showMessage(err.message); }
});

// ---------------------------------------------------------------- translate
$("tr-run").addEventListener("click", async () => {
  showMessage("");
  $("tr-run").disabled = true;
  $("tr-download").hidden = true;
  $("tr-functions").querySelector("tbody").innerHTML = "";
  $("tr-rust").innerHTML = "";
  $("tr-status").textContent = "translating, building, testing…";
  try {
    const r = await api("POST", "/api/c2rust", { source: $("tr-source").value, filename: "main.c", tests: [{ args: [], stdin: "" }] });
    const rep = r.report;
    $("tr-status").textContent = r.headline;
    const zip = Uint8Array.from(atob(r.project_zip), (ch) => ch.charCodeAt(0));
    const link = $("tr-download");
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(new Blob([zip], { type: "application/zip" }));
    link.hidden = false;
    const body = $("tr-functions").querySelector("tbody");
    body.innerHTML = "";
    for (const f of rep.functions) {
      body.insertAdjacentHTML("beforeend", `<tr><td>${escapeHtml(f.name)}</td><td class="tier-${f.tier}">${f.tier}</td><td>${escapeHtml(f.reason || "")}</td></tr>`);
    }
    const out = $("tr-rust");
    out.innerHTML = "";
    for (const [name, text] of Object.entries(r.rust)) {
      if (name === "main.rs") continue;
      out.insertAdjacentHTML("beforeend", `<div class="muted">// ${escapeHtml(name)}</div>`);
      for (const line of text.split("\n")) {
        const div = document.createElement("div");
        div.textContent = line || " ";
        if (/\bunsafe\b/.test(line)) div.className = "unsafe";
        out.appendChild(div);
      }
    }
  } catch (err) {
    $("tr-status").textContent = "";
    showMessage(err.message);
  } finally { $("tr-run").disabled = false; }
});

// ---------------------------------------------------------------- status
let statusTimer = null;

function renderIngest(ing) {
  const total = ing.total || 0;
  $("st-progress").max = total || 1;
  $("st-progress").value = ing.done || 0;
  const bits = [ing.running ? "running" : "idle", ing.stage, total ? `${ing.done}/${total}` : ""];
  if (ing.bm25_ready) bits.push("BM25 ready");
  if (ing.error) bits.push(`error: ${ing.error}`);
  $("st-stage").textContent = bits.filter(Boolean).join(" · ");
}

async function loadStatus() {
  try {
    const kb = await api("GET", "/api/kb");
    const cols = await api("GET", "/collections");
    renderIngest(kb.ingest);
    const lines = [`collections: ${cols.result.collections.map((c) => c.name).join(", ") || "none"}`];
    for (const name of kb.kbs) {
      try {
        const s = await api("GET", `/api/kb/${encodeURIComponent(name)}`);
        lines.push(`knowledge base '${name}': ${s.files} files, ${s.chunks} passages, ${s.embedded} vectors`);
      } catch (err) { lines.push(`knowledge base '${name}': ${err.message}`); }
    }
    if (!kb.kbs.length) lines.push("no knowledge base yet: start an ingest");
    $("st-out").textContent = lines.join("\n");
    clearTimeout(statusTimer);
    if (kb.ingest.running) statusTimer = setTimeout(loadStatus, 1000);
  } catch (err) { showMessage(err.message); }
}

$("st-refresh").addEventListener("click", loadStatus);
$("st-ingest").addEventListener("click", async () => {
  try {
    await api("POST", "/api/kb/ingest", { rust_docs: true, quick: true });
    showMessage("Ingest started: the quick Rust-docs subset. Ask works from BM25 as soon as parsing ends.", "info");
    loadStatus();
  } catch (err) { showMessage(err.message); }
});
