// A second nongso device, written from docs/protocol.md alone (not from the firmware), in
// JavaScript with the npm `mqtt` package. tests/server/telemetry/test_node_device.py drives
// it against real Mosquitto (the generated ACL) and the real ingest and controller.
//
// Usage: node node_device.mjs <mqtt-url> <device-id> <password> <state-file>
// stdin: one JSON command per line   {"do":"read","m":41.5} | {"do":"connect"} |
//        {"do":"vanish"} (socket dies: the broker publishes the Last Will) |
//        {"do":"resend_acked"} (as if PUBACKs were lost: send every reading again) |
//        {"do":"raw","kind":"telemetry","payload":"{...}"} (publish as is) | {"do":"exit"}
// stdout: one JSON event per line    {"ev":"connected"} {"ev":"puback","seq":3} {"ev":"ack",...}
import fs from "node:fs";
import readline from "node:readline";
import mqtt from "mqtt";

const [url, id, password, stateFile] = process.argv.slice(2);
const base = `nongso/v1/${id}/`;
const MAX_ID = 2147483647;
const out = (o) => process.stdout.write(JSON.stringify(o) + "\n");

// Persistent state (the protocol: seq and the last command id survive reboots).
let st = { seq: 0, bt: 0, buf: [], sent: [], lastCmd: 0, cfg: null, drop: 0 };
try { st = JSON.parse(fs.readFileSync(stateFile, "utf8")); } catch { /* first boot */ }
st.bt += 1;
const save = () => fs.writeFileSync(stateFile, JSON.stringify(st));
save();

// ---- the valve (a lease holds it open; "done" when it ends) -----------------------------
let valve = { open: false, lease: null, start: 0, timer: null };
const now = () => Math.floor(Date.now() / 1000);

// ---- validation, as the doc's tables say -------------------------------------------------
class Reject extends Error { constructor(reason) { super(reason); this.reason = reason; } }
function load(buf) {
  let d;
  try { d = JSON.parse(buf.toString("utf8")); } catch { throw new Reject("bad_json"); }
  if (d === null || typeof d !== "object" || Array.isArray(d)) throw new Reject("bad_json");
  if (d.v === undefined || d.v === null) throw new Reject("missing:v");
  if (!Number.isInteger(d.v)) throw new Reject("type:v");
  if (d.v !== 1) throw new Reject("version");
  return d;
}
function int(d, k, lo, hi, required) {
  const x = d[k];
  if (x === undefined || x === null) { if (required) throw new Reject("missing:" + k); return null; }
  if (typeof x !== "number" || !Number.isInteger(x)) throw new Reject("type:" + k);
  if (x < lo || x > hi) throw new Reject("range:" + k);
  return x;
}
function num(d, k, lo, hi) {
  const x = d[k];
  if (x === undefined || x === null) return null;
  if (typeof x !== "number") throw new Reject("type:" + k);
  if (x < lo || x > hi) throw new Reject("range:" + k);
  return x;
}
function obj(d, k) {
  const x = d[k];
  if (x === undefined || x === null) return null;
  if (typeof x !== "object" || Array.isArray(x)) throw new Reject("type:" + k);
  return x;
}
function parseConfig(d) {  // docs/protocol.md "config": a bad field rejects all of it
  const c = { rev: int(d, "rev", 0, MAX_ID, true) };
  for (const [k, lo, hi] of [["interval_s", 10, 86400], ["upload_every", 1, 96], ["samples", 1, 15],
    ["grace_s", 10, 86400], ["max_run_s", 60, 86400], ["rest_s", 0, 86400], ["fallback_s", 0, 604800]]) {
    c[k] = int(d, k, lo, hi, false);
  }
  if (c.fallback_s !== null && c.fallback_s > 0 && c.fallback_s < 600) throw new Reject("range:fallback_s");
  c.ppl = num(d, "ppl", 1, 10000);
  const cal = obj(d, "cal");
  if (cal) {
    const dry = int(cal, "dry", 1, 65534, true), wet = int(cal, "wet", 1, 65534, true);
    if (dry - wet < 100) throw new Reject("range:cal");
    c.cal = [dry, wet];
  }
  const thr = obj(d, "thr");
  if (thr) {
    const on = num(thr, "on", 0, 100), off = num(thr, "off", 0, 100);
    if (on === null || off === null || !(on < off)) throw new Reject("range:thr");
    c.thr = [on, off];
  }
  return c;
}

// ---- MQTT ------------------------------------------------------------------------------
let client = null;
function pub(kind, payload, retain = false) {
  return new Promise((resolve) => {
    if (!client || !client.connected) return resolve(false);
    client.publish(base + kind, JSON.stringify(payload), { qos: 1, retain }, (err) => resolve(!err));
  });
}
const status = () => ({ v: 1, state: "online", role: "valve", fw: "node-0.1", bt: st.bt,
  cfg: st.cfg ? st.cfg.rev : 0, vs: valve.open ? 1 : 0, lease: valve.lease,
  seq: st.seq, pend: st.buf.length, drop: st.drop });

