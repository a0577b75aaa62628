// Optional: the consumer shares an approximate place (rounded to 0.1°, about 10 km) so
// that copies of one stamp scanned far apart can be detected. Nothing else is sent.
(function () {
  var b = document.getElementById("share-place");
  if (!b || !navigator.geolocation) { if (b) b.hidden = true; return; }
  b.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (p) {
      var lat = Math.round(p.coords.latitude * 10) / 10;
      var lon = Math.round(p.coords.longitude * 10) / 10;
      // this page again (same host, whatever proxy is in front), now with the place
      var url = window.location.pathname + "?lat=" + lat + "&lon=" + lon;
      if (document.documentElement.lang === "en") url += "&lang=en";
      window.location.replace(url);
    }, function () { b.textContent = "—"; }, {maximumAge: 600000, timeout: 10000});
  });
})();
