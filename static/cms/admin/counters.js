// Live character counters for fields whose wrapper carries data-pufa-counter
// (WeChat title and digest). Counts characters the way WeChat does: one per
// code point, so a Chinese character counts as one.
(function () {
  "use strict";

  function lengthOf(value) {
    return Array.from(value || "").length;
  }

  function fieldOf(wrapper) {
    return wrapper.querySelector("input[type=text], input:not([type]), textarea");
  }

  function update(wrapper) {
    var field = fieldOf(wrapper);
    var counter = wrapper.querySelector(".pufa-counter");
    if (!field || !counter) {
      return;
    }
    var limit = parseInt(wrapper.getAttribute("data-pufa-counter"), 10);
    var used = lengthOf(field.value);
    counter.textContent = used + " / " + limit + " 字";
    var over = used > limit;
    counter.classList.toggle("pufa-counter--over", over);
    counter.classList.toggle("pufa-counter--near", !over && used >= limit * 0.9);
    field.setAttribute("aria-invalid", over ? "true" : "false");
  }

  function attach(wrapper) {
    if (wrapper.querySelector(".pufa-counter")) {
      return;
    }
    var field = fieldOf(wrapper);
    if (!field) {
      return;
    }
    var counter = document.createElement("p");
    counter.className = "pufa-counter";
    counter.setAttribute("aria-live", "polite");
    counter.id = (field.id || "pufa-field") + "-counter";
    field.setAttribute(
      "aria-describedby",
      ((field.getAttribute("aria-describedby") || "") + " " + counter.id).trim()
    );
    field.insertAdjacentElement("afterend", counter);
    update(wrapper);
  }

  function attachAll(root) {
    root.querySelectorAll("[data-pufa-counter]").forEach(attach);
  }

  document.addEventListener("input", function (event) {
    var wrapper = event.target.closest && event.target.closest("[data-pufa-counter]");
    if (wrapper) {
      update(wrapper);
    }
  });

  function start() {
    attachAll(document);
    // Inline panels add fields after load; give them counters too.
    new MutationObserver(function () {
      attachAll(document);
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
