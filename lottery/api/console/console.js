// Staff console: plain fetch calls to the API with the session cookie and the CSRF header.
"use strict";
const STATES = { draft: "草稿", announced: "已公告", drawn: "已抽取（封存）", disclosed: "已公开", closed: "已办结（报告已公示）", cancelled: "已取消" };
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { "X-Lottery-CSRF": "1" } };
  if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
  const res = await fetch(path, init);
  const text = await res.text();
  const data = text ? JSON.parse(text) : null;
  if (!res.ok) throw new Error((data && data.detail ? (typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail)) : res.statusText) + "（HTTP " + res.status + "）");
  return data;
}

function show(el, text, isError) { el.textContent = text; el.className = "msg" + (isError ? " error" : ""); }

function cell(text) { const td = document.createElement("td"); td.textContent = text; return td; }

function button(label, action) {
  const b = document.createElement("button"); b.textContent = label; b.addEventListener("click", action); return b;
}

async function run(label, fn) {
  try { const out = await fn(); show($("task-msg"), label + "：成功"); if (out) $("detail").textContent = JSON.stringify(out, null, 2); await loadTasks(); }
  catch (e) { show($("task-msg"), label + "失败：" + e.message, true); }
}

async function loadTasks() {
  const tasks = await api("GET", "/api/tasks");
  const body = $("tasks"); body.replaceChildren();
  for (const t of tasks) {
    const tr = document.createElement("tr");
    tr.append(cell(t.id), cell(t.title), cell(STATES[t.state] || t.state));
    const ops = document.createElement("td");
    const p = "/api/tasks/" + encodeURIComponent(t.id);
    if (t.state === "draft") ops.append(button("公告", () => run("公告", () => api("POST", p + "/announce"))));
    if (t.state === "announced" && t.params.beacon.primary.kind === "public-numbers") {
      const numbers = () => {
        const text = prompt("开奖号码：每个号码源一组，组内用逗号分隔，组间用分号，例如 408;2,7,11,19,26,30");
        return text ? { values: text.split(";").map((g) => g.split(",").map((x) => parseInt(x.trim(), 10))) } : null;
      };
      ops.append(button("录入开奖号码", () => { const b = numbers(); if (b) return run("录入号码", () => api("POST", p + "/numbers", b)); }));
      ops.append(button("确认号码并抽取", () => { const b = numbers(); if (b) return run("确认号码", () => api("POST", p + "/numbers/confirm", b)); }));
    } else if (t.state === "announced") ops.append(button("抽取", () => {
      const sig = prompt("drand 签名（十六进制；留空则从中继获取）") || null;
      return run("抽取", () => api("POST", p + "/draw", { drand_signature: sig }));
    }));
    if (t.state === "drawn") {
      ops.append(button("公开结果", () => run("公开", () => api("POST", p + "/disclose"))));
      ops.append(button("查看封存结果", () => run("查看封存结果", () => api("GET", p + "/outcome"))));
    }
    if (t.state === "announced" || t.state === "drawn") ops.append(button("取消", () => {
      const reason = prompt("取消原因（将公开）"); if (!reason) return;
      return run("取消", () => api("POST", p + "/cancel", { reason }));
    }));
    ops.append(button("详情", () => run("详情", () => api("GET", p))));
    tr.append(ops); body.append(tr);
  }
}

async function loadAudit() {
  try {
    const events = await api("GET", "/api/audit?limit=50");
    const body = $("audit"); body.replaceChildren();
    for (const e of events) {
      const tr = document.createElement("tr");
      tr.append(cell(e.time.replace("T", " ").slice(0, 19)), cell(e.actor), cell(e.action), cell(e.object), cell(e.remote_addr || ""));
      body.append(tr);
    }
  } catch (e) { $("audit-box").classList.add("hidden"); }
}

const KINDS = { "task-report": "抽查报告", penalty: "行政处罚" };

async function loadDeadlines() {
  try {
    const items = await api("GET", "/api/deadlines");
    const body = $("deadlines"); body.replaceChildren();
    for (const d of items) {
      const tr = document.createElement("tr");
      tr.append(cell(KINDS[d.kind] || d.kind), cell(d.ref), cell(d.start), cell(d.due || d.problem || ""), cell(d.left === null ? "" : d.overdue ? "已逾期 " + (-d.left) + " 个工作日" : String(d.left)));
      body.append(tr);
    }
  } catch (e) { $("deadlines").replaceChildren(); }
}

$("import-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  const kind = form.get("kind");
  const upload = new FormData(); upload.append("file", form.get("file"));
  const table = $("import-errors"); const rows = table.querySelector("tbody"); rows.replaceChildren(); table.classList.add("hidden");
  const res = await fetch("/api/registries/" + kind + "/import", { method: "POST", credentials: "same-origin", headers: { "X-Lottery-CSRF": "1" }, body: upload });
  const data = await res.json();
  if (res.ok) { show($("import-msg"), "导入成功：" + data.summary); return; }
  show($("import-msg"), "未导入：" + (typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail)), true);
  for (const e of data.rows || []) {
    const tr = document.createElement("tr");
    tr.append(cell(e.row || "文件"), cell(e.column), cell(e.value), cell(e.message));
    rows.append(tr);
  }
  if ((data.rows || []).length) table.classList.remove("hidden");
});

async function enter() {
  const me = await api("GET", "/api/auth/me");
  $("who").textContent = me.name + "（" + me.roles.join("、") + "）";
  $("login-box").classList.add("hidden"); $("app").classList.remove("hidden");
  await loadTasks(); await loadAudit(); await loadDeadlines();
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const form = new FormData(ev.target);
  try { await api("POST", "/api/auth/login", { name: form.get("name"), password: form.get("password") }); await enter(); }
  catch (e) { show($("login-msg"), "登录失败：" + e.message, true); }
});
$("create-task").addEventListener("click", async () => {
  try { const t = await api("POST", "/api/tasks", JSON.parse($("task-json").value)); show($("create-msg"), "已保存草稿 " + t.id); await loadTasks(); }
  catch (e) { show($("create-msg"), "保存失败：" + e.message, true); }
});
$("load-audit").addEventListener("click", loadAudit);
$("logout").addEventListener("click", async () => { try { await api("POST", "/api/auth/logout"); } finally { location.reload(); } });
enter().catch(() => {});
