// Running score per part (the server recomputes with the ocop library on save).
(function () {
  var form = document.getElementById("sheet");
  if (!form) return;
  function bands(t) { return t >= 90 ? 5 : t >= 70 ? 4 : t >= 50 ? 3 : t >= 30 ? 2 : 1; }
  function update() {
    var sums = {A: 0, B: 0, C: 0};
    form.querySelectorAll("input[type=radio]:checked, select").forEach(function (el) {
      var opt = el.tagName === "SELECT" ? el.options[el.selectedIndex] : el;
      var p = parseFloat(opt.getAttribute("data-points") || "0");
      var part = el.getAttribute("data-part");
      if (part && !isNaN(p)) sums[part] += p;
    });
    var total = sums.A + sums.B + sums.C;
    ["A", "B", "C"].forEach(function (k) { document.getElementById("sum-" + k).textContent = sums[k]; });
    document.getElementById("sum-T").textContent = total + " (" + bands(total) + "★)";
  }
  form.addEventListener("change", update);
  update();
})();
