/*
 * 在浏览器中验证 — the in-browser verifier of a task page (docs/browser-verifier.md).
 *
 * Plain JavaScript, no third-party code: SHA-256 and Ed25519 come from WebCrypto
 * (crypto.subtle), 64-bit arithmetic from BigInt. Everything is read from the site's own copy
 * of the public export (relative URLs, nothing from elsewhere) and re-checked byte for byte as
 * docs/spec.md, docs/log-format.md, docs/beacons.md and docs/teams.md specify. The one thing
 * it cannot check is a drand BLS signature (WebCrypto has no BLS12-381): it says so, and
 * `lottery verify` checks it.
 */
(() => {
  "use strict";

  // The script lives at <site>/assets/lottery/verify.js; the export at <site>/export/.
  const SCRIPT_URL = document.currentScript ? document.currentScript.src : document.baseURI;
  const DEFAULT_EXPORT = new URL("../../export/", SCRIPT_URL).href;

  const QUICKNET = {
    chain_hash: "52db9ba70e0cc0f6eaf7803dd07447a1f5477735fd3f661792ba94600c84e971",
    genesis: 1692803367,
    period: 3,
  };

  const utf8 = new TextEncoder();
  const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

  // ---------------------------------------------------------------- bytes and hashes

  class CheckError extends Error {}

  function fail(message) {
    throw new CheckError(message);
  }

  function concat(...parts) {
    let length = 0;
    for (const p of parts) length += p.length;
    const out = new Uint8Array(length);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  function toHex(bytes) {
    let s = "";
    for (const b of bytes) s += b.toString(16).padStart(2, "0");
    return s;
  }

  function fromHex(text, length, what) {
    if (typeof text !== "string" || !/^(?:[0-9a-f]{2})*$/.test(text)) {
      fail(`${what} 不是小写十六进制`);
    }
    if (length !== undefined && text.length !== 2 * length) fail(`${what} 应为 ${length} 字节`);
    const out = new Uint8Array(text.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(text.substr(2 * i, 2), 16);
    return out;
  }

  function fromBase64(text, what) {
    let raw;
    try {
      raw = atob(text);
    } catch (e) {
      fail(`${what} 不是 base64`);
    }
    const out = Uint8Array.from(raw, (c) => c.charCodeAt(0));
    if (btoa(raw) !== text) fail(`${what} 不是规范的 base64`);
    return out;
  }

  function u32be(n) {
    return new Uint8Array([(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  }

  function compareBytes(a, b) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
    return a.length - b.length;
  }

  function equalBytes(a, b) {
    return a.length === b.length && compareBytes(a, b) === 0;
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  async function sha256Hex(bytes) {
    return toHex(await sha256(bytes));
  }

  // RFC 8785 (JCS) for the values our records and blobs hold: strings, integers, booleans,
  // null, arrays, objects. JS sorts keys by UTF-16 code units and JSON.stringify writes
  // strings and numbers exactly as JCS does.
  function canonical(value) {
    if (value === null || typeof value !== "object") {
      if (typeof value === "number" && !Number.isSafeInteger(value)) fail("出现非整数数值");
      return JSON.stringify(value);
    }
    if (Array.isArray(value)) return "[" + value.map(canonical).join(",") + "]";
    const keys = Object.keys(value).sort();
    return "{" + keys.map((k) => JSON.stringify(k) + ":" + canonical(value[k])).join(",") + "}";
  }

  function parseCanonical(bytes, what) {
    let text;
    try {
      text = strictUtf8.decode(bytes);
    } catch (e) {
      fail(`${what} 不是有效的 UTF-8`);
    }
    let value;
    try {
      value = JSON.parse(text);
    } catch (e) {
      fail(`${what} 不是 JSON`);
    }
    if (canonical(value) !== text) fail(`${what} 不是规范 JSON（RFC 8785）`);
    return value;
  }

  // ---------------------------------------------------------------- fetching

  async function fetchBytes(base, path) {
    const response = await fetch(new URL(path, base).href, { cache: "no-store" });
    if (!response.ok) fail(`无法读取 ${path}（HTTP ${response.status}）`);
    return new Uint8Array(await response.arrayBuffer());
  }

  // C2SP tlog-tiles: N as zero-padded 3-digit groups, all but the last prefixed with "x".
  function tileIndex(n) {
    const groups = [];
    do {
      groups.unshift(String(n % 1000).padStart(3, "0"));
      n = Math.floor(n / 1000);
    } while (n > 0);
    return groups.map((g, i) => (i < groups.length - 1 ? "x" + g : g)).join("/");
  }

  function decodeBundle(bytes, count, path) {
    const entries = [];
    let at = 0;
    while (at < bytes.length) {
      if (at + 2 > bytes.length) fail(`${path}：条目长度被截断`);
      const length = (bytes[at] << 8) | bytes[at + 1];
      at += 2;
      if (at + length > bytes.length) fail(`${path}：条目被截断`);
      entries.push(bytes.slice(at, at + length));
      at += length;
    }
    if (entries.length !== count) fail(`${path}：应有 ${count} 条，实有 ${entries.length} 条`);
    return entries;
  }

  async function readEntries(base, size) {
    const entries = [];
    const full = Math.floor(size / 256);
    for (let n = 0; n < full; n++) {
      const path = `tile/entries/${tileIndex(n)}`;
      entries.push(...decodeBundle(await fetchBytes(base, path), 256, path));
    }
    const width = size % 256;
    if (width) {
      const path = `tile/entries/${tileIndex(full)}.p/${width}`;
      entries.push(...decodeBundle(await fetchBytes(base, path), width, path));
    }
    return entries;
  }

  // RFC 6962 Merkle tree hash.
  async function merkleRoot(leaves) {
    if (leaves.length === 0) return sha256(new Uint8Array(0));
    let level = [];
    for (const e of leaves) level.push(await sha256(concat(new Uint8Array([0]), e)));
    const node = async (lo, hi) => {
      if (hi - lo === 1) return level[lo];
      let k = 1;
      while (k * 2 < hi - lo) k *= 2;
      const left = await node(lo, lo + k);
      const right = await node(lo + k, hi);
      return sha256(concat(new Uint8Array([1]), left, right));
    };
    return node(0, level.length);
  }

  // RFC 6962 roots of the first `size` leaves, for several sizes: the leaf hashes are computed
  // once and every subtree at most once (the cosigned checkpoints share their left subtrees).
  function rootsOf(leaves) {
    let level = null;
    const memo = new Map();
    const node = async (lo, hi) => {
      if (hi - lo === 1) return level[lo];
      const key = `${lo} ${hi}`;
      if (!memo.has(key)) {
        let k = 1;
        while (k * 2 < hi - lo) k *= 2;
        memo.set(key, (async () => sha256(concat(new Uint8Array([1]), await node(lo, lo + k), await node(lo + k, hi))))());
      }
      return memo.get(key);
    };
    return async (size) => {
      if (size === 0) return sha256(new Uint8Array(0));
      if (level === null) {
        level = [];
        for (const e of leaves) level.push(await sha256(concat(new Uint8Array([0]), e)));
      }
      return node(0, size);
    };
  }

  // ---------------------------------------------------------------- keys and signed notes

  async function parseVkey(line) {
    const first = line.indexOf("+");
    const second = line.indexOf("+", first + 1);
    if (first <= 0 || second < 0) fail("公钥格式错误");
    const name = line.slice(0, first);
    // Either case is read, as Go's note package reads it; the site writes lower case.
    const idHex = line.slice(first + 1, second).toLowerCase();
    if (!/^[0-9a-f]{8}$/.test(idHex)) fail("公钥编号应为 8 位十六进制");
    const raw = fromBase64(line.slice(second + 1), "公钥");
    if (raw.length !== 33 || raw[0] !== 1) fail("公钥应为 0x01 加 32 字节 Ed25519 公钥");
    const expected = (await sha256(concat(utf8.encode(name), new Uint8Array([10]), raw))).slice(
      0,
      4,
    );
    if (toHex(expected) !== idHex) fail("公钥编号与公钥不符");
    const key = await crypto.subtle.importKey(
      "raw",
      raw.slice(1),
      { name: "Ed25519" },
      false,
      ["verify"],
    );
    return { name, id: idHex, key, vkey: line };
  }

  // C2SP signed note: verify over the published bytes; return the text.
  async function openNote(bytes, keys, what) {
    let note;
    try {
      note = strictUtf8.decode(bytes);
    } catch (e) {
      fail(`${what} 不是有效的 UTF-8`);
    }
    if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) fail(`${what} 含控制字符`);
    const split = note.lastIndexOf("\n\n");
    if (split < 0) fail(`${what} 没有签名部分`);
    const text = note.slice(0, split + 1);
    const sigs = note.slice(split + 2);
    if (!sigs.endsWith("\n")) fail(`${what} 签名行未以换行结束`);
    const lines = sigs.slice(0, -1).split("\n");
    if (lines.length > 100) fail(`${what} 签名行过多`);
    const textBytes = utf8.encode(text);
    let verified = 0;
    const keyIds = [];
    for (const line of lines) {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) fail(`${what} 签名行格式错误`);
      const sig = fromBase64(m[2], "签名");
      if (sig.length < 5) fail(`${what} 签名过短`);
      const id = toHex(sig.slice(0, 4));
      const key = keys.find((k) => k.name === m[1] && k.id === id);
      if (!key) continue; // a line of a key we do not track is ignored (log-format.md)
      keyIds.push(id);
      const ok = await crypto.subtle.verify({ name: "Ed25519" }, key.key, sig.slice(4), textBytes);
      if (!ok) fail(`${what} 的签名（密钥 ${id}）验证失败`);
      verified += 1;
    }
    if (verified === 0) fail(`${what} 没有公示公钥的签名（名称与密钥编号均不匹配）`);
    return { text, textBytes, keyIds };
  }

  // ---------------------------------------------------------------- witness cosignatures

  // docs/witness.md, C2SP cosignature/v1: a witness key is `<name>+<key id>+<base64(0x04 ||
  // 32-byte Ed25519 key)>`, key id = SHA-256(name || 0x0A || 0x04 || key)[:4]; a cosignature
  // line's signature is key id || u64 big-endian timestamp || Ed25519 signature of
  // "cosignature/v1\ntime <timestamp>\n" followed by the checkpoint's note text.
  const COSIGNATURE_HEADER = "cosignature/v1\n";
  const MAX_TIMESTAMP = (1n << 63n) - 1n;

  async function parseWitnessKey(line) {
    const first = line.indexOf("+");
    const second = line.indexOf("+", first + 1);
    if (first <= 0 || second < 0) fail(`见证方公钥格式错误：${line}`);
    const name = line.slice(0, first);
    const idHex = line.slice(first + 1, second).toLowerCase();
    if (!/^[0-9a-f]{8}$/.test(idHex)) fail("见证方公钥编号应为 8 位十六进制");
    const raw = fromBase64(line.slice(second + 1), "见证方公钥");
    if (raw.length !== 33 || raw[0] !== 4) fail("见证方公钥应为 0x04 加 32 字节 Ed25519 公钥");
    const expected = (await sha256(concat(utf8.encode(name), new Uint8Array([10]), raw))).slice(0, 4);
    if (toHex(expected) !== idHex) fail("见证方公钥编号与公钥不符");
    const key = await crypto.subtle.importKey("raw", raw.slice(1), { name: "Ed25519" }, false, ["verify"]);
    return { name, id: idHex, key, vkey: line };
  }

  // The witnesses this page trusts and their quorum, from witnesses.json next to this script
  // (written by the publisher, docs/browser-verifier.md "Witnesses"): null when none are named.
  const WITNESSES_URL = new URL("witnesses.json", SCRIPT_URL).href;
  async function loadWitnessPolicy() {
    const response = await fetch(WITNESSES_URL, { cache: "no-store" });
    if (response.status === 404) return null;
    if (!response.ok) fail(`无法读取见证方名单（HTTP ${response.status}）`);
    let config;
    try {
      config = await response.json();
    } catch (e) {
      fail("见证方名单不是有效的 JSON");
    }
    const vkeys = config && Array.isArray(config.witnesses) ? config.witnesses : null;
    if (!vkeys || !vkeys.every((v) => typeof v === "string")) fail("见证方名单格式错误");
    if (!vkeys.length) return null;
    const witnesses = await Promise.all(vkeys.map(parseWitnessKey));
    if (new Set(witnesses.map((w) => `${w.name} ${w.id}`)).size !== witnesses.length) fail("同一见证方公钥列出了两次");
    const quorum = config.quorum === undefined || config.quorum === null ? witnesses.length : config.quorum;
    if (!Number.isInteger(quorum) || quorum < 1 || quorum > witnesses.length) {
      fail(`见证方法定人数应在 1 到 ${witnesses.length} 之间`);
    }
    return { witnesses, quorum, margin: 0, source: "本站列出的见证方" };
  }

  // A `witness-policy` record (docs/spec.md §2, records.md), checked as `lottery verify`
  // checks its format: 1-32 witnesses, each {name, vkey}, the name without spaces or control
  // characters, at most 64 characters, not `none` or `quorum`, all names different; each vkey
  // a cosigner key (type 0x04) whose key id matches, no public key twice; quorum 1..n;
  // margin 0..86400 seconds. Each witness is labelled with the record's name.
  async function parsePublishedPolicy(record) {
    const b = record.body;
    const where = `第 ${record.index} 条记录的见证方规则`;
    const list = b.witnesses;
    if (!Array.isArray(list) || list.length < 1 || list.length > 32) fail(`${where}：见证方应为 1 至 32 个`);
    const witnesses = [];
    for (const w of list) {
      if (!w || typeof w !== "object" || Object.keys(w).sort().join() !== "name,vkey") fail(`${where}：见证方格式错误`);
      const { name, vkey } = w;
      if (typeof name !== "string" || !name.length || [...name].length > 64 || /[\s\u0000-\u001f\u007f]/.test(name)) {
        fail(`${where}：见证方名称格式错误`);
      }
      if (name === "none" || name === "quorum") fail(`${where}：见证方名称不能是 ${name}`);
      if (typeof vkey !== "string" || vkey.length > 300) fail(`${where}：见证方公钥格式错误`);
      witnesses.push({ ...(await parseWitnessKey(vkey)), label: name });
    }
    if (new Set(witnesses.map((w) => w.label)).size !== witnesses.length) fail(`${where}：同一名称列出了两次`);
    if (new Set(witnesses.map((w) => w.vkey.slice(w.vkey.lastIndexOf("+") + 1))).size !== witnesses.length) {
      fail(`${where}：同一公钥列出了两次`);
    }
    const quorum = b.quorum;
    if (!Number.isInteger(quorum) || quorum < 1 || quorum > witnesses.length) fail(`${where}：法定人数应在 1 到 ${witnesses.length} 之间`);
    if (!Number.isInteger(b.margin) || b.margin < 0 || b.margin > 86400) fail(`${where}：提前量应在 0 到 86400 秒之间`);
    return { witnesses, quorum, margin: b.margin, source: where, index: record.index };
  }

  // The valid cosignatures by trusted witnesses on one signed checkpoint (bytes), earliest per
  // witness, in note order; a line of a trusted witness that is malformed or does not verify
  // fails (fail closed), lines of other keys are ignored.
  async function verifyCosignatures(text, lines, witnesses, what) {
    const found = new Map();
    for (const line of lines) {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) fail(`${what} 签名行格式错误`);
      const sig = fromBase64(m[2], "签名");
      if (sig.length < 5) fail(`${what} 签名过短`);
      const id = toHex(sig.slice(0, 4));
      const w = witnesses.find((k) => k.name === m[1] && k.id === id);
      if (!w) continue;
      const who = `${w.name}（${id}）`;
      if (sig.length !== 4 + 8 + 64) fail(`${what}：${who} 的副署为 ${sig.length - 4} 字节，不是 8 + 64 字节`);
      let ts = 0n;
      for (const b of sig.slice(4, 12)) ts = (ts << 8n) | BigInt(b);
      if (ts > MAX_TIMESTAMP) fail(`${what}：${who} 的副署时间超过 2^63-1`);
      const message = concat(utf8.encode(`${COSIGNATURE_HEADER}time ${ts}\n`), text);
      if (!(await crypto.subtle.verify({ name: "Ed25519" }, w.key, sig.slice(12), message))) {
        fail(`${what}：${w.name}（${id}）的副署验证失败`);
      }
      const key = `${w.name} ${id}`;
      if (!found.has(key) || ts < found.get(key).timestamp) found.set(key, { name: w.name, id, timestamp: ts });
    }
    return [...found.values()];
  }

  // cosigned/list and every cosigned/<size>: each must be a checkpoint the office signed, of
  // the audited log (same root at its size), every trusted witness's line valid. Any failure
  // fails the check, as `lottery verify --witness` fails for it (docs/witness.md).
  async function loadCosigned(base, log, witnesses) {
    const listing = await fetchOptional(base, "cosigned/list");
    if (listing === null) return [];
    let sizes;
    try {
      sizes = strictUtf8.decode(listing).split(/\s+/).filter(Boolean);
    } catch (e) {
      fail("cosigned/list 格式错误");
    }
    if (!sizes.every((s) => /^[0-9]+$/.test(s))) fail("cosigned/list 格式错误");
    sizes = sizes.map(Number);
    if (sizes.some((s, i) => i > 0 && s <= sizes[i - 1])) fail("cosigned/list 应严格递增");
    const evidence = [];
    const rootAt = rootsOf(log.entries);
    for (const size of sizes) {
      const path = `cosigned/${size}`;
      const bytes = await fetchOptional(base, path);
      if (bytes === null) fail(`${path} 列于 cosigned/list 但未公开`);
      const note = await openNote(bytes, log.keys, path);
      const lines = note.text.split("\n");
      if (lines.length < 4 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) fail(`${path} 不是检查点`);
      const root = fromBase64(lines[2], "树根");
      if (
        lines[0] !== log.origin ||
        Number(lines[1]) !== size ||
        size > log.entries.length ||
        !equalBytes(await rootAt(size), root)
      ) {
        fail(`${path} 不是所核验日志的检查点`);
      }
      const all = strictUtf8.decode(bytes);
      const sigLines = all.slice(note.text.length + 1, -1).split("\n");
      evidence.push({ size, cosignatures: await verifyCosignatures(note.textBytes, sigLines, witnesses, path) });
    }
    return evidence;
  }

  // When the announcement's randomness could first be known (POSIX seconds): a drand round's
  // scheduled time; public numbers: 00:00 Asia/Shanghai of the draw date; the earlier of the
  // primary and the fallback (docs/witness.md).
  function beaconDue(beacon) {
    const at = (b) => {
      if (b.kind === "drand") {
        if (b.chain_hash !== QUICKNET.chain_hash) fail("无法确定随机数产生时间：drand 链不是固定的 quicknet 链");
        return roundTime(b.round);
      }
      const t = Date.parse(`${b.draw_date}T00:00:00+08:00`);
      if (!Number.isFinite(t)) fail("无法确定随机数产生时间：开奖日期格式错误");
      return t / 1000;
    };
    if (!beacon || !beacon.primary) fail("无法确定随机数产生时间：公告没有随机源");
    return Math.min(at(beacon.primary), ...(beacon.fallback ? [at(beacon.fallback)] : []));
  }

  function beijingTime(seconds) {
    return `${new Date((Number(seconds) + 8 * 3600) * 1000).toISOString().slice(0, 19).replace("T", " ")}（北京时间）`;
  }

  // announcement.witnessed for the announcement at log index `index` under one rule (a
  // published policy, or the site's witnesses.json): one cosigned checkpoint of size > index
  // with at least `quorum` cosignatures by the rule's witnesses dated before the beacon less
  // the rule's margin (docs/spec.md §8). Returns the pass sentence; fails naming what is missing.
  function witnessedDetail(index, before, evidence, policy) {
    const due = before - policy.margin;
    const limit = BigInt(due);
    const label = (c) => {
      const w = policy.witnesses.find((k) => k.name === c.name && k.id === c.id);
      return w.label ? `${w.label}（${c.name}）` : c.name;
    };
    const by = policy.margin ? `，${policy.source}，提前量 ${policy.margin} 秒` : `，${policy.source}`;
    const when = policy.margin
      ? `随机数产生（${beijingTime(before)}）前 ${policy.margin} 秒即 ${beijingTime(due)}`
      : `随机数产生（${beijingTime(before)}）`;
    let best = null;
    let bestEarly = [];
    for (const ev of evidence) {
      if (ev.size <= index) continue;
      const trusted = ev.cosignatures.filter((c) => policy.witnesses.some((k) => k.name === c.name && k.id === c.id));
      const early = trusted.filter((c) => c.timestamp < limit);
      if (best === null || early.length > bestEarly.length) [best, bestEarly] = [{ size: ev.size, cosignatures: trusted }, early];
      if (early.length >= policy.quorum) {
        return (
          `公告（第 ${index} 条）在含 ${ev.size} 条记录的检查点中，${when}之前已由 ` +
          `${policy.witnesses.length} 个见证方中的 ${early.length} 个副署（法定人数 ${policy.quorum}${by}）：` +
          early.map((c) => `${label(c)} 于 ${beijingTime(c.timestamp)}`).join("；")
        );
      }
    }
    const need = `需要至少 ${policy.quorum} 个见证方（${by.slice(1)}）在${when}之前副署一个多于 ${index} 条记录的检查点`;
    if (best === null) fail(`公告（第 ${index} 条）${need}；没有这样的副署`);
    const have = new Set(best.cosignatures.map((c) => `${c.name} ${c.id}`));
    const missing = policy.witnesses.filter((w) => !have.has(`${w.name} ${w.id}`)).map((w) => (w.label ? `${w.label}（${w.name}）` : w.name));
    const late = best.cosignatures.filter((c) => !bestEarly.includes(c)).map((c) => `${label(c)} 于 ${beijingTime(c.timestamp)}`);
    fail(
      `公告（第 ${index} 条）${need}；最多的是含 ${best.size} 条记录的检查点，有 ${bestEarly.length} 个` +
        (missing.length ? `；未副署：${missing.join("、")}` : "") +
        (late.length ? `；副署太晚：${late.join("、")}` : ""),
    );
  }

  // The log's valid `witness-policy` records in log order, each parsed once per verification
  // run (the run is its Report; the cache is by record index) however many announcements are
  // checked in it: a record that breaks the format fails record.format once in the run,
  // naming it, as `lottery verify` reports it once for the whole log (lottery/core/audit.py).
  const policyRuns = new WeakMap(); // Report -> Map(record index -> Promise(policy or null))
  async function publishedPolicies(report, context) {
    let parsed = policyRuns.get(report);
    if (!parsed) {
      parsed = new Map();
      policyRuns.set(report, parsed);
    }
    const records = context.filter((r) => r.body.type === "witness-policy").sort((x, y) => x.index - y.index);
    const published = [];
    for (const record of records) {
      if (!parsed.has(record.index)) {
        parsed.set(
          record.index,
          parsePublishedPolicy(record).catch((e) => {
            report.add("record.format", false, e instanceof CheckError ? e.message : `第 ${record.index} 条记录出错：${e}`);
            return null;
          }),
        );
      }
      const policy = await parsed.get(record.index);
      if (policy) published.push(policy);
    }
    return published;
  }

  // The rules an announcement is held to, as `lottery verify` holds it (docs/spec.md §8):
  // the `witness-policy` in force (the last one before it in the log) and, when the site
  // names witnesses (witnesses.json), those too; both must hold, so the site's list can only
  // add. The cosigned checkpoints are read with the witnesses of every policy in the log and
  // the site's: a bad line by any of them fails closed, as the CLI's run fails. A
  // `witness-policy` record that breaks its format fails record.format (that record alone)
  // and is not a policy: it neither applies nor ends the previous one (spec §8).
  async function checkWitnessed(base, report, log, ann, context) {
    const published = await publishedPolicies(report, context);
    const inForce = published.filter((p) => p.index < ann.index).pop();
    let rules;
    let everyone;
    try {
      const reader = await loadWitnessPolicy();
      rules = [inForce, reader].filter(Boolean);
      everyone = [...published, ...(reader ? [reader] : [])].flatMap((p) => p.witnesses);
    } catch (e) {
      report.add("announcement.witnessed", false, e instanceof CheckError ? e.message : `出错：${e}`);
      return;
    }
    if (!rules.length) {
      report.skip(
        "announcement.witnessed",
        (published.length
          ? `本任务公告（第 ${ann.index} 条）之前日志中没有见证方规则（第一条有效规则在第 ${published[0].index} 条），`
          : "日志中没有公布见证方规则，") +
          "本站也没有列出见证方公钥，未核对见证方副署；公告时间只是本单位的说法，" +
          "可用 `lottery verify --witness` 核对（docs/witness.md）",
      );
      return;
    }
    const union = [];
    for (const w of everyone) if (!union.some((u) => u.name === w.name && u.id === w.id)) union.push(w);
    await report.run("announcement.witnessed", async () => {
      const evidence = await loadCosigned(base, log, union);
      const before = beaconDue(ann.body.beacon);
      return rules.map((rule) => witnessedDetail(ann.index, before, evidence, rule)).join("；另外，");
    }, (detail) => detail);
  }

  // ---------------------------------------------------------------- beacons

  function rfc3797KeyString(values, sources) {
    if (!Array.isArray(values) || values.length !== sources.length) {
      fail(`号码组数 ${values && values.length} 与公告的 ${sources.length} 个来源不符`);
    }
    let key = "";
    values.forEach((group, i) => {
      const source = sources[i];
      if (!Array.isArray(group) || group.length !== source.count) {
        fail(`来源“${source.name}”应有 ${source.count} 个号码`);
      }
      for (const v of group) if (!Number.isSafeInteger(v) || v < 0) fail("号码必须是非负整数");
      const sorted = [...group].sort((a, b) => a - b);
      key += sorted.map((v) => `${v}.`).join("") + "/";
    });
    return key;
  }

  function roundTime(round) {
    return QUICKNET.genesis + (round - 1) * QUICKNET.period;
  }

  // ---------------------------------------------------------------- selection and teams

  const TAG_COMMIT = utf8.encode("lottery-v1 commit\u0000");
  const TAG_SEED = utf8.encode("lottery-v1 seed\u0000");
  const TAG_STRATUM = utf8.encode("lottery-v1 stratum\u0000");
  const TAG_TEAM = utf8.encode("lottery-v1 team\u0000");

  async function selectStratum(seed, stratum) {
    const key = await sha256(concat(TAG_STRATUM, seed, utf8.encode(`${stratum.region}|${stratum.risk}`)));
    const ranked = await Promise.all(
      stratum.candidates.map(async (c) => {
        const id = utf8.encode(c);
        const ticket = await sha256(concat(key, id));
        return { target: c, ticket, sortKey: concat(ticket, id) };
      }),
    );
    ranked.sort((a, b) => compareBytes(a.sortKey, b.sortKey));
    return ranked.slice(0, stratum.count);
  }

  function groupPairs(pairs) {
    const out = new Map();
    for (const [t, i] of pairs) {
      if (!out.has(t)) out.set(t, new Set());
      out.get(t).add(i);
    }
    return out;
  }

  // docs/teams.md §2, literally; with §8 (a joint task's one inspector of each department
  // per team) when the team input names `team_departments`.
  async function assignTeams(seed, picks, teamInput, size, cap) {
    const P = [...teamInput.inspectors]
      .map((i) => ({ i, b: utf8.encode(i) }))
      .sort((x, y) => compareBytes(x.b, y.b))
      .map((x) => x.i);
    const n = P.length;
    if (size < 2 || cap < 1 || n < size) fail("分组参数无效（每组至少 2 人，人员数不少于每组人数）");
    if (new Set(P).size !== n || new Set(picks).size !== picks.length) fail("人员或抽中对象重复");
    if (size * (4 * n + 65) > 2 ** 32) fail("人员库过大");
    const rule = teamInput.team_departments || [];
    let deptOf = null;
    if (rule.length) {
      if (new Set(rule).size !== rule.length || rule.some((d) => !d)) fail("每组各部门一人的部门名单无效（重复或为空）");
      if (rule.length > size) fail(`每组各部门一人需要每组至少 ${rule.length} 人`);
      const named = new Map(teamInput.departments || []);
      deptOf = P.map((i) => {
        if (!named.has(i)) fail(`检查人员 ${i} 没有所属部门`);
        return named.get(i);
      });
    }
    const N = BigInt(n);
    const limit = ((1n << 64n) / N) * N;
    const conflicts = groupPairs(teamInput.conflicts);
    const previous = groupPairs(teamInput.previous);
    const empty = new Set();
    const load = new Array(n).fill(0);
    const paired = new Set();
    const pairKey = (a, b) => (a < b ? `${a},${b}` : `${b},${a}`);
    const teams = [];
    for (const t of picks) {
      const tb = utf8.encode(t);
      const prefix = concat(TAG_TEAM, seed, u32be(tb.length), tb);
      const draw = async (c) => {
        const x = await sha256(concat(prefix, u32be(c)));
        let v = 0n;
        for (let k = 0; k < 8; k++) v = (v << 8n) | BigInt(x[k]);
        return v < limit ? Number(v % N) : null;
      };
      const cf = conflicts.get(t) || empty;
      const pv = previous.get(t) || empty;
      const team = [];
      let slot = 0;
      const acceptable = (i) =>
        !cf.has(P[i]) &&
        !pv.has(P[i]) &&
        !team.includes(i) &&
        load[i] < cap &&
        (deptOf === null || slot >= rule.length || deptOf[i] === rule[slot]);
      let c = 0;
      for (slot = 0; slot < size; slot++) {
        let chosen = -1;
        for (let k = 0; k < 4 * n + 64; k++) {
          const d = c++;
          const i = await draw(d);
          if (i === null || !acceptable(i)) continue;
          if (d < 64 && team.some((m) => paired.has(pairKey(i, m)))) continue;
          chosen = i;
          break;
        }
        if (chosen < 0) {
          const d = c++;
          const i = await draw(d);
          const start = i === null ? 0 : i;
          for (let j = 0; j < n; j++) {
            if (acceptable((start + j) % n)) {
              chosen = (start + j) % n;
              break;
            }
          }
          if (chosen < 0) fail(`对象 ${t} 无可派人员`);
        }
        for (const m of team) paired.add(pairKey(chosen, m));
        team.push(chosen);
        load[chosen] += 1;
      }
      teams.push({ target: t, inspectors: team.map((i) => P[i]) });
    }
    return teams;
  }

  // ---------------------------------------------------------------- the verification

  class Report {
    constructor() {
      this.items = [];
    }
    add(name, ok, detail) {
      this.items.push({ name, state: ok ? "pass" : "fail", detail });
    }
    note(name, detail) {
      this.items.push({ name, state: "note", detail });
    }
    skip(name, detail) {
      this.items.push({ name, state: "skip", detail });
    }
    // A finding that is not a failure but must be seen (spec §8: cancel.secret_lost).
    warn(name, detail) {
      this.items.push({ name, state: "warn", detail });
    }
    // Run one check; a CheckError (or any error) marks it failed with its message.
    async run(name, fn, okDetail) {
      try {
        const value = await fn();
        this.add(name, true, typeof okDetail === "function" ? okDetail(value) : okDetail);
        return { ok: true, value };
      } catch (e) {
        this.add(name, false, e instanceof CheckError ? e.message : `出错：${e}`);
        return { ok: false, value: undefined };
      }
    }
    get failed() {
      return this.items.filter((i) => i.state === "fail");
    }
  }

  // (a) keys, checkpoint, entry bundles, the Merkle root: null when one of them fails.
  async function verifyLog(base, report) {
    const keysResult = await report.run(
      "log.keys",
      async () => {
        const text = strictUtf8.decode(await fetchBytes(base, "keys/office.vkey"));
        const lines = text.split("\n").map((l) => l.trim()).filter(Boolean);
        if (!lines.length) fail("没有公钥");
        return Promise.all(lines.map(parseVkey));
      },
      (keys) => `已读取 ${keys.length} 个公钥，密钥编号与公钥相符：${keys.map((k) => k.id).join("、")}`,
    );
    if (!keysResult.ok) return null;
    const keys = keysResult.value;

    const cp = await report.run(
      "log.checkpoint",
      async () => {
        const note = await openNote(await fetchBytes(base, "checkpoint"), keys, "检查点");
        const lines = note.text.split("\n");
        if (lines.length < 4 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) fail("检查点格式错误");
        const root = fromBase64(lines[2], "树根");
        if (root.length !== 32) fail("树根应为 32 字节");
        return { origin: lines[0], size: Number(lines[1]), root };
      },
      (c) => `检查点由公示公钥签名：日志 ${c.origin}，共 ${c.size} 条记录`,
    );
    if (!cp.ok) return null;
    const { origin, size, root } = cp.value;

    const entries = await report.run(
      "log.entries",
      () => readEntries(base, size),
      (e) => `已读取并解析全部 ${e.length} 条日志条目（每条为 2 字节长度加记录）`,
    );
    if (!entries.ok) return null;
    await report.run(
      "log.root",
      async () => {
        if (!equalBytes(await merkleRoot(entries.value), root)) {
          fail("由全部条目重新计算的 RFC 6962 树根与检查点不符（日志被改动）");
        }
      },
      "由全部条目重新计算的树根与已签名检查点一致",
    );
    const schedule = await followKeyChanges(entries.value, keys, origin, size, base, report);
    if (!schedule) return null;
    return { keys, keysAt: schedule, origin, entries: entries.value };
  }

  // Key changes (docs/spec.md §2 "Key changes"): a `key-change` record at index c counts only
  // when signed by a key in force at c and by every key it names; its keys sign from c + 1 on.
  // The checkpoint of size n is signed by a key in force at n (at n - 1 too when n - 1 is a
  // change). Returns keysAt(index), or null after marking `log.key_change` failed. No check is
  // shown for a log without key changes.
  async function followKeyChanges(entries, published, origin, size, base, report) {
    let inForce = published;
    const changes = [];
    let problem = null;
    for (const [index, entry] of entries.entries()) {
      let body;
      try {
        const raw = strictUtf8.decode(entry);
        body = JSON.parse(raw.slice(0, raw.lastIndexOf("\n\n") + 1));
      } catch (e) {
        continue;
      }
      if (!body || body.type !== "key-change") continue;
      try {
        await openNote(entry, inForce, `第 ${index} 条记录（密钥变更）`);
      } catch (e) {
        problem = `第 ${index} 条记录（密钥变更）没有当时有效密钥的签名`;
        break;
      }
      let next;
      try {
        if (!Array.isArray(body.keys) || !body.keys.length) fail("没有新公钥");
        next = await Promise.all(body.keys.map((k) => parseVkey(String(k))));
        for (const k of next) await openNote(entry, [k], `第 ${index} 条记录（密钥变更）`);
      } catch (e) {
        problem = `第 ${index} 条记录（密钥变更）没有其中每把新密钥的签名，或新公钥格式错误`;
        break;
      }
      changes.push({ index, keys: next });
      inForce = next;
    }
    const keysAt = (i) => {
      let keys = published;
      for (const c of changes) if (c.index < i) keys = c.keys;
      return keys;
    };
    if (problem === null && changes.length) {
      let allowed = keysAt(size);
      if (changes.some((c) => c.index === size - 1)) allowed = [...allowed, ...keysAt(size - 1)];
      try {
        await openNote(await fetchBytes(base, "checkpoint"), allowed, "检查点");
      } catch (e) {
        problem = `检查点不是由第 ${changes[changes.length - 1].index} 条记录变更后有效的密钥签名`;
      }
    }
    if (problem !== null) {
      report.add("log.key_change", false, `${problem}：机关密钥的更换不合规`);
      return null;
    }
    if (changes.length) {
      report.add(
        "log.key_change",
        true,
        `机关密钥更换了 ${changes.length} 次（日志第 ${changes.map((c) => c.index).join("、")} 条），` +
          "每次都有旧密钥和新密钥的共同签名；之后的记录和检查点用新密钥核验",
      );
    }
    return keysAt;
  }

  // Record types the task page's checks read besides the task's own (any task's announcement:
  // an earlier one naming its snapshots forbids a later one to drop them).
  const CONTEXT_TYPES = new Set(["registry-snapshot", "item-list", "task-announcement", "plan", "calendar", "witness-policy"]);

  // reveal.early (docs/spec.md §8 item 11): a reveal dated before the disclosure time needs
  // `disclose_early: true`, and the task's next records in the log are one inspection result
  // per pick, none a correction, each dated as the reveal.
  async function checkEarlyReveal(base, report, task, a, reveal, all) {
    await report.run(
      "reveal.early",
      async () => {
        const when = `任务于 ${reveal.body.time} 公开，早于公告的公开时间 ${a.disclosure}`;
        if (a.disclose_early !== true) fail(`${when}，但公告没有选择提前公开`);
        const digest = reveal.body.outcome;
        const bytes = await fetchOptional(base, `blobs/${digest}`);
        if (bytes === null) fail(`${when}，但抽取结果文件未公开`);
        if ((await sha256Hex(bytes)) !== digest) fail(`${when}，但抽取结果文件与其 SHA-256 不符`);
        let picks;
        try {
          picks = JSON.parse(strictUtf8.decode(bytes)).strata.flatMap((st) => st.picks.map((p) => p.target));
        } catch (e) {
          fail(`${when}，但抽取结果文件无法解析`);
        }
        // A committed pool's results name the opened USCC of each pick (docs/spec.md §4).
        if (reveal.body.openings !== undefined) {
          const opened = await fetchOptional(base, `blobs/${reveal.body.openings}`);
          try {
            const byId = new Map(JSON.parse(strictUtf8.decode(opened)).openings.map((o) => [o.id, o.uscc]));
            picks = picks.map((p) => byId.get(p) || p);
          } catch (e) {
            // pool.openings reports an unreadable openings blob
          }
        }
        const following = all
          .filter((r) => r.index > reveal.index && r.body.task === task)
          .sort((x, y) => x.index - y.index)
          .slice(0, picks.length);
        const targets = following.filter((r) => r.body.type === "inspection-result").map((r) => r.body.target);
        const correcting = following.some((r) => r.body.supersedes !== undefined && r.body.supersedes !== null);
        if (targets.length !== picks.length || canonical(targets.sort()) !== canonical([...picks].sort()) || correcting) {
          fail(`${when}，但紧随其后的本任务记录不是每个抽中对象各一条检查结果（共 ${picks.length} 个抽中对象）`);
        }
        const late = following.filter((r) => r.body.time !== reveal.body.time);
        if (late.length) fail(`${when}，但其后有 ${late.length} 条检查结果晚于公开时间（第一条 ${late[0].body.time}）`);
        return picks.length;
      },
      (n) => `公告选择了提前公开，公开时 ${n} 个抽中对象的检查结果都已审核，并随公开一起公布`,
    );
  }

  // The task's checks, then reveal.early last: as in `lottery verify` (docs/spec.md §8 item
  // 11), a task that already failed a check is reported once, by that failure.
  async function verifyTask(task, base, report) {
    const ctx = await verifyTaskRecords(task, base, report);
    if (ctx.early) {
      const { a, reveal, all } = ctx.early;
      delete ctx.early;
      if (report.failed.length) {
        report.skip("reveal.early", "本任务已有检查未通过，提前公开的规则不再另行报告");
      } else {
        await checkEarlyReveal(base, report, task, a, reveal, all);
      }
    }
    return ctx;
  }

  async function verifyTaskRecords(task, base, report) {
    const ctx = { timings: {} };
    const logStart = performance.now();
    const log = await verifyLog(base, report);
    ctx.timings.log = Math.round(performance.now() - logStart);
    if (!log) return ctx;
    const { keysAt, origin } = log;
    const entries = { value: log.entries };

    // (b) (c) the task's records: signature, key id, canonical JSON, record id. Also the
    // records the pool and result checks read (registry snapshots, item lists, every
    // announcement, this task's other records such as its results): signed like the others.
    const records = [];
    const context = [];
    const signatures = await report.run(
      "record.signature",
      async () => {
        for (const [index, entry] of entries.value.entries()) {
          let text;
          try {
            const raw = strictUtf8.decode(entry);
            text = raw.slice(0, raw.lastIndexOf("\n\n") + 1);
          } catch (e) {
            continue;
          }
          let peek;
          try {
            peek = JSON.parse(text);
          } catch (e) {
            continue;
          }
          if (!peek || typeof peek !== "object") continue;
          const own = peek.task === task && String(peek.type).startsWith("task-");
          if (!own && peek.task !== task && !CONTEXT_TYPES.has(peek.type)) continue;
          const note = await openNote(entry, keysAt(index), `第 ${index} 条记录`);
          const body = parseCanonical(note.textBytes.slice(0, -1), `第 ${index} 条记录`);
          if (note.text !== canonical(body) + "\n") fail(`第 ${index} 条记录不是单行规范 JSON`);
          if (body.log !== origin) fail(`第 ${index} 条记录不属于日志 ${origin}`);
          const id = await sha256Hex(note.textBytes);
          (own ? records : context).push({ index, id, body, keyIds: note.keyIds });
        }
        if (!records.length) fail(`日志中没有任务 ${task} 的记录`);
      },
      () =>
        `本任务 ${records.length} 条记录及所依据的 ${context.length} 条记录（名录库快照、抽查事项清单、` +
        `各任务公告、本任务的检查结果等）的 Ed25519 签名均由公示公钥（编号 ` +
        `${[...new Set([...records, ...context].flatMap((r) => r.keyIds))].join("、")}）验证通过`,
    );
    if (!signatures.ok) return ctx;
    report.add(
      "record.id",
      true,
      "记录编号 = SHA-256(记录文本)：" +
        records.map((r) => `${r.body.type} ${r.id.slice(0, 16)}…`).join("；"),
    );

    const one = (type) => records.filter((r) => r.body.type === type);
    const anns = one("task-announcement");
    const draws = one("task-draw");
    const reveals = one("task-reveal");
    const cancels = one("task-cancellation");
    const closings = [...reveals, ...cancels];
    const structure = await report.run(
      "task.records",
      () => {
        if (anns.length !== 1) fail(`应有 1 条公告，实有 ${anns.length} 条`);
        if (draws.length > 1) fail(`同一任务有 ${draws.length} 条抽取记录（重复抽取）`);
        if (reveals.length > 1) fail(`同一任务有 ${reveals.length} 条公开记录`);
        if (cancels.length > 1) fail(`同一任务有 ${cancels.length} 条取消记录`);
      },
      `一条公告、${draws.length} 条抽取记录、${closings.length} 条公开/取消记录`,
    );
    if (!structure.ok) return ctx;
    const state = await report.run(
      "task.state",
      () => {
        if (reveals.length && cancels.length) fail("同一任务既有公开记录又有取消记录");
      },
      "任务未同时被公开和取消",
    );
    if (!state.ok) return ctx;
    const ann = anns[0];
    const a = ann.body;
    const draw = draws[0];
    const closing = closings[0];
    ctx.disclosure = a.disclosure;
    ctx.status = closing
      ? closing.body.type === "task-reveal"
        ? "disclosed"
        : "cancelled"
      : draw
        ? "drawn"
        : "announced";

    // The log's order cannot be back-dated: announcement, then draw, then reveal/cancellation.
    await report.run(
      "task.log_order",
      () => {
        const early = records.find((r) => r.index < ann.index);
        if (early) fail(`${early.body.type} 记录（第 ${early.index} 条）在公告（第 ${ann.index} 条）之前写入日志`);
        if (draw && closing && closing.index < draw.index) {
          fail(`公开/取消记录（第 ${closing.index} 条）在抽取记录（第 ${draw.index} 条）之前写入日志`);
        }
      },
      "日志中先有公告，再有抽取记录，最后是公开/取消记录",
    );
    // The task report's publication deadline, from the log's calendar records alone (spec §8).
    for (const x of reportDeadlines([...records, ...context].sort((p, q) => p.index - q.index))) {
      if (x.state === "pass") report.add(x.name, true, x.detail);
      else if (x.state === "fail") report.add(x.name, false, x.detail);
      else if (x.state === "note") report.note(x.name, x.detail);
      else report.skip(x.name, x.detail);
    }
    if (closing) {
      await report.run(
        "task.links",
        () => {
          const c = closing.body;
          if (c.type === "task-cancellation" && c.announcement !== ann.id) fail("取消记录未引用公告");
          if (!draw && c.draw !== null) fail("公开/取消记录引用了抽取记录，但日志中没有抽取记录");
          if (draw && c.draw !== draw.id) fail("公开/取消记录未引用抽取记录");
          if ((draw ? draw.body.outcome : null) !== c.outcome) {
            fail("公开/取消记录中的结果哈希与抽取时封存的不同");
          }
        },
        "公开/取消记录引用本任务的抽取记录及其结果哈希",
      );
    }

    // (d) blobs.
    const blob = async (name, digest, what) => {
      const r = await report.run(
        name,
        async () => {
          const bytes = await fetchBytes(base, `blobs/${digest}`);
          if ((await sha256Hex(bytes)) !== digest) fail(`${what}文件与公告中的 SHA-256 不符`);
          return parseCanonical(bytes, what);
        },
        `${what}文件的 SHA-256 与公告一致（${digest.slice(0, 16)}…）`,
      );
      return r.ok ? r.value : null;
    };
    const pool = await blob("blob.pool", a.pool.sha256, "候选对象名单");
    const teamInput = await blob("blob.inspectors", a.inspector_pool.sha256, "执法检查人员名单");
    const exclusions = await blob("blob.exclusions", a.exclusions.sha256, "排除名单");
    if (pool) {
      await report.run(
        "pool.counts",
        () => {
          for (const st of pool.strata) {
            const bp = a.ratios[st.risk];
            if (bp === undefined) fail(`分层 ${st.region}|${st.risk} 没有公告的抽查比例`);
            const n = st.candidates.length;
            const want = Math.min(n, Math.floor((n * bp + 9999) / 10000));
            if (st.count !== want) fail(`分层 ${st.region}|${st.risk} 的抽取数 ${st.count} 不符合取整规则（应为 ${want}）`);
          }
        },
        `${pool.strata.length} 个分层的抽取数均符合“向上取整”规则`,
      );
      await report.run(
        "pool.summary",
        () => {
          let candidates = 0;
          let picks = 0;
          for (const st of pool.strata) {
            candidates += st.candidates.length;
            picks += st.count;
          }
          if (pool.task !== task) fail(`候选对象名单属于任务 ${pool.task}，不是 ${task}`);
          if (candidates !== a.pool.candidates) fail(`候选对象 ${candidates} 户，公告为 ${a.pool.candidates} 户`);
          if (picks !== a.pool.picks) fail(`各层抽取数合计 ${picks} 户，公告为 ${a.pool.picks} 户`);
          if (pool.strata.length !== a.pool.strata) fail(`分层 ${pool.strata.length} 个，公告为 ${a.pool.strata} 个`);
        },
        `${a.pool.candidates} 户候选对象、${a.pool.strata} 个分层，共抽 ${a.pool.picks} 户，与公告一致`,
      );
    }
    if (teamInput) {
      await report.run(
        "inspectors.summary",
        () => {
          if (teamInput.task !== task || teamInput.inspectors.length !== a.inspector_pool.inspectors) {
            fail("执法检查人员名单与公告不符");
          }
        },
        `${a.inspector_pool.inspectors} 名符合条件的执法检查人员`,
      );
      if (a.departments !== undefined || teamInput.departments !== undefined) {
        await report.run(
          "inspectors.departments",
          () => {
            const problem = jointProblem(a.departments, teamInput);
            if (problem) fail(problem);
          },
          `部门联合抽查（${a.departments ? [a.departments.lead, ...a.departments.participants].join("、") : ""}）：` +
            "名单中每名检查人员都属于公告列出的部门" +
            (a.departments && a.departments.one_per_team ? "，每组各部门一人" : ""),
        );
      }
    }
    if (exclusions && pool) {
      await report.run(
        "exclusions.disjoint",
        () => {
          const members = new Set(pool.strata.flatMap((s) => s.candidates));
          const list = exclusions.exclusions;
          if (list.length !== a.exclusions.count) fail("排除数量与公告不符");
          const bad = list.find((e) => members.has(e.target));
          if (bad) fail(`被排除的对象 ${bad.target} 仍在候选名单中`);
        },
        `${a.exclusions.count} 户被排除的对象均不在候选名单中`,
      );
    }
    if (exclusions && pool && a.cap_exceptions !== undefined) {
      await report.run(
        "exclusions.cap_exceptions",
        () => {
          const kept = a.cap_exceptions.map((e) => e.target);
          const sorted = [...new Set(kept)].sort(byCodePoint);
          if (canonical(kept) !== canonical(sorted)) fail("年度抽查次数例外对象应按统一社会信用代码排序，每户一次");
          const members = new Set(pool.strata.flatMap((st) => st.candidates));
          const excluded = new Set(exclusions.exclusions.map((e) => e.target));
          const wrong = kept.filter((t) => !members.has(t) || excluded.has(t));
          if (wrong.length) fail(`年度抽查次数例外对象不在候选名单中或已被排除：${wrong.slice(0, 5).join("、")}`);
          return kept.length;
        },
        (n) => `${n} 户年度抽查次数例外对象都在候选名单中、没有被排除，每户写明了理由`,
      );
    }
    const membershipStart = performance.now();
    await checkMembership(base, report, ann, context, pool, exclusions, teamInput);
    ctx.timings.membership = Math.round(performance.now() - membershipStart);
    checkMinRatio(report, ann, context);
    checkPlan(report, ann, context);

    if (draw) {
      // The number of picks the draw sealed is the pool's (the announcement's when the pool
      // blob cannot be read; pool.summary compares the two).
      const picks = pool ? pool.strata.reduce((n, st) => n + st.count, 0) : a.pool.picks;
      await report.run(
        "draw.links",
        () => {
          if (draw.body.announcement !== ann.id) fail("抽取记录未引用本任务公告的记录编号");
          if (draw.body.picks !== picks) {
            fail(`抽取记录的抽取数 ${draw.body.picks} 与候选对象名单的 ${picks} 不符`);
          }
        },
        `抽取记录引用本任务公告，抽取数 ${picks} 与候选对象名单一致`,
      );
    }

    // (f) the beacon: unknown when the task was announced, whether it is drawn yet or not.
    let beaconValue = null;
    await report.run(
      "beacon.future",
      () => {
        const annTime = Date.parse(a.time) / 1000;
        if (!a.beacon.primary) fail("公告没有随机源");
        const p = a.beacon.primary;
        if (p.kind === "drand") {
          if (roundTime(p.round) <= annTime) fail(`drand 第 ${p.round} 轮在公告前已产生`);
        } else if (p.draw_date <= a.time.slice(0, 10)) {
          fail("公开号码的开奖日期不晚于公告日期");
        }
      },
      "公告时随机源尚不存在（轮次/开奖日期在公告之后）",
    );
    await checkWitnessed(base, report, log, ann, context);
    if (draw) {
      const d = draw.body;
      const spec = d.fallback ? a.beacon.fallback : a.beacon.primary;
      await report.run(
        "draw.time",
        () => {
          if (Date.parse(d.time) < Date.parse(a.time)) fail("抽取时间早于公告时间");
        },
        "抽取在公告之后",
      );
      const bv = await report.run(
        "beacon.value",
        async () => {
          if (!spec) fail("使用了备用随机源，但公告没有备用随机源");
          const v = d.beacon_value;
          if (v.kind !== spec.kind) fail(`随机源类型 ${v.kind} 与公告的 ${spec.kind} 不符`);
          if (v.kind === "public-numbers") {
            const key = rfc3797KeyString(v.values, spec.sources);
            if (key !== v.key_string) fail(`按 RFC 3797 由号码重算的密钥串 ${key} 与记录的 ${v.key_string} 不符`);
            return { kind: v.kind, value: await sha256(utf8.encode(key)), key };
          }
          if (v.chain !== spec.chain) fail(`drand 链 ${v.chain} 与公告的 ${spec.chain} 不符`);
          if (spec.chain_hash !== QUICKNET.chain_hash) fail("公告的 drand 链哈希不是固定的 quicknet 链哈希");
          if (v.round !== spec.round) fail(`drand 轮次 ${v.round} 不是公告的第 ${spec.round} 轮`);
          const signature = fromHex(v.signature, 48, "drand 签名");
          const value = await sha256(signature);
          if (toHex(value) !== v.randomness) fail("drand randomness 不等于 SHA-256(签名)");
          return { kind: v.kind, value, round: v.round };
        },
        (r) =>
          r.kind === "public-numbers"
            ? `由公开号码按 RFC 3797 重算密钥串“${r.key}”，随机值 = SHA-256(密钥串) = ${toHex(r.value).slice(0, 16)}…`
            : `drand 第 ${r.round} 轮：randomness = SHA-256(签名) = ${toHex(r.value).slice(0, 16)}…`,
      );
      if (bv.ok) {
        beaconValue = bv.value.value;
        if (bv.value.kind === "drand") {
          report.note(
            "beacon.drand_bls",
            "drand 的 BLS 签名本身无法在浏览器中核验（WebCrypto 不支持 BLS12-381），" +
              "请运行 `lottery verify` 核验该签名确属公告的轮次。",
          );
        }
      }
    }

    // (e) (g) (h) (i) (j): only once the secret and the outcome are public.
    if (!closing) {
      ctx.sealed = true;
      return ctx;
    }
    await report.run(
      "task.order",
      () => {
        if (Date.parse(closing.body.time) < Date.parse((draw || ann).body.time)) {
          fail(draw ? "公开/取消时间早于抽取时间" : "取消时间早于公告时间");
        }
      },
      draw ? "公开/取消在抽取之后" : "取消在公告之后",
    );
    // A cancellation that says the secret is lost (spec §7): secret null exactly then; nothing
    // to open or re-draw, a counted warning instead of a pass (spec §8, cancel.secret_lost).
    const cancelBody = closing.body;
    const has = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
    if (cancelBody.type === "task-cancellation" && (has(cancelBody, "secret_lost") || cancelBody.secret === null)) {
      const format = await report.run(
        "record.format",
        () => {
          if (has(cancelBody, "secret_lost") && cancelBody.secret_lost !== true) fail("取消记录的 secret_lost 只能为 true");
          if (cancelBody.secret_lost !== true) fail("取消记录没有公开秘密值，却未声明秘密值遗失");
          if (cancelBody.secret !== null) fail("取消记录声明秘密值遗失，却又带有秘密值");
        },
        "取消记录声明秘密值遗失，且未带秘密值",
      );
      if (!format.ok) return ctx;
      ctx.secretLost = true;
      report.warn(
        "cancel.secret_lost",
        "本单位声明本任务的秘密值已遗失并取消了任务：承诺值无法打开，" +
          (draw ? "封存的抽取结果没有公开，抽取无法核验" : "任务在抽取前取消") +
          "。这不是日志的错误，但请留意。",
      );
      return ctx;
    }
    const secretCheck = await report.run(
      "commit.reveal",
      async () => {
        const secret = fromHex(closing.body.secret, 32, "秘密值");
        const commit = await sha256Hex(concat(TAG_COMMIT, secret));
        if (commit !== a.commit) fail("公开的秘密值与公告中的承诺值不符");
        return secret;
      },
      "SHA-256(\"lottery-v1 commit\\0\" || 秘密值) 与公告中的承诺值一致",
    );
    if (!draw) {
      report.note("draw.none", "任务在抽取前取消，没有抽取结果");
      return ctx;
    }
    const published = await report.run(
      "draw.outcome_hash",
      async () => {
        const bytes = await fetchBytes(base, `blobs/${draw.body.outcome}`);
        if ((await sha256Hex(bytes)) !== draw.body.outcome) {
          fail("公开的抽取结果文件与抽取时封存的 SHA-256 不符（结果被改动）");
        }
        return bytes;
      },
      `公开的抽取结果与抽取时封存的 SHA-256（${draw.body.outcome.slice(0, 16)}…）一致`,
    );
    if (closing.body.type === "task-reveal" && Date.parse(closing.body.time) < Date.parse(a.disclosure)) {
      ctx.early = { a, reveal: closing, all: [...records, ...context] };
    }
    // Parse the published outcome even when its hash is wrong, to say what differs.
    let outcome = null;
    try {
      const bytes = published.ok ? published.value : await fetchBytes(base, `blobs/${draw.body.outcome}`);
      outcome = JSON.parse(strictUtf8.decode(bytes));
    } catch (e) {
      outcome = null;
    }
    if (!secretCheck.ok || !beaconValue || !pool || !teamInput) {
      report.skip("draw.rerun", "缺少秘密值、随机源或名单，无法重新抽取");
      return ctx;
    }
    const secret = secretCheck.value;
    const rerunStart = performance.now();
    const seed = await sha256(concat(TAG_SEED, fromHex(ann.id, 32, "公告编号"), beaconValue, secret));
    await report.run(
      "draw.seed",
      () => {
        if (!outcome || outcome.seed !== toHex(seed)) fail("重算的种子与公开结果中的种子不符");
      },
      `种子 = SHA-256(标签 || 公告编号 || 随机值 || 秘密值) = ${toHex(seed).slice(0, 16)}…，与公开结果一致`,
    );
    const selection = [];
    for (const st of pool.strata) selection.push({ st, picks: await selectStratum(seed, st) });
    const totalPicks = selection.reduce((s, x) => s + x.picks.length, 0);
    await report.run(
      "draw.selection",
      () => {
        const got = (outcome && outcome.strata) || [];
        if (got.length !== selection.length) fail("公开结果的分层数与重新抽取不符");
        selection.forEach(({ st, picks }, k) => {
          const g = got[k];
          const key = `${st.region}|${st.risk}`;
          if (!g || g.region !== st.region || g.risk !== st.risk || !Array.isArray(g.picks)) {
            fail(`分层 ${key} 与公开结果不符`);
          }
          if (g.picks.length !== picks.length) fail(`分层 ${key}：抽中数量与重新抽取不符`);
          picks.forEach((p, j) => {
            const q = g.picks[j];
            if (!q || q.target !== p.target || q.ticket !== toHex(p.ticket)) {
              fail(`分层 ${key} 第 ${j + 1} 个：公开的是 ${q && q.target}，重新抽取为 ${p.target}`);
            }
          });
        });
      },
      `为 ${pool.strata.reduce((s, x) => s + x.candidates.length, 0)} 户候选对象逐一计算签值，` +
        `各分层取签值最小者，共 ${totalPicks} 户，与公开结果逐一相同`,
    );
    const order = selection.flatMap((x) => x.picks.map((p) => p.target));
    const teams = await report.run(
      "draw.teams",
      async () => {
        const mine = await assignTeams(seed, order, teamInput, a.team_size, a.cap);
        const got = (outcome && outcome.teams) || [];
        if (got.length !== mine.length) fail("公开结果的检查组数量与重新分组不符");
        mine.forEach((t, k) => {
          const g = got[k];
          if (!g || g.target !== t.target || canonical(g.inspectors) !== canonical(t.inspectors)) {
            fail(`对象 ${t.target} 的检查组与重新分组（${t.inspectors.join("、")}）不符`);
          }
        });
        return mine;
      },
      (mine) => `按 docs/teams.md 重新分配 ${mine.length} 个检查组（每组 ${a.team_size} 人，每人至多 ${a.cap} 户），与公开结果相同`,
    );
    if (teams.ok) {
      await report.run(
        "draw.outcome_bytes",
        async () => {
          const mine = utf8.encode(
            canonical({
              type: "lottery-outcome",
              v: 1,
              task,
              seed: toHex(seed),
              strata: selection.map(({ st, picks }) => ({
                region: st.region,
                risk: st.risk,
                picks: picks.map((p) => ({ target: p.target, ticket: toHex(p.ticket) })),
              })),
              teams: teams.value,
            }),
          );
          if ((await sha256Hex(mine)) !== draw.body.outcome) {
            fail("重新计算的结果文件的 SHA-256 与抽取时封存的不同");
          }
          if (!published.ok || !equalBytes(mine, published.value)) fail("公开的结果文件与重新计算的不是逐字节相同");
        },
        "重新计算的结果文件与公开结果逐字节相同，其 SHA-256 即抽取时封存的值",
      );
    } else {
      report.skip("draw.outcome_bytes", "分组未通过，不再比对结果文件");
    }
    ctx.timings.rerun = Math.round(performance.now() - rerunStart);
    if (closing.body.type === "task-reveal") {
      const picks = outcome && Array.isArray(outcome.strata)
        ? outcome.strata.flatMap((st) => (Array.isArray(st.picks) ? st.picks : []).map((p) => p && p.target))
        : [];
      await checkOpenings(base, report, task, closing.body, picks);
    }
    return ctx;
  }

  // ---------------------------------------------------------------- committed pools

  // docs/spec.md §4 "Committed pools": a target of a withheld type goes by its commitment id
  // (64 lower-case hex digits); the reveal's openings blob opens exactly the picked ones.
  const COMMITMENT_ID = /^[0-9a-f]{64}$/;
  const USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

  function validUscc(code) {
    if (typeof code !== "string" || code.length !== 18) return false;
    let total = 0;
    for (let i = 0; i < 17; i++) {
      const v = USCC_ALPHABET.indexOf(code[i]);
      if (v < 0) return false;
      total += v * USCC_WEIGHTS[i];
    }
    return code[17] === USCC_ALPHABET[(31 - (total % 31)) % 31];
  }

  async function commitmentId(o) {
    const body = { name: o.name, salt: o.salt, type: "lottery-target-commitment", uscc: o.uscc, v: 1 };
    return sha256Hex(utf8.encode(canonical(body)));
  }

  function checkOpeningsShape(body, task) {
    const keys = (o) => canonical(Object.keys(o).sort());
    if (!body || typeof body !== "object" || Array.isArray(body) ||
        keys(body) !== canonical(["openings", "task", "type", "v"]) ||
        body.type !== "lottery-openings" || body.v !== 1 || !Array.isArray(body.openings) || !body.openings.length) {
      fail("承诺值打开文件的格式不对");
    }
    if (body.task !== task) fail(`承诺值打开文件属于任务 ${body.task}，不是本任务`);
    let last = "";
    for (const o of body.openings) {
      if (!o || typeof o !== "object" || keys(o) !== canonical(["id", "name", "salt", "uscc"]) ||
          !COMMITMENT_ID.test(o.id) || !COMMITMENT_ID.test(o.salt) || typeof o.name !== "string" ||
          !o.name.length || o.name.length > 200 || !validUscc(o.uscc)) {
        fail("承诺值打开文件中有一项格式不对");
      }
      if (o.id <= last) fail("承诺值打开文件未按编号排序或有重复");
      last = o.id;
    }
  }

  async function checkOpenings(base, report, task, reveal, picks) {
    const committed = [...new Set(picks.filter((p) => typeof p === "string" && COMMITMENT_ID.test(p)))].sort();
    if (reveal.openings === undefined && !committed.length) return;
    await report.run(
      "pool.openings",
      async () => {
        const bytes = reveal.openings === undefined ? null : await fetchOptional(base, `blobs/${reveal.openings}`);
        return openedPicks(task, picks, reveal, bytes);
      },
      (n) => `${n} 个以承诺值公开的抽中对象已公开名称和统一社会信用代码，均与承诺值相符；未被抽中的对象没有公开`,
    );
  }

  // pool.openings on the fetched openings blob (`bytes`, null when not published): the number
  // of opened picks, or a failure naming the first fault (the order of lottery.core.committed).
  async function openedPicks(task, picks, reveal, bytes) {
    const committed = [...new Set(picks.filter((p) => typeof p === "string" && COMMITMENT_ID.test(p)))].sort();
    if (reveal.openings === undefined) {
      if (!committed.length) return 0;
      fail(`${committed.length} 个抽中对象以承诺值公开，但公开记录没有打开它们（第一个 ${committed[0]}）`);
    }
    if (bytes === null) fail(`承诺值打开文件 ${reveal.openings} 未公开`);
    if ((await sha256Hex(bytes)) !== reveal.openings) fail("承诺值打开文件与其 SHA-256 不符");
    const body = parseCanonical(bytes, "承诺值打开文件");
    checkOpeningsShape(body, task);
    for (const o of body.openings) {
      if ((await commitmentId(o)) !== o.id) fail(`打开的 ${o.id.slice(0, 16)}… 与其承诺值不符（盐值、名称或代码不对）`);
    }
    const opened = new Set(body.openings.map((o) => o.id));
    const extra = [...opened].filter((id) => !committed.includes(id));
    if (extra.length) fail(`打开了 ${extra.length} 个未被抽中的对象（第一个 ${extra[0]}）：只能公开被抽中的对象`);
    const unopened = committed.filter((id) => !opened.has(id));
    if (unopened.length) fail(`${unopened.length} 个抽中对象的承诺值没有打开（第一个 ${unopened[0]}）`);
    return body.openings.length;
  }

  // ---------------------------------------------------------------- sealed content

  // A blob that may be gone: null for 404 / 410 (docs/spec.md §2.1), bytes otherwise.
  async function fetchOptional(base, path) {
    const response = await fetch(new URL(path, base).href, { cache: "no-store" });
    if (response.status === 404 || response.status === 410) return null;
    if (!response.ok) fail(`无法读取 ${path}（HTTP ${response.status}）`);
    return new Uint8Array(await response.arrayBuffer());
  }

  // Withdrawal type -> [the field naming the record it withdraws, that record's type].
  const WITHDRAWAL_OF = {
    "penalty-withdrawal": ["penalty", "penalty"],
    "result-withdrawal": ["result", "inspection-result"],
  };
  const sealedName = (body) =>
    body.decision !== undefined ? `${body.type} ${body.decision}` : `${body.type} ${body.task}/${body.target}`;
  const beijingDate = (time) => new Date(Date.parse(time) + 8 * 3600 * 1000).toISOString().slice(0, 10);

  function checkSealedBlob(blob, type) {
    const keys = Object.keys(blob || {}).sort().join(",");
    if (keys !== "content,record,salt,type,v") fail("封存内容文件的字段不符");
    if (blob.type !== "lottery-sealed" || blob.v !== 1) fail("封存内容文件的类型或版本不符");
    if (blob.record !== type) fail(`封存内容文件属于 ${blob.record} 记录，不是 ${type}`);
    if (!/^[0-9a-f]{64}$/.test(blob.salt)) fail("盐值应为 32 字节的十六进制");
    if (!blob.content || typeof blob.content !== "object" || Array.isArray(blob.content)) {
      fail("封存内容不是对象");
    }
  }

  // Every record with a commitment (docs/spec.md §2.1): its blob matches it, or a withdrawal
  // that names exactly that commitment covers its absence.
  async function verifySealed(base, report, types) {
    const ctx = {};
    const log = await verifyLog(base, report);
    if (!log) return ctx;
    const { keysAt, origin, entries } = log;
    const sealed = [];
    const withdrawals = [];
    // The results page also checks the on-site records and the rectification references,
    // which read the announcements, the item lists and the rectification records.
    const withResults = types.includes("inspection-result");
    const context = [];
    const signatures = await report.run(
      "record.signature",
      async () => {
        for (const [index, entry] of entries.entries()) {
          let peek;
          try {
            const raw = strictUtf8.decode(entry);
            peek = JSON.parse(raw.slice(0, raw.lastIndexOf("\n\n") + 1));
          } catch (e) {
            continue;
          }
          const kind = peek && peek.type;
          const withdrawal = WITHDRAWAL_OF[kind];
          const extra = withResults && RESULT_CONTEXT.has(kind);
          if (!types.includes(kind) && !(withdrawal && types.includes(withdrawal[1])) && !extra) continue;
          const note = await openNote(entry, keysAt(index), `第 ${index} 条记录`);
          const body = parseCanonical(note.textBytes.slice(0, -1), `第 ${index} 条记录`);
          if (note.text !== canonical(body) + "\n") fail(`第 ${index} 条记录不是单行规范 JSON`);
          if (body.log !== origin) fail(`第 ${index} 条记录不属于日志 ${origin}`);
          if (!extra && body.v !== 2) fail(`第 ${index} 条记录的格式版本应为 2`);
          const id = await sha256Hex(note.textBytes);
          (extra ? context : withdrawal ? withdrawals : sealed).push({ index, id, body });
        }
      },
      () =>
        `${sealed.length} 条带内容承诺的记录、${withdrawals.length} 条撤回记录` +
        (withResults ? `及所依据的 ${context.length} 条记录（公告、抽查事项清单、整改要求与复查）` : "") +
        "的签名均验证通过",
    );
    if (!signatures.ok) return ctx;
    ctx.sealedRecords = sealed.length;
    const withdrawn = new Map(); // digest -> the withdrawal that validly removed it
    for (const w of withdrawals) {
      const b = w.body;
      const [field, kind] = WITHDRAWAL_OF[b.type];
      const ok = await report.run(
        "withdrawal.sealed",
        () => {
          const target = sealed.find((r) => r.id === b[field] && r.index < w.index && r.body.type === kind);
          if (!target) fail(`撤回记录 ${w.id.slice(0, 16)}… 指向的不是此前公开的带内容承诺的记录`);
          const same = kind === "penalty" ? ["decision"] : ["task", "target"];
          if (same.some((n) => b[n] !== target.body[n])) fail("撤回记录所列的决定书文号或对象与所撤回的记录不符");
          if (b.sealed.length !== 1 || b.sealed[0] !== target.body.sealed) {
            fail(`撤回记录 ${w.id.slice(0, 16)}… 撤回的不是 ${sealedName(target.body)} 的内容承诺`);
          }
        },
        `${sealedName(b)}：撤回记录撤回的正是该记录的内容承诺`,
      );
      if (ok.ok) for (const d of b.sealed) if (!withdrawn.has(d)) withdrawn.set(d, w);
    }
    const contents = new Map(); // record id -> opened sealed content
    for (const r of sealed) {
      const name = sealedName(r.body);
      const digest = r.body.sealed;
      const gone = withdrawn.get(digest);
      const bytes = await fetchOptional(base, `blobs/${digest}`);
      if (bytes === null && gone) {
        const reason = gone.body.reason;
        report.add(
          "sealed.withdrawn",
          true,
          `${name}：已于 ${beijingDate(gone.body.time)} 撤回（withdrawn on ${beijingDate(gone.body.time)}: ${reason}），内容已删除`,
        );
      } else if (bytes === null) {
        report.add("sealed.missing", false, `${name}：封存内容文件 ${digest.slice(0, 16)}… 未公开，且没有撤回记录`);
      } else if (gone) {
        report.add("sealed.withdrawn", false, `${name}：已于 ${beijingDate(gone.body.time)} 撤回，但内容文件仍在公开`);
      } else {
        await report.run(
          "sealed.content",
          async () => {
            if ((await sha256Hex(bytes)) !== digest) fail(`${name}：内容文件的 SHA-256 与记录中的承诺不符（被改动）`);
            const blob = parseCanonical(bytes, `${name} 的内容文件`);
            checkSealedBlob(blob, r.body.type);
            contents.set(r.id, blob.content);
          },
          `${name}：内容文件的 SHA-256 与记录中的承诺一致`,
        );
      }
    }
    if (withResults) await checkResults(base, report, sealed, context, contents);
    return ctx;
  }

  // Record types the results page reads besides the results and their withdrawals.
  const RESULT_CONTEXT = new Set([
    "item-list", "task-announcement", "rectification-order", "rectification-check", "objection-outcome",
  ]);

  // result.onsite of every opened result, then rectification.order / rectification.check.
  async function checkResults(base, report, sealed, context, contents) {
    const log = [...sealed, ...context].sort((x, y) => x.index - y.index);
    const lists = new Map();
    const cited = new Map(); // task -> the checklist points its results answer
    for (const r of log) {
      if (r.body.type === "item-list") lists.set(r.body.version, new Map(r.body.items.map((i) => [i.code, i])));
      if (r.body.type === "task-announcement") cited.set(r.body.task, expectedPoints(r.body.items || [], lists));
    }
    let onsite = 0;
    let onsiteFailed = false;
    for (const r of sealed) {
      const content = contents.get(r.id);
      if (r.body.type !== "inspection-result" || content === undefined) continue;
      const problems = onsiteProblems(r.body.categories, content, cited.get(r.body.task));
      if (problems.length) {
        onsiteFailed = true;
        report.add("result.onsite", false, `${sealedName(r.body)}：${problems[0]}`);
      }
      if ("checklist" in content || "started" in content) onsite += 1;
    }
    if (onsite && !onsiteFailed) {
      report.add("result.onsite", true, `${onsite} 条检查结果的现场记录（检查要点、证据）与公开的结果一致`);
    }
    // publication.review (docs/spec.md §2.3): the review each result carries under the
    // publication rules in force, and what its opened content leaves out.
    // The reviewed rectification orders and re-checks are read for their review; their
    // opened content is checked too (their sealed.* checks are lottery verify's).
    for (const r of context) {
      const digest = r.body.sealed;
      if (!CATEGORY_SOURCE[r.body.type] || !hasOwn(r.body, "review") || typeof digest !== "string") continue;
      const bytes = await fetchOptional(base, `blobs/${digest}`);
      if (bytes === null || (await sha256Hex(bytes)) !== digest) continue;
      try {
        const blob = parseCanonical(bytes, sealedName(r.body));
        checkSealedBlob(blob, r.body.type);
        contents.set(r.id, blob.content);
      } catch (e) {
        continue;
      }
    }
    const reviews = reviewProblems(log, contents);
    for (const x of reviews.problems) report.add("publication.review", false, `${x.who}：${x.problem}`);
    if (reviews.count && !reviews.problems.length) {
      report.add(
        "publication.review",
        true,
        `${reviews.count} 条经保密审查的检查结果、整改通知和复查结果遵守现行公开规则`,
      );
    }
    const refs = rectificationProblems(log);
    for (const name of ["rectification.order", "rectification.check"]) {
      const mine = refs.filter((x) => x.name === name);
      const bad = mine.filter((x) => x.problem);
      for (const x of bad) report.add(name, false, `${x.who}：${x.problem}`);
      if (mine.length && !bad.length) {
        report.add(name, true, `${mine.length} 条${name === "rectification.order" ? "整改要求" : "复查结果"}的引用和日期均正确`);
      }
    }
    // objection.result / .correction / .dates / .period (docs/objections.md). The period's due
    // day is recomputed by `lottery verify` with the working-day calendar; here, its start and
    // that the objection was received by the due day the record states.
    const objections = objectionProblems(log);
    for (const name of ["objection.result", "objection.correction", "objection.dates", "objection.period"]) {
      const bad = objections.problems.filter((x) => x.name === name);
      for (const x of bad) report.add(name, false, `${x.who}：${x.problem}`);
    }
    if (objections.count && !objections.problems.length) {
      report.add("objection.result", true, `${objections.count} 条异议处理结果的引用、日期和异议期限均正确`);
    }
    // result.joint_with and result.visit_cap over the published results (spec §8).
    const poolClasses = async (digest) => {
      try {
        const bytes = await fetchOptional(base, `blobs/${digest}`);
        if (bytes === null || (await sha256Hex(bytes)) !== digest) return null;
        const pool = parseCanonical(bytes, "候选对象名单");
        return new Map(pool.strata.flatMap((st) => st.candidates.map((t) => [t, st.risk])));
      } catch (e) {
        return null; // missing or malformed: the task page's checks report that
      }
    };
    const visited = await visitProblems(log, poolClasses);
    for (const x of visited.failures) report.add(x.name, false, x.problem);
    if (visited.results && !visited.failures.some((x) => x.name === "result.joint_with")) {
      report.add("result.joint_with", true, `${visited.joint} 条联合检查的结果所注明的其他任务，正是此前公开的、同一对象同一天检查的结果`);
    }
    if (visited.results && !visited.failures.some((x) => x.name === "result.visit_cap")) {
      report.add("result.visit_cap", true, `没有对象在一年内被现场检查超过 ${VISIT_CAP} 次而没有公开的理由`);
    }
  }

  // ---------------------------------------------------------------- visits (spec §8, "Visits and the annual cap")

  const VISIT_CAP = 2;

  // The visits of one target in `year`: its results ({task, dates, exempt}) with a date in
  // that year, grouped so that two results sharing a date are one visit (a result of several
  // days is one visit, and a chain of shared dates joins them all).
  function visitsIn(results, year) {
    const prefix = `${String(year).padStart(4, "0")}-`;
    let groups = []; // [Set of dates, results]
    for (const r of results) {
      if (!r.dates.some((d) => d.startsWith(prefix))) continue;
      const dates = new Set(r.dates);
      let members = [r];
      const kept = [];
      for (const g of groups) {
        if ([...g[0]].some((d) => dates.has(d))) {
          for (const d of g[0]) dates.add(d);
          members = [...g[1], ...members];
        } else {
          kept.push(g);
        }
      }
      groups = [...kept, [dates, members]];
    }
    return groups.map((g) => g[1]);
  }

  // [year, visits] of each calendar year in which one target's visits none of whose results
  // is exempt exceed the cap.
  function overCap(results, cap = VISIT_CAP) {
    const years = [...new Set(results.flatMap((r) => r.dates.map((d) => Number(d.slice(0, 4)))))].sort((x, y) => x - y);
    const out = [];
    for (const year of years) {
      const n = visitsIn(results, year).filter((v) => !v.some((r) => r.exempt)).length;
      if (n > cap) out.push([year, n]);
    }
    return out;
  }

  // The tasks other than `task` whose results ({task, dates}) share a date with `dates`:
  // what a result's joint_with names (code point order, each once).
  function jointTasks(dates, task, others) {
    const mine = new Set(dates);
    const named = new Set(others.filter((o) => o.task && o.task !== task && o.dates.some((d) => mine.has(d))).map((o) => o.task));
    return [...named].sort(byCodePoint);
  }

  // result.joint_with and result.visit_cap over `records` (the log's item lists,
  // announcements and results, {id, body}, in log order). `poolClasses(digest)`: a promise of
  // Map target -> class of the pool blob, null when it cannot be read; fetched only for a
  // target over the cap under rules that lift the cap for some classes.
  async function visitProblems(records, poolClasses) {
    const failures = [];
    const keys = new Map(); // item-list version -> Map code -> key
    let rules = { uncapped: [], key_items_uncapped: false };
    const announced = new Map(); // task -> { rules, keyItem, excepted, pool }
    const current = new Map(); // task \0 target -> result body (a correction replaces it)
    let joint = 0;
    for (const r of records) {
      const b = r.body;
      if (b.type === "item-list") {
        keys.set(b.version, new Map(b.items.map((i) => [i.code, i.key])));
        const rr = b.risk_rules || {};
        rules = { uncapped: rr.uncapped || [], key_items_uncapped: rr.key_items_uncapped === true };
      } else if (b.type === "task-announcement") {
        announced.set(b.task, {
          rules,
          keyItem: b.items.some((i) => (keys.get(i.version) || new Map()).get(i.code) === true),
          excepted: new Set((b.cap_exceptions || []).map((e) => e.target)),
          pool: b.pool.sha256,
        });
      } else if (b.type === "inspection-result") {
        const others = [...current.values()].filter((o) => o.target === b.target);
        const expected = jointTasks(b.dates, b.task, others);
        const named = b.joint_with || [];
        if (named.length) joint += 1;
        if (canonical(named) !== canonical(expected)) {
          failures.push({
            name: "result.joint_with",
            problem:
              `${b.task}/${b.target} 的检查结果（${r.id.slice(0, 16)}…）注明联合检查的任务为` +
              `${named.length ? named.join("、") : "（无）"}，但此前公开的、同一对象同一天检查的结果属于任务` +
              `${expected.length ? expected.join("、") : "（无）"}`,
          });
        }
        current.set(`${b.task}\u0000${b.target}`, b);
      }
    }
    const pools = new Map();
    const exempt = async (b) => {
      if (b.cap_exception !== undefined) return true;
      const ann = announced.get(b.task);
      if (!ann) return false;
      if (ann.excepted.has(b.target) || (ann.keyItem && ann.rules.key_items_uncapped)) return true;
      if (!ann.rules.uncapped.length) return false;
      if (!pools.has(b.task)) pools.set(b.task, await poolClasses(ann.pool));
      const classes = pools.get(b.task);
      return Boolean(classes) && ann.rules.uncapped.includes(classes.get(b.target));
    };
    const byTarget = new Map();
    const sortedKeys = [...current.keys()].sort(byCodePoint);
    for (const k of sortedKeys) {
      const b = current.get(k);
      if (!byTarget.has(b.target)) byTarget.set(b.target, []);
      byTarget.get(b.target).push(b);
    }
    for (const target of [...byTarget.keys()].sort(byCodePoint)) {
      const bodies = byTarget.get(target);
      if (!overCap(bodies.map((b) => ({ task: b.task, dates: b.dates, exempt: false }))).length) continue;
      const dated = [];
      for (const b of bodies) dated.push({ task: b.task, dates: b.dates, exempt: await exempt(b) });
      for (const [year, count] of overCap(dated)) {
        const tasks = [...new Set(bodies.map((b) => b.task))].sort(byCodePoint).join("、");
        failures.push({
          name: "result.visit_cap",
          problem: `${target} 在 ${year} 年被现场检查 ${count} 次（任务 ${tasks}），超过 ${VISIT_CAP} 次，且没有公开的超限理由`,
        });
      }
    }
    return { failures, joint, results: current.size };
  }

  // ---------------------------------------------------------------- pool membership (spec §4)

  // docs/spec.md §4 "Re-deriving the pools" and lottery/core/pool_membership.py, from the
  // spec's words: the fields of each registry snapshot blob, in order (docs/export.md).
  const SNAPSHOT_FIELDS = {
    targets: ["uscc", "name", "type", "region", "risk_class", "status"],
    inspectors: ["id", "name", "cert_no", "cert_valid_from", "cert_valid_to", "org_unit", "level", "specialties", "status", "department"],
    "org-units": ["code", "name", "level", "parent", "region"],
  };
  // An inspectors snapshot written before `department` existed: read with "" in it.
  const LEGACY_FIELDS = { inspectors: SNAPSHOT_FIELDS.inspectors.slice(0, -1) };
  const REGISTRIES = ["org-units", "targets", "inspectors"];
  const TARGET_ACTIVE = "正常";
  const INSPECTOR_ACTIVE = "在岗";
  const col = (registry, name) => SNAPSHOT_FIELDS[registry].indexOf(name);

  // Unicode code point order (Python's str order): UTF-16 order differs above U+FFFF only.
  const byCodePoint = (x, y) => compareBytes(utf8.encode(x), utf8.encode(y));

  // True when some JSON object in `text` names a member twice (JSON.parse keeps the last
  // silently; `lottery verify` refuses the blob, and so must we). `text` is valid JSON.
  function hasDuplicateMembers(text) {
    const stack = []; // per open container: a Set of member names, or null for an array
    let expectKey = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === '"') {
        let j = i + 1;
        while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
        if (expectKey) {
          const key = JSON.parse(text.slice(i, j + 1));
          const members = stack[stack.length - 1];
          if (members.has(key)) return true;
          members.add(key);
          expectKey = false;
        }
        i = j;
      } else if (c === "{") {
        stack.push(new Set());
        expectKey = true;
      } else if (c === "[") {
        stack.push(null);
      } else if (c === "}" || c === "]") {
        stack.pop();
      } else if (c === ",") {
        expectKey = stack[stack.length - 1] !== null;
      }
    }
    return false;
  }

  // The rows of a registry snapshot blob, each an array in SNAPSHOT_FIELDS order.
  function snapshotRows(bytes, registry) {
    let text;
    let body;
    try {
      text = strictUtf8.decode(bytes);
      body = JSON.parse(text);
    } catch (e) {
      fail(`${registry} 快照文件不是 JSON`);
    }
    if (hasDuplicateMembers(text)) fail(`${registry} 快照文件中有重复的字段`);
    if (!body || typeof body !== "object" || Array.isArray(body)) fail(`${registry} 快照文件不是对象`);
    if (Object.keys(body).sort().join(",") !== "fields,registry,rows,type") fail(`${registry} 快照文件的字段不符`);
    if (body.type !== "registry-snapshot" || body.registry !== registry) fail(`快照文件不是 ${registry} 的快照`);
    const current = SNAPSHOT_FIELDS[registry];
    const legacy = LEGACY_FIELDS[registry];
    const isLegacy = legacy !== undefined && canonical(body.fields) === canonical(legacy);
    if (!isLegacy && canonical(body.fields) !== canonical(current)) fail(`${registry} 快照文件的列不符`);
    const fields = isLegacy ? legacy : current;
    const rows = body.rows;
    const ok =
      Array.isArray(rows) &&
      rows.every((r) => Array.isArray(r) && r.length === fields.length && r.every((v) => typeof v === "string"));
    if (!ok) fail(`${registry} 快照文件的每行应为 ${fields.length} 个字符串`);
    const pad = current.length - fields.length;
    return pad ? rows.map((r) => [...r, ...new Array(pad).fill("")]) : rows;
  }

  // The target types the cited items cover (null: every type). `lists`: version -> {code: types|null}.
  function coveredTypes(items, lists) {
    const types = new Set();
    for (const ref of items) {
      const list = lists.get(ref.version);
      const named = list && Object.prototype.hasOwnProperty.call(list, ref.code) ? list[ref.code] : null;
      for (const t of named || []) types.add(t);
    }
    return types.size ? types : null;
  }

  // Candidates: Map uscc -> [region, risk class].
  function expectedCandidates(targets, units, orgUnits, types) {
    const code = col("org-units", "code");
    const unitRegion = col("org-units", "region");
    const scope = new Set(orgUnits);
    const regions = new Set(units.filter((u) => scope.has(u[code]) && u[unitRegion]).map((u) => u[unitRegion]));
    const [uscc, kind, region, risk, status] = ["uscc", "type", "region", "risk_class", "status"].map((n) => col("targets", n));
    const out = new Map();
    for (const t of targets) {
      if (t[status] === TARGET_ACTIVE && regions.has(t[region]) && (types === null || types.has(t[kind]))) {
        out.set(t[uscc], [t[region], t[risk]]);
      }
    }
    return out;
  }

  // Eligible inspectors' ids, in code point order. `specialties`: under a cross-check rule
  // with `specialty`, those the cited items ask for (an inspector must hold every one).
  // `participants`: a joint task's other departments; an inspector's department must be ""
  // (the office's own) or one of them.
  function expectedInspectors(inspectors, orgUnits, start, end, specialties = [], participants = []) {
    const [id, unit, from, to, held, status, dept] = [
      "id",
      "org_unit",
      "cert_valid_from",
      "cert_valid_to",
      "specialties",
      "status",
      "department",
    ].map((n) => col("inspectors", n));
    const scope = new Set(orgUnits);
    const allowed = new Set(["", ...participants]);
    return inspectors
      .filter(
        (i) =>
          i[status] === INSPECTOR_ACTIVE &&
          scope.has(i[unit]) &&
          i[from] <= start &&
          i[to] >= end &&
          hasSpecialties(splitSpecialties(i[held]), specialties) &&
          allowed.has(i[dept] === undefined ? "" : i[dept]), // a legacy row: the office's own
      )
      .map((i) => i[id])
      .sort(byCodePoint);
  }

  // ---- 交叉检查 (docs/spec.md §4 "Cross-check"), from the spec's words.

  // An inspector's specialties as the inspectors snapshot joins them ("": none).
  const splitSpecialties = (joined) => joined.split("、").filter(Boolean);
  const hasSpecialties = (held, required) => {
    const have = new Set(held);
    return [...required].every((s) => have.has(s));
  };

  // The specialties the cited items ({code, version}) ask for, sorted, each once.
  // `lists`: version -> {code: specialty or null}.
  function requiredSpecialties(items, lists) {
    const out = new Set();
    for (const ref of items) {
      const list = lists.get(ref.version);
      const wanted = list && Object.prototype.hasOwnProperty.call(list, ref.code) ? list[ref.code] : null;
      if (wanted !== null && wanted !== undefined) out.add(wanted);
    }
    return [...out].sort(byCodePoint);
  }

  // The [target, inspector] pairs the own-district rule forbids, sorted by target then
  // inspector: a unit governs the region of its org-units row ("" governs none; the parent
  // chain is not walked). `targets`: [id, region]; `inspectors`: [id, unit];
  // `unitRegions`: Map unit -> region.
  function ownDistrictPairs(targets, inspectors, unitRegions) {
    const byRegion = new Map();
    for (const [id, unit] of inspectors) {
      const region = unitRegions.get(unit) || "";
      if (!region) continue;
      if (!byRegion.has(region)) byRegion.set(region, []);
      byRegion.get(region).push(id);
    }
    const pairs = [];
    for (const [target, region] of targets) for (const i of byRegion.get(region) || []) pairs.push([target, i]);
    return pairs.sort((x, y) => byCodePoint(x[0], y[0]) || byCodePoint(x[1], y[1]));
  }

  // inspectors.cross_check with own_district: every pair of the rule among the team input's
  // conflicts, or what is missing. `pooled`: Map target -> [region, risk]; `listed`: the
  // team input's inspectors; `conflicts`: its [target, inspector] pairs; rows in field order.
  function crossCheckProblem(pooled, listed, conflicts, inspectors, units) {
    const [id, unit] = ["id", "org_unit"].map((n) => col("inspectors", n));
    const [code, region] = ["code", "region"].map((n) => col("org-units", n));
    const unitOf = new Map(inspectors.map((i) => [i[id], i[unit]]));
    const pairs = ownDistrictPairs(
      [...pooled].map(([t, key]) => [t, key[0]]),
      listed.map((i) => [i, unitOf.get(i) || ""]),
      new Map(units.map((u) => [u[code], u[region]])),
    );
    const declared = new Set(conflicts.map(([t, i]) => `${t}\u0000${i}`));
    const missing = pairs.filter(([t, i]) => !declared.has(`${t}\u0000${i}`));
    if (!missing.length) return { pairs: pairs.length, problem: null };
    const [t, i] = missing[0];
    return {
      pairs: pairs.length,
      problem: `${missing.length} 对“执法人员—本辖区对象”没有列入回避名单，第一对是对象 ${t} 与执法人员 ${i}`,
    };
  }

  // ---- Minimum ratio (docs/spec.md §4 "Minimum ratio").

  // [code, min_ratio] of the cited items ({code, version}) that publish a minimum, in the
  // task's order. `lists`: version -> {code: min_ratio or null}.
  function citedMinimums(items, lists) {
    const out = [];
    for (const ref of items) {
      const list = lists.get(ref.version);
      const minimum = list && Object.prototype.hasOwnProperty.call(list, ref.code) ? list[ref.code] : null;
      if (minimum !== null && minimum !== undefined) out.push([ref.code, minimum]);
    }
    return out;
  }

  // The first [code, min_ratio] the share picks / candidates is below ("不低于":
  // picks * 10000 >= min_ratio * candidates, in integers), or null.
  function ratioShortfall(picks, candidates, minimums) {
    const p = BigInt(picks);
    const c = BigInt(candidates);
    return minimums.find(([, m]) => p * 10000n < BigInt(m) * c) || null;
  }

  // numerator / denominator as a percentage rounded down to two decimals: "7.13%".
  function percent(numerator, denominator = 10000) {
    const hundredths = (BigInt(numerator) * 10000n) / BigInt(denominator);
    const frac = String(hundredths % 100n).padStart(2, "0");
    const text = `${hundredths / 100n}.${frac}`.replace(/0+$/, "").replace(/\.$/, "");
    return `${text}%`;
  }

  // What is wrong with a pool (Map id -> [region, risk]) and its exclusions, or null.
  function poolProblem(expected, pooled, excluded) {
    const listed = new Set([...pooled.keys(), ...excluded]);
    const missing = [...expected.keys()].filter((t) => !listed.has(t)).sort(byCodePoint);
    if (missing.length) return `${missing.length} 户符合条件的对象既不在名单中、也未列明排除理由，第一户是 ${missing[0]}`;
    const extra = [...listed].filter((t) => !expected.has(t)).sort(byCodePoint);
    if (extra.length) return `名单或排除名单中有 ${extra.length} 户不符合条件的对象，第一户是 ${extra[0]}`;
    const moved = [...pooled.keys()]
      .filter((t) => canonical(pooled.get(t)) !== canonical(expected.get(t)))
      .sort(byCodePoint);
    if (moved.length) {
      const t = moved[0];
      return (
        `${moved.length} 户对象所在的分层与快照不符，第一户是 ${t}：名单中为 ${pooled.get(t).join("|")}，` +
        `快照为 ${expected.get(t).join("|")}`
      );
    }
    return null;
  }

  // ---- 部门联合抽查 (docs/spec.md §4 "Joint tasks", docs/teams.md §8), from the spec's words.

  // inspectors.departments: the announcement's departments against the team input's.
  function jointProblem(departments, teamInput) {
    const listed = teamInput.departments;
    const rule = teamInput.team_departments || [];
    if (departments === undefined) return listed !== undefined || rule.length ? "名单注明了所属部门，公告却不是部门联合抽查" : null;
    if (listed === undefined) return "公告为部门联合抽查，名单却没有注明所属部门";
    const all = [departments.lead, ...departments.participants];
    const want = departments.one_per_team ? all : [];
    if (canonical(rule) !== canonical(want)) {
      return `名单中每组各部门一人的规则（${rule.join("、") || "无"}）与公告（${want.join("、") || "无"}）不符`;
    }
    if (canonical(listed.map((p) => p[0])) !== canonical(teamInput.inspectors)) return "名单的所属部门没有逐一对应每名检查人员";
    const allowed = new Set(all);
    const strays = listed.filter((p) => !allowed.has(p[1])).map((p) => p[0]);
    if (strays.length) return `${strays.length} 名检查人员不属于公告列出的部门，第一名是 ${strays[0]}`;
    return null;
  }

  // inspectors.membership, joint task: each listed department is the snapshot's, the lead
  // for "" (the office's own).
  function departmentsProblem(departments, listed, inspectors) {
    if (!listed) return "部门联合抽查的名单没有注明所属部门";
    const [id, dept] = ["id", "department"].map((n) => col("inspectors", n));
    const of = new Map(inspectors.map((i) => [i[id], (i[dept] === undefined ? "" : i[dept]) || departments.lead]));
    const wrong = listed.filter(([i, d]) => of.get(i) !== d).map(([i]) => i);
    if (wrong.length) return `${wrong.length} 名检查人员的所属部门与快照不符，第一名是 ${wrong[0]}`;
    return null;
  }

  function inspectorsProblem(expected, listed) {
    const have = new Set(listed);
    const want = new Set(expected);
    const missing = expected.filter((i) => !have.has(i)).sort(byCodePoint);
    if (missing.length) return `${missing.length} 名符合条件的执法人员不在备选名单中，第一名是 ${missing[0]}`;
    const extra = listed.filter((i) => !want.has(i)).sort(byCodePoint);
    if (extra.length) return `备选名单中有 ${extra.length} 名不符合条件的执法人员，第一名是 ${extra[0]}`;
    return null;
  }

  // announcement.registries, pool.membership, inspectors.membership of one announcement.
  // `context`: the signed records of the log the checks read (snapshots, item lists, other
  // announcements), with their log index.
  async function checkMembership(base, report, ann, context, pool, exclusions, teamInput) {
    const a = ann.body;
    const before = context.filter((r) => r.index < ann.index);
    if (a.registries === undefined && a.cross_check !== undefined) {
      // A rule nobody could check (docs/spec.md §4 "Cross-check").
      report.add("inspectors.cross_check", false, "公告选择了交叉检查，却没有注明可据以核验的名录库快照");
      return;
    }
    if (a.registries === undefined) {
      const earlier = before.find((r) => r.body.type === "task-announcement" && r.body.registries !== undefined);
      if (earlier) {
        report.add(
          "announcement.registries",
          false,
          `公告没有注明名录库快照，但日志中更早的任务 ${earlier.body.task} 的公告已经注明：这一字段不能去掉`,
        );
      } else {
        report.skip("pool.membership", "不适用：公告没有注明名录库快照（公告早于这一字段），名单无法按快照重新推算");
      }
      return;
    }
    const snapshots = await report.run(
      "announcement.registries",
      async () => {
        const rows = {};
        for (const name of REGISTRIES) {
          const id = a.registries[name];
          const all = before.filter((r) => r.body.type === "registry-snapshot" && r.body.registry === name);
          const rec = all.find((r) => r.id === id);
          if (!rec) fail(`公告注明的 ${name} 快照 ${String(id).slice(0, 16)}… 不是公告之前公开的 ${name} 快照记录`);
          if (rec !== all[all.length - 1]) {
            fail(`公告注明的 ${name} 快照 ${id.slice(0, 16)}… 不是公告时有效（最新）的快照 ${all[all.length - 1].id.slice(0, 16)}…`);
          }
          const bytes = await fetchOptional(base, `blobs/${rec.body.blob}`);
          if (bytes === null) fail(`${name} 快照文件未公开`);
          if ((await sha256Hex(bytes)) !== rec.body.blob) fail(`${name} 快照文件与记录中的 SHA-256 不符`);
          rows[name] = snapshotRows(bytes, name);
        }
        return rows;
      },
      (rows) =>
        `公告注明的三份名录库快照都在公告之前公开且为当时最新：组织机构 ${rows["org-units"].length} 行、` +
        `检查对象 ${rows.targets.length} 行、执法人员 ${rows.inspectors.length} 行`,
    );
    if (!snapshots.ok) {
      report.skip("pool.membership", "名录库快照未通过核验，无法重新推算名单");
      return;
    }
    const rows = snapshots.value;
    const lists = new Map();
    const specialtyLists = new Map();
    for (const r of before) {
      if (r.body.type !== "item-list") continue;
      const items = {};
      const specialties = {};
      for (const i of r.body.items) {
        items[i.code] = i.target_types === undefined ? null : i.target_types;
        specialties[i.code] = i.specialty === undefined ? null : i.specialty;
      }
      lists.set(r.body.version, items);
      specialtyLists.set(r.body.version, specialties);
    }
    const rule = a.cross_check || {};
    const needed = rule.specialty ? requiredSpecialties(a.items, specialtyLists) : [];
    const types = coveredTypes(a.items, lists);
    await report.run(
      "pool.membership",
      () => {
        if (!pool || !exclusions) fail("候选对象名单或排除名单无法读取，无法比对");
        const expected = expectedCandidates(rows.targets, rows["org-units"], a.org_units, types);
        const pooled = new Map();
        for (const st of pool.strata) for (const c of st.candidates) pooled.set(c, [st.region, st.risk]);
        const problem = poolProblem(expected, pooled, exclusions.exclusions.map((e) => e.target));
        if (problem) fail(problem);
        return { pooled: pooled.size, excluded: exclusions.exclusions.length };
      },
      (n) =>
        `按快照和抽查事项清单重新推算出 ${n.pooled + n.excluded} 户符合条件的对象` +
        `（${n.pooled} 户在名单中，${n.excluded} 户列明了排除理由），没有遗漏、没有多出，分层一致`,
    );
    const membership = await report.run(
      "inspectors.membership",
      () => {
        if (!teamInput) fail("执法检查人员名单无法读取，无法比对");
        const participants = a.departments ? a.departments.participants : [];
        const eligible = expectedInspectors(rows.inspectors, a.org_units, a.window.start, a.window.end, needed, participants);
        const problem =
          inspectorsProblem(eligible, teamInput.inspectors) ||
          (a.departments ? departmentsProblem(a.departments, teamInput.departments, rows.inspectors) : null);
        if (problem) fail(problem);
        return eligible.length;
      },
      (n) =>
        `按执法人员快照重新推算出 ${n} 名符合条件的执法人员` +
        (needed.length ? `（须具备专业：${needed.join("、")}）` : "") +
        "，与备选名单完全相同",
    );
    if (a.cross_check === undefined) return;
    // inspectors.cross_check (docs/spec.md §4 "Cross-check"): the own-district pairs are
    // among the conflicts; the specialty rule is what inspectors.membership just checked.
    if (!membership.ok || (rule.own_district && !pool)) {
      report.skip("inspectors.cross_check", "执法人员名单或候选对象名单未通过核验，无法核验交叉检查");
      return;
    }
    await report.run(
      "inspectors.cross_check",
      () => {
        const said = [];
        if (rule.own_district) {
          const pooled = new Map();
          for (const st of pool.strata) for (const c of st.candidates) pooled.set(c, [st.region, st.risk]);
          const got = crossCheckProblem(pooled, teamInput.inspectors, teamInput.conflicts, rows.inspectors, rows["org-units"]);
          if (got.problem) fail(got.problem);
          said.push(`按组织机构快照推算出 ${got.pairs} 对“执法人员—本辖区对象”，都已列入回避名单，没有人检查本辖区`);
        }
        if (rule.specialty) {
          said.push(
            needed.length
              ? `备选的执法人员都具备所列事项要求的专业（${needed.join("、")}）`
              : "所列事项没有专业要求",
          );
        }
        return said.join("；");
      },
      (text) => text,
    );
  }

  // announcement.min_ratio (docs/spec.md §4 "Minimum ratio"): the share the announcement
  // draws against the min_ratio of each item it cites, looked up in the item-list record of
  // its version earlier in the log. Shown only when some cited item sets one.
  function checkMinRatio(report, ann, context) {
    const a = ann.body;
    const lists = new Map();
    for (const r of context) {
      if (r.index > ann.index || r.body.type !== "item-list") continue;
      const items = {};
      for (const i of r.body.items) items[i.code] = i.min_ratio === undefined ? null : i.min_ratio;
      lists.set(r.body.version, items);
    }
    const minimums = citedMinimums(a.items, lists);
    if (!minimums.length) return;
    const { picks, candidates } = a.pool;
    const share = candidates ? `（${percent(picks, candidates)}）` : "";
    const short = ratioShortfall(picks, candidates, minimums);
    if (short) {
      report.add(
        "announcement.min_ratio",
        false,
        `从 ${candidates} 户候选对象中抽取 ${picks} 户${share}，低于抽查事项 ${short[0]} 规定的抽查比例 ${percent(short[1])}`,
      );
    } else {
      const said = minimums.map(([code, m]) => `${code} ${percent(m)}`).join("、");
      report.add(
        "announcement.min_ratio",
        true,
        `从 ${candidates} 户候选对象中抽取 ${picks} 户${share}，不低于所列事项规定的抽查比例（${said}）`,
      );
    }
  }

  // announcement.plan (docs/spec.md §8 "The annual plan", docs/plans.md): the annual plan
  // entry the announcement names is in the year's plan in force when it was announced (the
  // latest `plan` record of that year earlier in the log), the window starts in that year, and
  // the entry plans every cited item. Shown only when the announcement names a plan entry.
  function checkPlan(report, ann, context) {
    const a = ann.body;
    const ref = a.plan;
    if (ref === undefined) return;
    const plans = context.filter((r) => r.index < ann.index && r.body.type === "plan");
    const plan = plans.find((r) => r.id === ref.record);
    if (!plan) {
      report.add("announcement.plan", false, `公告引用的年度抽查计划 ${String(ref.record).slice(0, 16)}… 不是此前公开的计划`);
      return;
    }
    const year = plan.body.year;
    const latest = plans.filter((r) => r.body.year === year).reduce((x, y) => (y.index > x.index ? y : x));
    const entry = plan.body.entries.find((e) => e.id === ref.entry);
    const missing = entry ? a.items.map((i) => String(i.code)).filter((c) => !entry.items.includes(c)) : [];
    let problem = null;
    if (latest.id !== plan.id) {
      problem = `公告引用 ${year} 年度抽查计划第 ${plan.body.version} 版，但公告时现行的是第 ${latest.body.version} 版`;
    } else if (!entry) {
      problem = `${year} 年度抽查计划第 ${plan.body.version} 版中没有计划条目 ${ref.entry}`;
    } else if (!String(a.window.start).startsWith(`${year}-`)) {
      problem = `任务从 ${a.window.start} 开始，不在计划年度 ${year} 年内`;
    } else if (missing.length) {
      problem = `计划条目 ${entry.id} 不含本任务的抽查事项 ${missing[0]}`;
    }
    if (problem) {
      report.add("announcement.plan", false, problem);
    } else {
      report.add(
        "announcement.plan",
        true,
        `执行 ${year} 年度抽查计划第 ${plan.body.version} 版的条目 ${entry.id}（计划 ${entry.tasks} 次），所列抽查事项都在该条目计划之中`,
      );
    }
  }

  // ---------------------------------------------------------------- results (spec §8, docs/results.md)

  const NO_PROBLEM = "未发现问题";
  const FAILED_ANSWER = "不符合";
  // Python's truth value of a JSON value (lottery verify reads `not content.get(...)`).
  const pyFalsy = (v) =>
    v === undefined || v === null || v === false || v === 0 || v === "" ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === "object" && !Array.isArray(v) && v !== null && Object.keys(v).length === 0);
  const pyStr = (v) => (v === undefined ? "" : v === null ? "None" : String(v));
  const onlyNoProblem = (categories) => categories.length === 1 && categories[0] === NO_PROBLEM;

  // The (item, point) pairs a result answers: the checklist of each cited item, in order,
  // looked up in that version of the item list (lists: version -> code -> item), each once.
  function expectedPoints(refs, lists) {
    const out = [];
    const seen = new Set();
    for (const ref of refs) {
      const key = `${ref.code}\u0000${ref.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const list = lists.get(ref.version);
      const item = (list && list.get(String(ref.code))) || {};
      for (const p of item.checklist || []) out.push([String(ref.code), String(p.point)]);
    }
    return out;
  }

  // result.onsite: what is wrong with a result's sealed content (empty when nothing).
  function onsiteProblems(categories, content, expected) {
    const problems = [];
    const answers = content.checklist || [];
    if (expected !== undefined) {
      const given = answers.map((x) => [pyStr(x.item), pyStr(x.point)]);
      if (canonical(given) !== canonical(expected)) {
        const has = (list, p) => list.some((q) => q[0] === p[0] && q[1] === p[1]);
        const missing = expected.filter((p) => !has(given, p));
        const extra = given.filter((p) => !has(expected, p));
        problems.push(
          missing.length
            ? `没有回答事项 ${missing[0][0]} 的检查要点“${missing[0][1]}”`
            : extra.length
              ? `回答的“${extra[0][1]}”不是事项 ${extra[0][0]} 的检查要点`
              : "检查要点的回答顺序与抽查事项清单不符",
        );
      }
    }
    const failed = answers.filter((x) => x.answer === FAILED_ANSWER);
    if (failed.length && onlyNoProblem(categories)) problems.push(`要点“${failed[0].point}”为不符合，结果却是未发现问题`);
    for (const x of failed) if (!pyStr(x.note).trim()) problems.push(`要点“${x.point}”为不符合，但没有说明`);
    const newFormat = "checklist" in content || "started" in content;
    const reason = pyStr(content.no_evidence_reason).trim();
    if (newFormat && !onlyNoProblem(categories) && pyFalsy(content.evidence) && !reason) {
      problems.push("发现问题的结果没有证据，也没有说明原因");
    }
    return problems;
  }

  // ---------------------------------------------------------------- publication rules (spec §2.3)

  // The same rule as lottery/core/publication_rules.py and lottery/core/sealed_audit.py.
  const REQUIRED_IN_CONTENT = {
    "inspection-result": ["findings", "follow_up"],
    "rectification-order": ["requirements"],
    "rectification-check": ["note"],
  };
  const FIELD_ZH = {
    findings: "发现的问题", follow_up: "后续处理", place: "检查地点", requirements: "整改要求", note: "复查情况",
  };
  // The record a rectification record's rules look at for when.categories: an order's result,
  // a re-check's order (whose own categories are its result's).
  const CATEGORY_SOURCE = { "rectification-order": "result", "rectification-check": "order" };
  const hasOwn = (o, k) => o !== null && typeof o === "object" && Object.prototype.hasOwnProperty.call(o, k);
  const fieldZh = (name) => (hasOwn(FIELD_ZH, name) ? `“${FIELD_ZH[name]}”（${name}）` : `“${name}”`);

  // An item list's publication_rules (absent or empty: none), already valid (record.format).
  function parseRules(value) {
    if (!Array.isArray(value) || !value.length) return [];
    return value.map((x) => {
      const when = (x && x.when) || {};
      return {
        id: String(x.id),
        record: String(x.record),
        field: String(x.field),
        action: String(x.action),
        items: (when.items || []).map(String),
        categories: (when.categories || []).map(String),
      };
    });
  }

  // Whether a rule governs a record of type `type`, of a task citing `cited` (a Set of item
  // codes), with these result categories.
  function ruleApplies(rule, type, cited, categories) {
    if (rule.record !== type) return false;
    if (rule.items.length && !rule.items.some((c) => cited.has(c))) return false;
    return !rule.categories.length || rule.categories.some((c) => categories.includes(c));
  }

  // Field -> the applied rule that decides it: withholding wins over generalising, then the
  // first in the item list's order.
  function treatment(applied) {
    const out = new Map();
    for (const rule of applied) {
      const held = out.get(rule.field);
      if (!held || (held.action === "generalise" && rule.action === "withhold")) out.set(rule.field, rule);
    }
    return out;
  }

  // What is wrong with a reviewed record's opened content under the rules it applied (null: nothing).
  function contentProblem(type, content, applied) {
    const decided = treatment(applied);
    for (const [name, rule] of decided) {
      if (rule.action === "withhold" && hasOwn(content, name)) {
        return `规则 ${rule.id} 规定${fieldZh(name)}不公开，但内容中公开了该字段`;
      }
    }
    for (const name of REQUIRED_IN_CONTENT[type] || []) {
      if (hasOwn(content, name)) continue;
      const held = decided.get(name);
      if (!held) return `内容中没有${fieldZh(name)}，但所适用的规则中没有规定其不公开的`;
      if (held.action !== "withhold") return `内容中没有${fieldZh(name)}，但规则 ${held.id} 只规定概括表述`;
    }
    return null;
  }

  // publication.review over the log (records in log order; contents: record id -> opened
  // sealed content). count: the results, rectification orders and re-checks reviewed or
  // needing a review; problems: one per record.
  function reviewProblems(records, contents) {
    let rules = [];
    const cited = new Map(); // task -> the item codes its announcement cites
    const categoriesOf = new Map(); // record id -> the result categories its rules look at
    const problems = [];
    let count = 0;
    for (const r of records) {
      const b = r.body;
      if (b.type === "item-list") {
        rules = parseRules(b.publication_rules);
        continue;
      }
      if (b.type === "task-announcement") {
        cited.set(String(b.task), new Set((b.items || []).map((i) => String(i.code))));
        continue;
      }
      if (!hasOwn(REQUIRED_IN_CONTENT, b.type)) continue;
      const source = CATEGORY_SOURCE[b.type];
      const categories = source ? categoriesOf.get(String(b[source])) || [] : (b.categories || []).map(String);
      categoriesOf.set(r.id, categories);
      if (!rules.some((x) => x.record === b.type) && !hasOwn(b, "review")) continue;
      count += 1;
      const due = rules.filter((x) => ruleApplies(x, b.type, cited.get(String(b.task)) || new Set(), categories));
      const who = sealedName(b);
      const review = b.review;
      if (review === undefined || review === null) {
        problems.push({ id: r.id, who, problem: "在现行公开规则下公开，却没有经过保密审查（没有 review）" });
        continue;
      }
      const named = (review.rules || []).map(String);
      const expected = due.map((x) => x.id).sort();
      if (canonical(named) !== canonical(expected)) {
        problems.push({
          id: r.id,
          who,
          problem:
            `保密审查适用的规则为 ${named.join("、") || "无"}，` +
            `但现行公开规则中适用于该记录的是 ${expected.join("、") || "无"}`,
        });
        continue;
      }
      const content = contents.get(r.id);
      if (content === undefined) continue; // not opened: sealed.* report why
      const problem = contentProblem(b.type, content, due);
      if (problem) problems.push({ id: r.id, who, problem });
    }
    return { count, problems };
  }

  // rectification.order / rectification.check over the log (records in log order).
  function rectificationProblems(records) {
    const results = new Map();
    const superseded = new Map();
    const orders = new Map();
    const checked = new Map();
    const out = [];
    for (const r of records) {
      const b = r.body;
      const who = `${b.task}/${b.target}`;
      if (b.type === "inspection-result") {
        if (b.supersedes !== null && b.supersedes !== undefined && !superseded.has(b.supersedes)) {
          superseded.set(b.supersedes, r.id);
        }
        results.set(r.id, r);
      } else if (b.type === "rectification-order") {
        orders.set(r.id, r);
        const result = results.get(b.result);
        let problem = null;
        if (!result) problem = `指向的 ${String(b.result).slice(0, 16)}… 不是此前公开的检查结果`;
        else if (result.body.task !== b.task || result.body.target !== b.target) problem = `整改对象 ${who} 与所指检查结果的对象不符`;
        else if (superseded.has(b.result)) problem = "所指检查结果在整改要求之前已被更正";
        else if (onlyNoProblem(result.body.categories)) problem = "所指检查结果未发现问题";
        else if (b.due < beijingDate(b.time)) problem = `整改期限 ${b.due} 早于下达之日 ${beijingDate(b.time)}`;
        out.push({ name: "rectification.order", who, problem });
      } else if (b.type === "rectification-check") {
        const order = orders.get(b.order);
        let problem = null;
        if (!order) problem = `指向的 ${String(b.order).slice(0, 16)}… 不是此前公开的整改要求`;
        else if (order.body.task !== b.task || order.body.target !== b.target) problem = `复查对象 ${who} 与所指整改要求的对象不符`;
        else if (checked.has(b.order)) problem = "该整改要求已经复查过";
        if (order && !problem) {
          checked.set(b.order, r.id);
          const ordered = beijingDate(order.body.time);
          const published = beijingDate(b.time);
          if (b.date < ordered) problem = `复查日期 ${b.date} 早于整改要求下达之日 ${ordered}`;
          else if (b.date > published) problem = `复查日期 ${b.date} 晚于复查结果公开之日 ${published}`;
        }
        out.push({ name: "rectification.check", who, problem });
      }
    }
    return out;
  }

  // objection.* over the log (records in log order): the result and the correction are earlier
  // records, the dates are in order, the period starts on the result's publication day and the
  // objection arrived by its stated due day.
  function objectionProblems(records) {
    const results = new Map();
    const problems = [];
    let count = 0;
    for (const r of records) {
      const b = r.body;
      if (b.type === "inspection-result") results.set(r.id, r);
      if (b.type !== "objection-outcome") continue;
      count += 1;
      const who = `${b.task}/${b.target}`;
      const result = results.get(b.result);
      const add = (name, problem) => problems.push({ name, who, problem });
      if (!result) {
        add("objection.result", `指向的 ${String(b.result).slice(0, 16)}… 不是此前公开的检查结果`);
        continue;
      }
      if (result.body.task !== b.task || result.body.target !== b.target) {
        add("objection.result", `异议对象 ${who} 与所指检查结果的对象不符`);
        continue;
      }
      if (b.correction !== null && b.correction !== undefined) {
        const fix = results.get(b.correction);
        if (!fix || fix.body.supersedes !== b.result) {
          add("objection.correction", `所附 ${String(b.correction).slice(0, 16)}… 不是此前公开的对该检查结果的更正`);
          continue;
        }
      }
      const shown = beijingDate(result.body.time);
      const published = beijingDate(b.time);
      if (b.received < shown) add("objection.dates", `收到日期 ${b.received} 早于检查结果公开之日 ${shown}`);
      else if (b.decided < b.received) add("objection.dates", `处理日期 ${b.decided} 早于收到日期 ${b.received}`);
      else if (b.decided > published) add("objection.dates", `处理日期 ${b.decided} 晚于处理结果公开之日 ${published}`);
      else if (b.period.start !== shown) add("objection.period", `异议期限的起算日 ${b.period.start} 不是检查结果公开之日 ${shown}`);
      else if (b.received > b.period.due) add("objection.period", `收到日期 ${b.received} 晚于异议期限 ${b.period.due}`);
    }
    return { count, problems };
  }

  // ---------------------------------------------------------------- publication deadlines (spec §8)

  // docs/spec.md §8 "Publication deadlines", docs/workdays.md: the calendar is the log's own
  // `calendar` records (the latest of each year, as a whole), nothing from outside the log.
  const DAY_MS = 86400000;
  const REPORT_WORKDAYS = 7;
  const dayMs = (text) => Date.UTC(+text.slice(0, 4), +text.slice(5, 7) - 1, +text.slice(8, 10));
  const dayText = (ms) => new Date(ms).toISOString().slice(0, 10);

  class MissingYear extends Error {
    constructor(year) {
      super(`no calendar record in the log for ${year}`);
      this.year = year;
    }
  }

  // The problem of a calendar record's data (calendar.data), or null.
  function calendarDataProblem(b) {
    const year = String(b.year);
    const days = [...b.holidays, ...b.workdays];
    const outside = days.find((d) => typeof d !== "string" || d.slice(0, 4) !== year);
    if (outside !== undefined) return `日期 ${outside} 不在 ${year} 年内`;
    const both = b.holidays.find((d) => b.workdays.includes(d));
    if (both !== undefined) return `${both} 既是节假日又是调休上班日`;
    const weekday = b.workdays.find((d) => ![0, 6].includes(new Date(dayMs(d)).getUTCDay()));
    if (weekday !== undefined) return `调休上班日 ${weekday} 不是星期六或星期日`;
    return null;
  }

  class LogCalendar {
    constructor() {
      this.years = new Map();
    }
    add(body) {
      this.years.set(body.year, { holidays: new Set(body.holidays), workdays: new Set(body.workdays) });
    }
    copy() {
      const other = new LogCalendar();
      other.years = new Map(this.years);
      return other;
    }
    data(ms) {
      const year = new Date(ms).getUTCFullYear();
      const data = this.years.get(year);
      if (!data) throw new MissingYear(year);
      return data;
    }
    isWorkday(ms) {
      const data = this.data(ms);
      const text = dayText(ms);
      if (data.workdays.has(text)) return true;
      const weekday = new Date(ms).getUTCDay();
      return weekday !== 0 && weekday !== 6 && !data.holidays.has(text);
    }
    // The n-th working day after `start` (start itself never counts).
    addWorkdays(start, n) {
      this.data(start);
      let day = start;
      for (let left = n; left > 0; ) {
        day += DAY_MS;
        if (this.isWorkday(day)) left -= 1;
      }
      return day;
    }
    // Working days w with a < w <= b.
    between(a, b) {
      this.data(a);
      let count = 0;
      for (let day = a; day < b; ) {
        day += DAY_MS;
        if (this.isWorkday(day)) count += 1;
      }
      return count;
    }
    deadline(start, workdays, published) {
      const due = this.addWorkdays(start, workdays);
      const lateBy = published <= due ? 0 : this.between(due, published) + (this.isWorkday(published) ? 0 : 1);
      return { due: dayText(due), on_time: lateBy === 0, late_by: lateBy };
    }
  }

  // The deadline lines of the task reports among `records` (log order, with the log's calendar
  // records): {name, state: pass | fail | note | skip, detail}, as `lottery verify` reports
  // them (check names deadline.*, calendar.*).
  function reportDeadlines(records) {
    const out = [];
    const calendar = new LogCalendar();
    const latest = new Map();
    for (const r of records) {
      const b = r.body;
      if (b.type === "calendar") {
        const short = r.id.slice(0, 16);
        if ((b.supersedes ?? null) !== (latest.get(b.year) ?? null)) {
          out.push({ name: "calendar.supersedes", state: "fail", detail: `${b.year} 年节假日安排 ${short}… 所替换的不是此前最新的一版` });
        }
        const problem = calendarDataProblem(b);
        if (problem !== null) {
          out.push({ name: "calendar.data", state: "fail", detail: `${b.year} 年节假日安排 ${short}…：${problem}` });
          continue;
        }
        latest.set(b.year, r.id);
        calendar.add(b);
        continue;
      }
      if (b.type === "task-report") out.push({ record: r, then: calendar.copy() });
    }
    return out.map((x) => (x.record ? reportDeadline(x.record, calendar, x.then) : x));
  }

  function reportDeadline(r, calendar, then) {
    const b = r.body;
    const claimed = b.deadline;
    const name = `抽查报告 ${b.task}`;
    const published = beijingDate(b.time);
    const facts = { start: b.completed, workdays: REPORT_WORKDAYS, published };
    for (const key of ["start", "workdays", "published"]) {
      if (claimed[key] !== facts[key]) {
        return { name: `deadline.${key}`, state: "fail", detail: `${name}：所填 ${key} 为 ${claimed[key]}，应为 ${facts[key]}` };
      }
    }
    if (published < b.completed) {
      return { name: "deadline.published", state: "fail", detail: `${name}：公开之日 ${published} 早于检查完成之日 ${b.completed}` };
    }
    const compute = (cal) => cal.deadline(dayMs(b.completed), REPORT_WORKDAYS, dayMs(published));
    let due;
    try {
      due = compute(calendar);
    } catch (e) {
      if (!(e instanceof MissingYear)) throw e;
      return { name: "deadline.published", state: "skip", detail: `${name}：公开日志中没有 ${e.year} 年的节假日安排，无法核对期限` };
    }
    const mismatch = (d) => ["due", "on_time", "late_by"].find((key) => claimed[key] !== d[key]);
    const status = (d) => (d.late_by ? `迟了 ${d.late_by} 个工作日` : "按时");
    const wrong = mismatch(due);
    if (wrong !== undefined) {
      let old = null;
      try {
        old = compute(then);
      } catch (e) {
        if (!(e instanceof MissingYear)) throw e;
      }
      if (old !== null && mismatch(old) === undefined) {
        return { name: "deadline.published", state: "note", detail: `${name}：所填期限依据的节假日安排此后已被替换` };
      }
      return {
        name: `deadline.${wrong}`,
        state: "fail",
        detail: `${name}：所填 ${wrong} 为 ${claimed[wrong]}，按公开的节假日安排重新计算为 ${due[wrong]}（应在 ${due.due} 前公示，于 ${published} 公示，${status(due)}）`,
      };
    }
    return { name: "deadline.published", state: "pass", detail: `${name}：应在 ${due.due} 前公示，于 ${published} 公示，${status(due)}` };
  }

  // ---------------------------------------------------------------- the page

  // Words, not emoji: the fonts a Chinese reader has draw most emoji as empty boxes (docs/site.md,
  // "Glyphs"); the state is also in data-state, for styles and tests.
  const ICON = { pass: "【通过】", fail: "【未通过】", note: "【说明】", skip: "【未核验】", warn: "【警告】" };
  // Details quote record text (a source's name, a target): always through textContent, and
  // control and bidi characters shown as [U+XXXX] so they cannot reorder what is read
  // (docs/security.md, "Public site and console"; publisher/render.py does the same).
  const HIDDEN = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef\ufffe\uffff]/g;
  const visible = (text) =>
    String(text).replace(HIDDEN, (c) => `[U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}]`);

  // The plain-Chinese sentence of each check, the same the site's pages show
  // (publisher/check_words.py, written next to this script as check-words.json by the
  // publisher). Without it the list shows the check names alone.
  const WORDS_URL = new URL("check-words.json", SCRIPT_URL).href;
  let words = null;
  async function loadWords() {
    if (words === null) {
      try {
        const response = await fetch(WORDS_URL, { cache: "no-store" });
        words = response.ok ? await response.json() : {};
      } catch (e) {
        words = {};
      }
      if (!words || typeof words !== "object") words = {};
    }
    return words;
  }

  function render(container, report, ctx, error, sentences) {
    container.textContent = "";
    const list = document.createElement("ul");
    list.className = "lottery-checks";
    for (const item of report.items) {
      const li = document.createElement("li");
      li.dataset.check = item.name;
      li.dataset.state = item.state;
      li.append(ICON[item.state]);
      const code = document.createElement("code");
      code.textContent = item.name;
      const sentence = Object.prototype.hasOwnProperty.call(sentences, item.name) ? sentences[item.name] : null;
      if (typeof sentence === "string") {
        const words = document.createElement("span");
        words.className = "lottery-check-words";
        words.textContent = visible(sentence);
        li.append(words, "（", code, "）");
      } else {
        li.append(code);
      }
      li.append(`：${visible(item.detail)}`);
      list.append(li);
    }
    const verdict = document.createElement("p");
    verdict.className = "lottery-verdict";
    const failed = report.failed;
    const passed = report.items.filter((i) => i.state === "pass").length;
    let text;
    if (error) {
      text = `【未通过】核验未能完成：${visible(error)}`;
      container.dataset.verdict = "fail";
    } else if (failed.length) {
      text = `【未通过】核验失败：${failed.length} 项检查未通过（${failed.map((f) => f.name).join("、")}）。`;
      container.dataset.verdict = "fail";
    } else {
      container.dataset.verdict = "pass";
      text = `【通过】核验通过：全部 ${passed} 项检查通过。`;
      if (ctx.sealed && ctx.status === "drawn") {
        text += `抽取结果仍封存，将于 ${ctx.disclosure} 公开；届时可核验种子、抽取与分组。`;
      } else if (ctx.sealed) {
        text += "任务已公告，尚未抽取；抽取结果封存至公开日。";
      }
      if (ctx.secretLost) {
        text += "警告：本任务以“秘密值遗失”取消，秘密值和抽取结果未公开，抽取无法核验。";
        container.dataset.warnings = "cancel.secret_lost";
      }
      if (report.items.some((i) => i.name === "beacon.drand_bls")) {
        text += "drand BLS 签名须用 `lottery verify` 核验。";
      }
    }
    verdict.textContent = text;
    container.dataset.failed = failed.map((f) => f.name).join(" ");
    // Milliseconds of the whole verification (total), of the log (keys, checkpoint, entries,
    // root), of the pool re-derivation and of the draw re-run (docs/benchmarks.md).
    container.dataset.timings = JSON.stringify((ctx && ctx.timings) || {});
    container.append(verdict, list);
  }

  async function onClick(root, button) {
    const container = root.querySelector(".lottery-verify-result");
    const task = root.dataset.task;
    const sealedMode = root.dataset.sealed !== undefined;
    const base = root.dataset.export ? new URL(root.dataset.export, document.baseURI).href : DEFAULT_EXPORT;
    button.disabled = true;
    container.dataset.state = "running";
    delete container.dataset.verdict;
    delete container.dataset.warnings;
    container.textContent = "正在核验……";
    const report = new Report();
    let ctx = {};
    let error = null;
    try {
      if (!window.isSecureContext || !crypto.subtle) {
        throw new Error("浏览器未提供 WebCrypto（需通过 https 或本机地址访问）");
      }
      const start = performance.now();
      ctx = sealedMode
        ? await verifySealed(base, report, root.dataset.sealed.split(" ").filter(Boolean))
        : await verifyTask(task, base, report);
      ctx.timings = { ...(ctx.timings || {}), total: Math.round(performance.now() - start) };
    } catch (e) {
      error = String(e && e.message ? e.message : e);
    }
    render(container, report, ctx, error, await loadWords());
    container.dataset.state = "done";
    button.disabled = false;
  }

  function init() {
    for (const root of document.querySelectorAll(".lottery-verifier[data-task], .lottery-verifier[data-sealed]")) {
      const button = root.querySelector(".lottery-verify-button");
      if (button && !button.dataset.bound) {
        button.dataset.bound = "1";
        button.addEventListener("click", () => onClick(root, button));
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
  // Material's instant navigation (if ever enabled) swaps pages without a reload.
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(init);
  }

  // Test hook (docs/browser-verifier.md "Test hook"): tests/browser/test_teams_js.py defines
  // globalThis.__LOTTERY_VERIFIER_TEST__ = {} before loading this script and re-derives the
  // known-answer vectors with these functions. No page of the site defines that global, so
  // on the real site this line does nothing and nothing of the verifier is exposed.
  const testHook = globalThis.__LOTTERY_VERIFIER_TEST__;
  if (testHook && typeof testHook === "object") {
    testHook.api = {
      openedPicks,
      selectStratum,
      assignTeams,
      groupPairs,
      canonical,
      coveredTypes,
      expectedCandidates,
      expectedInspectors,
      poolProblem,
      snapshotRows,
      onsiteProblems,
      expectedPoints,
      rectificationProblems,
      objectionProblems,
      reviewProblems,
      requiredSpecialties,
      splitSpecialties,
      ownDistrictPairs,
      crossCheckProblem,
      citedMinimums,
      ratioShortfall,
      percent,
      visitProblems,
      reportDeadlines,
      beaconDue,
      publishedPolicies,
    };
  }
})();
