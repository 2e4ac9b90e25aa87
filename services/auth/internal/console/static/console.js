// The console's only script: the Add pop-up as a modal <dialog>, copy
// buttons and confirmations. Every page works without it.
"use strict";
document.documentElement.classList.add("js");
document.addEventListener("DOMContentLoaded", function () {
  // A pop-up the server rendered open (a refused form) becomes modal.
  document.querySelectorAll("dialog[data-modal]").forEach(function (d) {
    d.close();
    d.showModal();
  });
  document.querySelectorAll("[data-open-dialog]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      var d = document.getElementById(a.getAttribute("data-open-dialog"));
      if (d && typeof d.showModal === "function") {
        e.preventDefault();
        d.showModal();
        var first = d.querySelector("input:not([type=hidden])");
        if (first) first.focus();
      }
    });
  });
  document.querySelectorAll("[data-close-dialog]").forEach(function (a) {
    a.addEventListener("click", function (e) {
      var d = document.getElementById(a.getAttribute("data-close-dialog"));
      if (d) {
        e.preventDefault();
        d.close();
      }
    });
  });
  document.querySelectorAll("[data-copy]").forEach(function (b) {
    b.addEventListener("click", function () {
      var el = document.getElementById(b.getAttribute("data-copy"));
      if (!el || !navigator.clipboard) return;
      navigator.clipboard.writeText(el.textContent.trim()).then(function () {
        var label = b.textContent;
        b.textContent = "Copied";
        setTimeout(function () { b.textContent = label; }, 1500);
      });
    });
  });
  document.querySelectorAll("[data-confirm]").forEach(function (b) {
    b.addEventListener("click", function (e) {
      if (!window.confirm(b.getAttribute("data-confirm"))) e.preventDefault();
    });
  });
});
