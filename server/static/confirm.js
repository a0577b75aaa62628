// Forms with data-confirm ask before submitting; "{minutes}" is replaced by the form's
// minutes field. (No inline handlers: the Content-Security-Policy forbids them.)
document.addEventListener("submit", function (e) {
  var form = e.target;
  var text = form && form.getAttribute && form.getAttribute("data-confirm");
  if (!text) return;
  if (form.minutes) text = text.replace("{minutes}", form.minutes.value);
  if (!window.confirm(text)) e.preventDefault();
});
