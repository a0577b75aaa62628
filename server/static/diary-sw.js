/* Service worker for /farm/: the diary page and its files open without a signal.
   Pages: network first, the last copy when offline. Static files: cache first. */
var CACHE = "nongso-farm-v1";
var FILES = ["/farm/diary", "/static/app.css", "/static/diary.js", "/static/icons.svg",
             "/static/favicon.svg"];
self.addEventListener("install", function (ev) {
  ev.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(FILES); }).catch(function () {}));
  self.skipWaiting();
});
self.addEventListener("activate", function (ev) { ev.waitUntil(self.clients.claim()); });
self.addEventListener("fetch", function (ev) {
  var req = ev.request, url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== location.origin) { return; }
  if (url.pathname.indexOf("/static/") === 0) {
    ev.respondWith(caches.match(req).then(function (hit) { return hit || fetch(req); }));
    return;
  }
  if (req.mode === "navigate" && url.pathname.indexOf("/farm/") === 0) {
    ev.respondWith(fetch(req).then(function (resp) {
      if (resp.ok && !resp.redirected) {
        var copy = resp.clone();
        caches.open(CACHE).then(function (c) { c.put(url.pathname, copy); });
      }
      return resp;
    }, function () {
      return caches.match(url.pathname).then(function (hit) {
        return hit || new Response("<!doctype html><meta charset=utf-8><title>Mất sóng</title>" +
          "<p>Không có sóng và trang này chưa được lưu trên máy.</p>",
          { headers: { "Content-Type": "text/html; charset=utf-8" } });
      });
    }));
  }
});
