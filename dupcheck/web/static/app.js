// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  document.documentElement.classList.add("js");
  document.querySelectorAll(".drop").forEach(function (zone) {
    var input = document.getElementById(zone.dataset.dropFor);
    var list = zone.querySelector(".chosen");
    function show() { if (!list) return; list.textContent = "";
      Array.prototype.forEach.call(input.files, function (f) { var li = document.createElement("li"); li.textContent = f.name; list.appendChild(li); }); }
    input.addEventListener("change", show);
    zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) { e.preventDefault(); zone.classList.remove("over"); input.files = e.dataTransfer.files; show(); });
  });
  document.querySelectorAll("[data-confirm]").forEach(function (b) {
    b.addEventListener("click", function (e) { if (!confirm(b.dataset.confirm)) e.preventDefault(); });
  });
  // A running job: poll its status JSON (without the script, <noscript> refreshes the page).
  var job = document.getElementById("job");
  if (job && job.dataset.finished === "false") {
    var rows = job.querySelectorAll("tbody tr");
    var timer = setInterval(function () {
      fetch(job.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          document.getElementById("job-progress").value = s.done;
          document.getElementById("job-count").textContent = s.done + " / " + s.total;
          s.items.forEach(function (it, i) {
            if (!rows[i]) return;
            rows[i].className = "state-" + it.state + (it.flagged ? " flagged" : "");
            var cell = rows[i].querySelector(".state");
            if (cell) cell.textContent = it.state_label;
          });
          if (s.finished) { clearInterval(timer); window.location.reload(); }
        })
        .catch(function () {});
    }, 1000);
  }
  var frame = document.getElementById("report-frame");
  if (frame) frame.addEventListener("load", function () {
    try { frame.style.height = (frame.contentDocument.documentElement.scrollHeight + 20) + "px"; } catch (e) {}
  });
});
