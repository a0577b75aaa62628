/* Farm diary, offline first: every entry goes to an outbox on the phone (localStorage)
   with a random key, then is sent when there is a signal. The server stores each key once,
   so sending twice (lost answer, two tabs) stores one entry. */
(function () {
  "use strict";
  var BOX = "nongso.diary.outbox";
  var form = document.getElementById("diary-form");
  var countEl = document.getElementById("outbox-count");
  var boxEl = document.getElementById("outbox");
  var sentEl = document.getElementById("sent");
  var sending = false;
  /* Entries belong to who made them: on a shared phone, another login never sends them. */
  var me = (form && form.getAttribute("data-user")) || "";

  function load() { try { return JSON.parse(localStorage.getItem(BOX) || "[]"); } catch (e) { return []; } }
  function save(items) { localStorage.setItem(BOX, JSON.stringify(items)); show(items); }
  function mine(items) { return items.filter(function (x) { return String(x.user || "") === me; }); }
  function show(items) {
    items = mine(items || load());
    if (!countEl) { return; }
    countEl.textContent = String(items.length);
    boxEl.hidden = items.length === 0;
    boxEl.setAttribute("data-count", String(items.length));
  }
  function newKey() {
    var b = new Uint8Array(16); crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }
  function csrf() {
    /* The cookie first: a page opened offline from the cache may carry an older token. */
    var m = document.cookie.match(/(?:^|; )nongso_csrf=([^;]*)/);
    if (m) { return decodeURIComponent(m[1]); }
    var f = form && form.querySelector("input[name=csrf]"); return f ? f.value : "";
  }

  function shrink(file) {
    return new Promise(function (resolve) {
      if (!file) { resolve(null); return; }
      var img = new Image(), url = URL.createObjectURL(file);
      img.onload = function () {
        var k = Math.min(1, 1200 / Math.max(img.width, img.height));
        var c = document.createElement("canvas");
        c.width = Math.round(img.width * k); c.height = Math.round(img.height * k);
        c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
        URL.revokeObjectURL(url); resolve(c.toDataURL("image/jpeg", 0.8));
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(null); };
      img.src = url;
    });
  }
  function toBlob(dataUrl) {
    var parts = dataUrl.split(","), bin = atob(parts[1]), a = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) { a[i] = bin.charCodeAt(i); }
    return new Blob([a], { type: "image/jpeg" });
  }

  function sendOne(item) {
    var fd = new FormData();
    Object.keys(item.fields).forEach(function (k) { fd.append(k, item.fields[k]); });
    fd.append("key", item.key); fd.append("csrf", csrf());
    if (item.photo) { fd.append("photo", toBlob(item.photo), "photo.jpg"); }
    return fetch("/farm/diary/entries", { method: "POST", body: fd, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRF-Token": csrf() } });
  }

  function flush() {
    if (sending) { return Promise.resolve(); }
    var items = mine(load());
    if (!items.length) { return Promise.resolve(); }
    sending = true;
    var item = items[0];
    return sendOne(item).then(function (r) {
      if (r.ok || (r.status >= 400 && r.status < 500 && r.status !== 401 && r.status !== 403 && r.status !== 429)) {
        if (!r.ok) { r.text().then(function (t) { alert("Không lưu được một mục nhật ký: " + t); }); }
        save(load().filter(function (x) { return x.key !== item.key; }));
        if (r.ok && sentEl) { sentEl.hidden = false; }
        sending = false;
        return flush();
      }
      sending = false;  /* logged out or server trouble: keep it, try later */
    }, function () { sending = false; /* no signal: keep it */ });
  }

  function fieldsOf(f) {
    var out = {};
    ["activity", "zone_id", "performed_at", "product_name", "active_ingredient", "dose",
     "dose_unit", "phi_days", "note"].forEach(function (n) {
      var el = f.elements[n]; if (el && !el.disabled && el.value !== "") { out[n] = el.value; }
    });
    return out;
  }

  function toggle() {
    var act = form.elements.activity.value;
    form.querySelectorAll(".for-spraying").forEach(function (el) {
      el.hidden = act !== "spraying";
      el.querySelectorAll("input,select").forEach(function (i) { i.disabled = act !== "spraying"; });
    });
    form.querySelectorAll(".for-product").forEach(function (el) {
      var on = act === "spraying" || act === "fertilising";
      el.hidden = !on; el.querySelectorAll("input").forEach(function (i) { i.disabled = !on; });
    });
  }

  if (form) {
    var pick = document.getElementById("pesticide");
    pick.addEventListener("change", function () {
      var o = pick.options[pick.selectedIndex];
      if (!o.value || o.value === "other") { return; }
      form.elements.product_name.value = o.value;
      form.elements.active_ingredient.value = o.getAttribute("data-ai");
      form.elements.phi_days.value = o.getAttribute("data-phi");
    });
    var zoneSel = form.elements.zone_id;
    function byCrop() {  /* only the products registered for the zone's crop */
      var crop = zoneSel.options[zoneSel.selectedIndex].getAttribute("data-crop");
      Array.prototype.forEach.call(pick.options, function (o) {
        var crops = o.getAttribute("data-crops");
        o.hidden = !!(crops && crop && crops.split(" ").indexOf(crop) < 0);
      });
    }
    zoneSel.addEventListener("change", byCrop);
    byCrop();
    form.elements.activity.addEventListener("change", toggle);
    toggle();
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!form.reportValidity()) { return; }
      var file = form.elements.photo.files[0];
      shrink(file).then(function (photo) {
        var items = load();
        items.push({ key: newKey(), user: me, fields: fieldsOf(form), photo: photo });
        save(items);
        form.elements.note.value = ""; form.elements.photo.value = "";
        if (sentEl) { sentEl.hidden = true; }
        flush();
      });
    });
  }
  show();
  window.addEventListener("online", flush);
  setInterval(flush, 20000);
  flush();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/farm/sw.js", { scope: "/farm/" }).catch(function () {});
  }
})();
