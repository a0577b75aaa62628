/* Progress of a large stamp run: while the form is being answered, ask how far it got. */
(function () {
  "use strict";
  var form = document.getElementById("issue-form");
  if (!form) { return; }
  form.addEventListener("submit", function () {
    var bar = document.getElementById("issue-progress");
    var rid = form.elements.request_id.value;
    form.querySelector("button[type=submit]").disabled = true;
    if (Number(form.elements.count.value) < 2000) { return; }
    bar.hidden = false;
    setInterval(function () {
      fetch("/coop/stamps/progress?rid=" + encodeURIComponent(rid), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (p) { if (p.total) { bar.max = p.total; bar.value = p.done; } })
        .catch(function () {});
    }, 1000);
  });
})();
