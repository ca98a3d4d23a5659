/* The filing form on a phone: keep a copy of what was typed in this browser, upload photos as
   soon as they are picked (with progress), show Publish or Send to editors for the chosen page,
   and stop a double tap. Without this script the form still works: photos go with the form. */
(function () {
  "use strict";
  var PREFIX = "liveblogs:filing:";
  var store = (function () {
    try { localStorage.setItem(PREFIX + "test", "1"); localStorage.removeItem(PREFIX + "test"); return localStorage; }
    catch (e) { return null; } // private mode or storage full: the server copy still protects the text
  })();

  // The confirmation page: what was filed is safe on the server, so its local copy can go.
  var filed = document.querySelector("[data-filed]");
  if (filed && store) {
    store.removeItem(PREFIX + filed.getAttribute("data-draft-key"));
    var kept = read("new");
    if (kept && filed.getAttribute("data-filed") && kept.fields.filing_key === filed.getAttribute("data-filed")) {
      store.removeItem(PREFIX + "new");
    }
  }

  var form = document.querySelector("form.filing-form");
  if (!form) return;
  var key = form.getAttribute("data-draft-key");
  var list = form.querySelector("[data-photo-list]");
  var uploads = form.querySelector("[data-uploads]");
  var fileInput = form.querySelector("input[name=new_photos]");
  var buttons = form.querySelectorAll("button[name=action]");
  var uploading = false;

  var problem = document.querySelector("[data-focus-me]");
  if (problem) problem.focus();

  function read(which) {
    if (!store) return null;
    try { return JSON.parse(store.getItem(PREFIX + which)); } catch (e) { return null; }
  }

  function values() {
    var fields = {}, photos = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.name === "csrfmiddlewaretoken" || el.name === "action") return;
      if (el.name === "photos") { photos.push(el.value); return; }
      if ((el.type === "checkbox" || el.type === "radio")) {
        fields[el.name] = fields[el.name] || [];
        if (el.checked) fields[el.name].push(el.value);
      } else {
        fields[el.name] = el.value;
      }
    });
    return { fields: fields, photos: photos };
  }

  var timer;
  function save() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      if (!store) return;
      var copy = values();
      copy.savedAt = new Date().toISOString();
      try { store.setItem(PREFIX + key, JSON.stringify(copy)); } catch (e) { /* full: nothing to do */ }
    }, 300);
  }

  function differs(copy) {
    var now = values();
    return ["headline", "body"].some(function (name) {
      return (copy.fields[name] || "") !== (now.fields[name] || "");
    }) || copy.photos.join() !== now.photos.join();
  }

  function restore(copy) {
    Object.keys(copy.fields).forEach(function (name) {
      var value = copy.fields[name];
      Array.prototype.forEach.call(form.querySelectorAll("[name='" + name + "']"), function (el) {
        if (el.type === "checkbox" || el.type === "radio") el.checked = value.indexOf(el.value) !== -1;
        else if (!el.disabled) el.value = value;
      });
    });
    copy.photos.forEach(function (id) {
      if (!list.querySelector("[data-photo='" + id + "']")) fetchPhoto(id, copy.fields);
    });
    choosePublishButton();
  }

  function fetchPhoto(id, fields) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", form.getAttribute("data-photo-url").replace(/0\/$/, id + "/"));
    xhr.onload = function () {
      if (xhr.status !== 200) return;
      addPhoto(JSON.parse(xhr.responseText).html);
      ["caption", "credit", "alt_text"].forEach(function (name) {
        var el = form.querySelector("[name='photo-" + id + "-" + name + "']");
        if (el && fields["photo-" + id + "-" + name] !== undefined) el.value = fields["photo-" + id + "-" + name];
      });
    };
    xhr.send();
  }

  var copy = read(key);
  var offer = document.querySelector("[data-restore-offer]");
  if (copy && offer && differs(copy)) {
    offer.querySelector("[data-saved-at]").textContent = "kept " + new Date(copy.savedAt).toLocaleString();
    offer.hidden = false;
    offer.querySelector("[data-restore]").addEventListener("click", function () {
      restore(copy); offer.hidden = true; save(); form.querySelector("[name=headline]").focus();
    });
    offer.querySelector("[data-discard]").addEventListener("click", function () {
      store.removeItem(PREFIX + key); offer.hidden = true;
    });
  } else {
    save();
  }
  form.addEventListener("input", save);
  form.addEventListener("change", save);

  // Publish where this reporter may publish on the chosen page; otherwise Send to editors.
  var page = form.querySelector("select[name=live_page]");
  var publishable = (form.getAttribute("data-publishable") || "").split(" ");
  function choosePublishButton() {
    var publish = form.querySelector("[data-publish]"), submit = form.querySelector("[data-submit]");
    if (!publish || !submit) return;
    var can = !page || publishable.indexOf(page.value) !== -1;
    publish.hidden = !can;
    submit.hidden = can;
  }
  if (page) page.addEventListener("change", choosePublishButton);
  choosePublishButton();

  function addPhoto(html) {
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var fields = holder.firstElementChild;
    if (fields && !list.querySelector("[data-photo='" + fields.getAttribute("data-photo") + "']")) list.appendChild(fields);
    save();
  }

  function busy(on) {
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = on; });
  }

  // Photos go up one at a time as soon as they are picked, each with its own progress bar.
  var queue = [];
  function next() {
    var item = queue.shift();
    if (!item) { uploading = false; busy(false); return; }
    var data = new FormData();
    data.append("image", item.file);
    data.append("csrfmiddlewaretoken", form.elements.csrfmiddlewaretoken.value);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("data-upload-url"));
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) item.bar.value = event.loaded / event.total;
    };
    xhr.onload = function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { /* a sign-in page, say */ }
      if (xhr.status === 200 && answer) {
        item.row.remove();
        addPhoto(answer.html);
      } else {
        fail(item, answer && answer.error ? answer.error
          : "“" + item.file.name + "” did not upload (" + (xhr.status || "no connection") + "). Pick it again to retry; your text is kept.");
      }
      next();
    };
    xhr.onerror = xhr.ontimeout = function () {
      fail(item, "“" + item.file.name + "” did not upload: no connection. Pick it again to retry; your text is kept.");
      next();
    };
    xhr.send(data);
  }
  function fail(item, message) {
    item.row.textContent = message;
    item.row.setAttribute("role", "alert");
    item.row.className = "invalid-feedback";
  }
  if (fileInput && window.FormData) {
    fileInput.addEventListener("change", function () {
      Array.prototype.forEach.call(fileInput.files, function (file) {
        var row = document.createElement("li");
        var bar = document.createElement("progress");
        bar.max = 1; bar.value = 0;
        row.textContent = "Uploading “" + file.name + "” ";
        row.appendChild(bar);
        uploads.appendChild(row);
        queue.push({ file: file, row: row, bar: bar });
      });
      fileInput.value = ""; // sent already: the form must not send them a second time
      busy(true);
      if (!uploading) { uploading = true; next(); }
    });
  }

  // A keyboard's Go key in a one-line field moves on to the next field: sending is a choice made
  // with the buttons (Publish, Send to editors, Save draft), never by accident.
  form.addEventListener("keydown", function (event) {
    var el = event.target;
    if (event.key !== "Enter" || el.tagName !== "INPUT" || el.type === "checkbox" || el.type === "file") return;
    event.preventDefault();
    var fields = Array.prototype.filter.call(form.elements, function (f) {
      return f.type !== "hidden" && !f.disabled && f.offsetParent !== null && f.tagName !== "FIELDSET";
    });
    var next = fields[fields.indexOf(el) + 1];
    if (next) next.focus();
  });

  // One tap sends once. The buttons come back after a while, for a retry on a dead connection:
  // the form's one-time key makes a retry find the update instead of making a second one.
  var sending = document.querySelector("[data-sending]");
  form.addEventListener("submit", function () {
    setTimeout(function () { busy(true); if (sending) sending.hidden = false; }, 0);
    setTimeout(function () { busy(false); if (sending) sending.hidden = true; }, 20000);
  });
  window.addEventListener("pageshow", function () { busy(queue.length > 0); });
})();
