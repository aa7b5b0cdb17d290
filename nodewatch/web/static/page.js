// nodewatch page: copy buttons for commands, and auto-refresh. Everything
// else works without this file (the CSP allows no inline script).
"use strict";

function copyText(text) {
  // The Clipboard API needs a secure context (https or localhost); a node on
  // the LAN is usually plain http, where the older execCommand path works.
  if (navigator.clipboard && window.isSecureContext) {
    return navigator.clipboard.writeText(text);
  }
  return new Promise(function (resolve, reject) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    if (ok) { resolve(); } else { reject(new Error("copy refused")); }
  });
}

function addCopyButtons(root) {
  root.querySelectorAll(".command").forEach(function (box) {
    if (box.querySelector("button.copy")) { return; }
    var code = box.querySelector("code");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy";
    button.textContent = "copy";
    button.setAttribute("aria-label", "copy this command");
    button.addEventListener("click", function () {
      copyText(code.textContent).then(function () {
        button.textContent = "copied";
        button.dataset.copied = "yes";
      }, function () {
        // Select it so a long-press / Ctrl+C still works.
        var range = document.createRange();
        range.selectNodeContents(code);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        button.textContent = "selected: press Ctrl+C";
      });
      setTimeout(function () { button.textContent = "copy"; }, 4000);
    });
    box.appendChild(button);
  });
}

function openDetails(root) {
  var open = [];
  root.querySelectorAll("details").forEach(function (d, i) { if (d.open) { open.push(i); } });
  return open;
}

function refresh() {
  var live = document.getElementById("live");
  var selection = window.getSelection();
  if (selection && selection.toString()) { return; }  // someone is selecting a command: wait
  fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store" })
    .then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.text();
    })
    .then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html");
      var next = fresh.getElementById("live");
      if (!next) { return; }
      var open = openDetails(live);
      next.querySelectorAll("details").forEach(function (d, i) { d.open = open.indexOf(i) !== -1; });
      live.replaceWith(next);
      document.title = fresh.title;
      addCopyButtons(next);
      document.body.classList.remove("unreachable");
    })
    .catch(function () {
      document.body.classList.add("unreachable");
    });
}

document.addEventListener("DOMContentLoaded", function () {
  document.body.classList.add("js");
  addCopyButtons(document);
  var live = document.getElementById("live");
  var seconds = parseInt(live.dataset.refreshSeconds, 10);
  if (seconds > 0) { setInterval(refresh, seconds * 1000); }
});
