/* Testimony intake, in the browser.
 *
 * 1. What is typed is kept in this tab's sessionStorage until the server has it (the
 *    form autosaves through htmx), and restored after a reload, so a dropped
 *    connection loses nothing.  The copy is removed once the server confirms a save
 *    made after the last keystroke, and when the testimony is saved or discarded.
 * 2. Choosing "an unnamed group" or a confiscation opens the matching details box.
 * Everything works without this file; it only adds the safety net.
 */
(function () {
  "use strict";
  if (window.bmIntake) return; // htmx swaps re-insert the script tag
  window.bmIntake = true;
  var PREFIX = "bm-intake:";
  var lastInput = 0, sentAt = 0, submitting = false;

  function form() { return document.querySelector("form[data-intake]"); }
  function keyOf(f) { return PREFIX + (f.dataset.draft || "new") + ":" + f.dataset.step; }
  function status(text, bad) {
    var el = document.getElementById("autosave-status");
    if (el) { el.textContent = text; el.classList.toggle("bad", !!bad); }
  }
  function skip(el) {
    return !el.name || el.disabled || el.name === "csrfmiddlewaretoken" || el.name === "draft" ||
      el.name === "step" || ["submit", "button", "file", "reset"].indexOf(el.type) >= 0;
  }
  function snapshot(f) {
    var fields = {};
    Array.prototype.forEach.call(f.elements, function (el) {
      if (skip(el)) return;
      if (el.type === "checkbox" || el.type === "radio") {
        fields[el.name] = fields[el.name] || [];
        if (el.checked) fields[el.name].push(el.value);
      } else if (el.tagName === "SELECT" && el.multiple) {
        fields[el.name] = Array.prototype.map.call(el.selectedOptions, function (o) { return o.value; });
      } else {
        fields[el.name] = el.value;
      }
    });
    return fields;
  }
  function restore(f, fields) {
    var changed = 0;
    Array.prototype.forEach.call(f.elements, function (el) {
      if (skip(el) || !(el.name in fields)) return;
      var v = fields[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        var on = Array.isArray(v) && v.indexOf(el.value) >= 0;
        if (el.checked !== on) { el.checked = on; changed++; }
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = v.indexOf(o.value) >= 0; });
      } else if (typeof v === "string" && el.value !== v) {
        el.value = v; changed++;
      }
    });
    return changed;
  }
  function read(key) {
    try { return JSON.parse(sessionStorage.getItem(key) || "null"); } catch (e) { return null; }
  }
  function remember() {
    var f = form();
    if (!f) return;
    lastInput = Date.now();
    try {
      sessionStorage.setItem(keyOf(f), JSON.stringify({ base: f.dataset.revision, fields: snapshot(f) }));
    } catch (e) { /* storage full or disabled: the server copy still works */ }
  }
  function forget(draft) { // one draft's copies, or all of them when draft is ""
    var mine = draft ? PREFIX + draft + ":" : PREFIX;
    for (var i = sessionStorage.length - 1; i >= 0; i--) {
      var k = sessionStorage.key(i);
      if (k && (k.indexOf(mine) === 0 || k.indexOf(PREFIX + "new:") === 0)) {
        sessionStorage.removeItem(k);
      }
    }
  }
  function openDetails(select) {
    var box = document.getElementById(select.dataset.opens);
    if (box && (select.dataset.when || "").split(" ").indexOf(select.value) >= 0) box.open = true;
  }
  function setUp() {
    var f = form();
    if (!f || f.dataset.ready) return;
    f.dataset.ready = "1";
    // a screen shown after a post (errors) keeps its draft in the address, for reloads
    if (f.dataset.url && location.search.indexOf("draft=") < 0 && f.dataset.draft) {
      history.replaceState(null, "", f.dataset.url);
    }
    var saved = read(keyOf(f));
    if (saved && saved.base === f.dataset.revision) {
      var n = restore(f, saved.fields || {});
      if (n) {
        var note = document.createElement("p");
        note.id = "restore-note";
        note.className = "restored";
        note.setAttribute("role", "status");
        note.textContent = "Restored " + n + " change" + (n > 1 ? "s" : "") +
          " kept in this browser after the page was left; they are being saved to the draft.";
        f.insertBefore(note, f.querySelector("[data-draft-input]"));
        lastInput = Date.now();
        if (window.htmx) window.htmx.trigger(f, "change");
      } else {
        sessionStorage.removeItem(keyOf(f));
      }
    } else if (saved) {
      sessionStorage.removeItem(keyOf(f)); // the server moved on since: its state wins
    }
    Array.prototype.forEach.call(f.querySelectorAll("select[data-opens]"), openDetails);
  }

  document.addEventListener("input", function (e) {
    if (e.target.form && e.target.form.hasAttribute("data-intake")) remember();
  });
  document.addEventListener("change", function (e) {
    if (!e.target.form || !e.target.form.hasAttribute("data-intake")) return;
    remember();
    if (e.target.matches("select[data-opens]")) openDetails(e.target);
  });
  document.addEventListener("submit", function (e) {
    var f = e.target, intake = form();
    if (/\/logout\/$/.test(f.getAttribute("action") || "")) {
      // signing out: send what is not on the server yet, then leave nothing behind
      if (intake && navigator.sendBeacon && lastInput > sentAt) {
        navigator.sendBeacon(intake.dataset.autosave, new FormData(intake));
      }
      forget("");
    }
    submitting = true;
    if (f.dataset.clearsIntake) forget(f.dataset.clearsIntake);
  }, true);
  document.addEventListener("htmx:beforeRequest", function (e) {
    if (e.detail.elt && e.detail.elt.hasAttribute && e.detail.elt.hasAttribute("data-intake")) sentAt = Date.now();
  });
  document.addEventListener("bm-draft-saved", function (e) {
    var f = form();
    if (!f || !e.detail) return;
    var oldKey = keyOf(f);
    if (e.detail.draft && f.dataset.draft !== e.detail.draft) {
      f.dataset.draft = e.detail.draft;
      f.dataset.url = e.detail.url || f.dataset.url;
      var input = f.querySelector("[data-draft-input]");
      if (input) input.value = e.detail.draft;
      sessionStorage.removeItem(oldKey);
    }
    f.dataset.revision = e.detail.revision;
    if (lastInput <= sentAt) {
      sessionStorage.removeItem(keyOf(f)); // the server has everything typed
    } else {
      remember(); // typing went on meanwhile: keep it, based on the new revision
    }
  });
  function failed(e) {
    if (e.detail.elt && e.detail.elt.hasAttribute && e.detail.elt.hasAttribute("data-intake")) {
      status("Not saved to the server (connection?): kept in this browser, will try again.", true);
    }
  }
  document.addEventListener("htmx:sendError", failed);
  document.addEventListener("htmx:responseError", failed);
  window.addEventListener("online", function () {
    var f = form();
    if (f && window.htmx && read(keyOf(f))) window.htmx.trigger(f, "change");
  });
  // leaving the page with typing not yet sent (a link, closing the tab): send it now
  window.addEventListener("pagehide", function () {
    var f = form();
    if (!f || submitting || !navigator.sendBeacon || lastInput <= sentAt) return;
    navigator.sendBeacon(f.dataset.autosave, new FormData(f));
  });
  document.addEventListener("DOMContentLoaded", setUp);
  document.addEventListener("htmx:load", setUp);
  if (document.readyState !== "loading") setUp();
})();
