(function () {
  var codes = [], seen = {};
  var area = document.getElementById("codes"), list = document.getElementById("list");
  function add(code) {
    code = (code || "").trim();
    if (!code || seen[code]) return false;
    seen[code] = true; codes.push(code);
    var li = document.createElement("li"); li.textContent = code; list.appendChild(li);
    area.value = codes.join("\n");
    document.getElementById("count").textContent = codes.length;
    if (navigator.vibrate) navigator.vibrate(80);
    return true;
  }
  area.value.split("\n").forEach(add);
  var manual = document.getElementById("manual");
  document.getElementById("add").addEventListener("click", function () { add(manual.value); manual.value = ""; manual.focus(); });
  manual.addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); add(manual.value); manual.value = ""; } });
  var start = document.getElementById("start");
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) {
    start.hidden = true; document.getElementById("nocamera").hidden = false; return;
  }
  start.addEventListener("click", async function () {
    try {
      var detector = new BarcodeDetector({formats: ["qr_code", "data_matrix"]});
      var stream = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
      var video = document.getElementById("video");
      video.srcObject = stream; await video.play();
      document.getElementById("camera").hidden = false; start.hidden = true;
      (async function loop() {
        try {
          var found = await detector.detect(video);
          found.forEach(function (b) { add(b.rawValue); });
        } catch (e) { /* a frame that could not be read */ }
        setTimeout(loop, 250);
      })();
    } catch (e) {
      start.hidden = true; document.getElementById("nocamera").hidden = false;
    }
  });
})();