async function flush() {  // oldest first, batches of ≤ 32; a reading leaves only on PUBACK
  while (client && client.connected && st.buf.length) {
    const items = st.buf.slice(0, 32);
    const msg = items.length === 1
      ? { v: 1, ...items[0], drop: st.drop }
      : { v: 1, batch: items, drop: st.drop };
    if (!(await pub("telemetry", msg))) return;
    st.buf = st.buf.slice(items.length);
    st.sent.push(...items);
    save();
    for (const r of items) out({ ev: "puback", seq: r.seq });
  }
}
function reading(values) {
  st.seq += 1;
  st.buf.push({ seq: st.seq, t: now(), ...values });
  save();
  return flush();
}
const ack = (o) => pub("ack", { v: 1, ...o }).then(() => out({ ev: "ack", ...o }));

function closeValve(why) {
  if (!valve.open) return Promise.resolve();
  clearTimeout(valve.timer);
  const lease = valve.lease, run = now() - valve.start;
  valve = { open: false, lease: null, start: 0, timer: null };
  return ack({ id: lease, res: "done", why, run_s: run, l: 0 })
    .then(() => reading({ vs: 0, ev: "close", why, cmd: lease }))
    .then(() => pub("status", status(), true));
}

async function onCmd(buf) {
  let d;
  try {
    d = load(buf);
    const cid = int(d, "id", 1, MAX_ID, true);
    try {
      if (d.op === undefined || d.op === null) throw new Reject("missing:op");
      if (typeof d.op !== "string") throw new Reject("type:op");
      if (d.op !== "open" && d.op !== "close") throw new Reject("unknown_op");
      const dur = d.op === "open" ? int(d, "dur_s", 1, 86400, true) : 0;
      const exp = int(d, "exp", 0, 4294967295, false);
      if (cid === st.lastCmd) throw new Reject("duplicate");
      if (cid < st.lastCmd) throw new Reject("stale");
      st.lastCmd = cid; save();
      if (exp && now() > exp) throw new Reject("expired");
      if (d.op === "close") { await closeValve("cmd"); return ack({ id: cid, res: "accepted" }); }
      if (valve.open) await ack({ id: valve.lease, res: "done", why: "superseded", run_s: now() - valve.start, l: 0 });
      const wasOpen = valve.open;
      clearTimeout(valve.timer);
      valve = { open: true, lease: cid, start: wasOpen ? valve.start : now(),
        timer: setTimeout(() => closeValve("lease_end"), dur * 1000) };
      await ack({ id: cid, res: "accepted", dur_s: dur });
      await reading({ vs: 1, ev: "open", why: wasOpen ? "extend" : "cmd", cmd: cid });
      return pub("status", status(), true);
    } catch (e) { if (e instanceof Reject) return ack({ id: cid, res: "rejected", reason: e.reason }); throw e; }
  } catch (e) {
    if (e instanceof Reject) return ack({ id: null, res: "rejected", reason: e.reason });
    throw e;
  }
}

async function onConfig(buf) {
  const text = buf.toString("utf8");
  if (st.cfg && st.cfg.raw === text) return;  // the same config again (retained): silent
  let rev = null;
  try {
    const d = load(buf);
    try { rev = int(d, "rev", 0, MAX_ID, true); } catch { /* reason below */ }
    const c = parseConfig(d);
    st.cfg = { ...c, raw: text }; save();
    await ack({ cfg: c.rev, res: "applied" });
    return pub("status", status(), true);
  } catch (e) {
    if (e instanceof Reject) return ack({ cfg: rev, res: "rejected", reason: e.reason });
    throw e;
  }
}

function connect() {
  client = mqtt.connect(url, {
    clientId: id, username: id, password, clean: false, keepalive: 60, protocolVersion: 4,
    reconnectPeriod: 0,
    will: { topic: base + "status", payload: JSON.stringify({ v: 1, state: "offline" }), qos: 1, retain: true },
  });
  client.on("connect", () => {
    client.subscribe([base + "cmd", base + "config"], { qos: 1 }, async () => {
      await pub("status", status(), true);
      out({ ev: "connected" });
      await flush();  // re-send every reading the broker did not acknowledge
    });
  });
  client.on("message", (topic, payload) => {
    const p = topic.endsWith("/cmd") ? onCmd(payload) : topic.endsWith("/config") ? onConfig(payload) : null;
    if (p) p.catch((e) => out({ ev: "error", error: String(e) }));
  });
  client.on("error", (e) => out({ ev: "error", error: String(e) }));
  client.on("close", () => out({ ev: "closed" }));
}

const rl = readline.createInterface({ input: process.stdin });
rl.on("line", async (line) => {
  const c = JSON.parse(line);
  if (c.do === "connect") connect();
  else if (c.do === "read") { await reading({ m: c.m, raw: c.raw ?? 40000 }); out({ ev: "read", seq: st.seq }); }
  else if (c.do === "vanish") { client.stream.destroy(); client.end(true); client = null; }
  else if (c.do === "resend_acked") { st.buf = [...st.sent, ...st.buf]; st.sent = []; save(); await flush(); out({ ev: "resent" }); }
  else if (c.do === "raw") { await pub(c.kind, JSON.parse(c.payload)); out({ ev: "raw" }); }
  else if (c.do === "exit") { if (client) client.end(false, {}, () => process.exit(0)); else process.exit(0); }
});
