/*
 * 抽查对象名录查询 — the target lookup page (docs/site.md).
 *
 * Plain JavaScript, no third-party code. The registry is published as sharded JSON
 * (targets/data/manifest.json and <sha256>.json shards, rows sorted by USCC). A USCC reads one
 * shard (binary search over the manifest's first/last keys); any other text is matched as a
 * substring of the name or the USCC, reading the shards one after another until enough rows
 * are found. Every shard is checked against its SHA-256 in the manifest before use.
 *
 * A hit whose target has a page of its own (targets/<USCC>/: a published record names it) has
 * its name linked to that page; targets/data/pages.json, beside the manifest, lists them. The
 * others say 暂无公开记录: no published record names them (a pick still sealed included).
 * The region column shows the district name from targets/data/regions.json (publisher/names.py)
 * with the code beside it, the risk class its label (低风险（A类）...).
 */
(() => {
  "use strict";

  const MAX_RESULTS = 200;
  const PAGES = "pages.json";
  const REGIONS = "regions.json";
  // The risk classes as the pages name them (lottery/core/risk_rules.py RISK_LABELS), unless
  // regions.json gives the current item list's own words ("risks").
  const RISK_LABELS = {
    A: "低风险（A类）",
    B: "一般风险（B类）",
    C: "较高风险（C类）",
    D: "高风险（D类）",
  };
  const NO_RECORD = "暂无公开记录";
  const USCC = /^[0-9A-Z]{18}$/;
  const FIELD_NAMES = {
    uscc: "统一社会信用代码",
    name: "名称",
    type: "类型",
    region: "行政区划",
    risk_class: "信用风险分类",
    status: "状态",
  };

  // Control and bidi characters (and noncharacters) in a published name are shown as
  // [U+XXXX], never applied: an override could reorder what the reader sees (docs/security.md,
  // "Public site and console"; the pages do the same, publisher/render.py).
  const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef\ufffe\uffff]/g;

  function visible(text) {
    return String(text).replace(
      HIDDEN,
      (c) => `[U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}]`,
    );
  }

  async function sha256hex(buffer) {
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", buffer));
    return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  async function fetchBytes(url) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`无法下载 ${url}（HTTP ${response.status}）`);
    return response.arrayBuffer();
  }

  class Lookup {
    constructor(root) {
      this.root = root;
      this.base = new URL(root.dataset.manifest, document.baseURI);
      this.status = root.querySelector(".lottery-lookup-status");
      this.results = root.querySelector(".lottery-lookup-results");
      this.manifest = null;
      this.shards = new Map();
      this.pages = null;
      this.regions = null;
      this.risks = new Map();
    }

    // Region code -> district name (publisher/names.py); an empty map when the list cannot be
    // read (the codes are shown as they are).
    async loadRegions() {
      if (!this.regions) {
        try {
          const list = JSON.parse(
            new TextDecoder().decode(await fetchBytes(new URL(REGIONS, this.base).href)),
          );
          const names = list && typeof list.regions === "object" ? list.regions : {};
          this.regions = new Map(
            Object.entries(names || {}).filter(([, v]) => typeof v === "string" && v),
          );
          const risks = list && list.risks && typeof list.risks === "object" ? list.risks : {};
          this.risks = new Map(
            Object.entries(risks).filter(
              ([k, v]) => Object.hasOwn(RISK_LABELS, k) && typeof v === "string" && v,
            ),
          );
        } catch (e) {
          this.regions = new Map();
          this.risks = new Map();
        }
      }
      return this.regions;
    }

    // A registry cell as a reader reads it: the district's name with its code, the risk
    // class's label; any other field as it is.
    shown(field, value, regions) {
      if (field === "region" && regions.has(value)) return `${regions.get(value)}（${value}）`;
      if (field === "risk_class" && this.risks.has(value)) return this.risks.get(value);
      if (field === "risk_class" && Object.hasOwn(RISK_LABELS, value)) return RISK_LABELS[value];
      return value;
    }

    // The targets with a page; an empty set when the list cannot be read (the hits are still
    // shown, without links).
    async loadPages() {
      if (!this.pages) {
        try {
          const list = JSON.parse(
            new TextDecoder().decode(await fetchBytes(new URL(PAGES, this.base).href)),
          );
          this.pages = new Set(Array.isArray(list.targets) ? list.targets : []);
        } catch (e) {
          this.pages = new Set();
        }
      }
      return this.pages;
    }

    async loadManifest() {
      if (!this.manifest) {
        const text = new TextDecoder().decode(await fetchBytes(this.base.href));
        const manifest = JSON.parse(text);
        if (manifest.type !== "target-shards" || !Array.isArray(manifest.shards)) {
          throw new Error("名录清单格式不正确");
        }
        this.manifest = manifest;
      }
      return this.manifest;
    }

    async shard(entry) {
      if (!this.shards.has(entry.sha256)) {
        const bytes = await fetchBytes(new URL(entry.path, this.base).href);
        if (crypto.subtle && (await sha256hex(bytes)) !== entry.sha256) {
          throw new Error(`数据分片 ${entry.path} 与清单中的 SHA-256 不符，可能已被篡改`);
        }
        this.shards.set(entry.sha256, JSON.parse(new TextDecoder().decode(bytes)).rows);
      }
      return this.shards.get(entry.sha256);
    }

    async byUscc(manifest, code) {
      let lo = 0;
      let hi = manifest.shards.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const entry = manifest.shards[mid];
        if (code < entry.first) hi = mid - 1;
        else if (code > entry.last) lo = mid + 1;
        else return (await this.shard(entry)).filter((row) => row[0] === code);
      }
      return [];
    }

    async byText(manifest, text) {
      const found = [];
      const needle = text.toLowerCase();
      const name = manifest.fields.indexOf("name");
      let done = 0;
      for (const entry of manifest.shards) {
        for (const row of await this.shard(entry)) {
          if (row[name].toLowerCase().includes(needle) || row[0].toLowerCase().includes(needle)) {
            found.push(row);
            if (found.length >= MAX_RESULTS) return { rows: found, complete: false };
          }
        }
        done += 1;
        this.status.textContent = `正在检索：${done} / ${manifest.shards.length} 个数据分片……`;
      }
      return { rows: found, complete: true };
    }

    render(manifest, rows, pages, regions) {
      const table = document.createElement("table");
      const head = table.createTHead().insertRow();
      for (const field of [...manifest.fields.map((f) => FIELD_NAMES[f] || f), "公开记录"]) {
        const th = document.createElement("th");
        th.textContent = field;
        head.append(th);
      }
      const name = manifest.fields.indexOf("name");
      const body = table.createTBody();
      for (const row of rows) {
        const tr = body.insertRow();
        tr.className = "lottery-lookup-row";
        // textContent, never innerHTML: a name is text, whatever it holds.
        const cells = row.map((cell, i) => {
          const td = tr.insertCell();
          td.textContent = visible(this.shown(manifest.fields[i], cell, regions));
          return td;
        });
        const code = row[0];
        const own = USCC.test(code) && pages.has(code);
        if (own && name >= 0) {
          const a = document.createElement("a");
          // targets/<USCC>/, from targets/data/manifest.json; the code is checked above.
          a.href = new URL(`../${code}/`, this.base).href;
          a.className = "lottery-lookup-page";
          a.textContent = visible(row[name]);
          cells[name].replaceChildren(a);
        }
        tr.insertCell().textContent = own ? "有（点击名称查看）" : NO_RECORD;
      }
      // Cards on a phone, as the site's wide tables (assets/site.css, docs/site.md): each cell
      // under its column's name, the company's name first.
      table.dataset.cards = "phone";
      for (const tr of body.rows) {
        [...tr.cells].forEach((td, i) => {
          td.dataset.label = head.cells[i] ? head.cells[i].textContent : "";
          if (manifest.fields[i] === "name") td.classList.add("lottery-first");
        });
      }
      // The wrappers Material puts around the tables of a page: scrolls instead of overflowing.
      const scroll = document.createElement("div");
      scroll.className = "md-typeset__scrollwrap";
      const wrap = document.createElement("div");
      wrap.className = "md-typeset__table";
      wrap.append(table);
      scroll.append(wrap);
      this.results.replaceChildren(scroll);
    }

    async search(query) {
      const text = query.trim();
      this.results.replaceChildren();
      this.root.dataset.state = "running";
      try {
        if (!text) {
          this.status.textContent = "请输入统一社会信用代码或名称中的词语。";
          return;
        }
        const manifest = await this.loadManifest();
        const pages = await this.loadPages();
        const regions = await this.loadRegions();
        let rows;
        let complete = true;
        if (USCC.test(text.toUpperCase())) {
          rows = await this.byUscc(manifest, text.toUpperCase());
        } else {
          ({ rows, complete } = await this.byText(manifest, text));
        }
        this.root.dataset.count = String(rows.length);
        if (!rows.length) {
          this.status.textContent = `未找到与“${text}”相符的抽查对象（共 ${manifest.rows} 户）。`;
          return;
        }
        this.status.textContent = complete
          ? `找到 ${rows.length} 户（数据截至 ${manifest.as_of}）。`
          : `结果超过 ${MAX_RESULTS} 户，仅显示前 ${MAX_RESULTS} 户，请输入更具体的词语。`;
        this.render(manifest, rows, pages, regions);
      } catch (e) {
        this.root.dataset.count = "0";
        this.status.textContent = `查询失败：${e && e.message ? e.message : e}`;
      } finally {
        this.root.dataset.state = "done";
      }
    }
  }

  function init() {
    for (const root of document.querySelectorAll(".lottery-lookup[data-manifest]")) {
      if (root.dataset.bound) continue;
      root.dataset.bound = "1";
      const lookup = new Lookup(root);
      const form = root.querySelector(".lottery-lookup-form");
      const input = root.querySelector(".lottery-lookup-input");
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        lookup.search(input.value);
      });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  }
})();
