// Small conveniences on top of plain forms; every page works without this file.
// Keys: "/" or "n" focuses the intake text (access keys: Alt+D the desk, Alt+N log a claim).
(function () {
  "use strict";

  function typing(target) {
    return target.closest("input, textarea, select, [contenteditable]") !== null;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    var field = document.getElementById("id_text");
    if ((event.key === "/" || event.key === "n") && field) {
      event.preventDefault();
      field.focus();
    }
  });

  // A file dropped anywhere on the drop zone goes into its file input.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-drop-zone]").forEach(function (zone) {
      var input = zone.querySelector("input[type=file]");
      if (!input) {
        return;
      }
      ["dragenter", "dragover"].forEach(function (name) {
        zone.addEventListener(name, function (event) {
          event.preventDefault();
          zone.classList.add("dragging");
        });
      });
      ["dragleave", "drop"].forEach(function (name) {
        zone.addEventListener(name, function () {
          zone.classList.remove("dragging");
        });
      });
      zone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (event.dataTransfer && event.dataTransfer.files.length) {
          input.files = event.dataTransfer.files;
          var label = zone.querySelector("[data-drop-name]");
          if (label) {
            label.textContent = event.dataTransfer.files[0].name;
          }
        }
      });
    });
  });
})();
