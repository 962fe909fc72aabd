// Resumable video upload for the creator portal and the admin.
//
// The upload id is kept in localStorage under a key made of the file's name,
// size and modification time, so after a reload the user picks the same file
// again and the upload goes on from the offset the server reports. Chunks go
// to Pufa (local storage) or, with S3, straight to the bucket with presigned
// part URLs. After completion the widget polls the video's status and shows
// each processing job's progress; that polling also survives a reload.
(function () {
  "use strict";

  var STORE_PREFIX = "pufa-upload:";
  var PROCESSING_KEY = "pufa-upload-processing";
  var FINAL = { ready: true, rejected: true, failed: true };
  var MAX_RETRIES = 8;

  function fileKey(file) {
    return STORE_PREFIX + [file.name, file.size, file.lastModified].join(":");
  }

  function load(key) {
    try { return JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { return null; }
  }

  function save(key, value) {
    try { window.localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }

  function forget(key) {
    try { window.localStorage.removeItem(key); } catch (e) { /* private mode */ }
  }

  function pendingKeys() {
    var keys = [];
    for (var i = 0; i < window.localStorage.length; i++) {
      var key = window.localStorage.key(i);
      if (key && key.indexOf(STORE_PREFIX) === 0) { keys.push(key); }
    }
    return keys;
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function Widget(root) {
    this.root = root;
    this.csrf = root.dataset.csrf;
    this.createUrl = root.dataset.createUrl;
    this.bar = root.querySelector(".pufa-upload__bar");
    this.status = root.querySelector(".pufa-upload__status");
    this.progress = root.querySelector(".pufa-upload__progress");
    this.jobs = root.querySelector(".pufa-upload__jobs");
    this.hint = root.querySelector(".pufa-upload__hint");
    this.cancelled = false;
    var self = this;
    root.querySelector(".pufa-upload__file").addEventListener("change", function (event) {
      var file = event.target.files[0];
      if (file) { self.start(file); }
    });
    root.querySelector(".pufa-upload__cancel").addEventListener("click", function () { self.cancel(); });
    root.querySelector(".pufa-upload__subtitles").addEventListener("change", function (event) {
      var chosen = event.target.files[0];
      root.querySelector(".pufa-upload__subtitles-name").textContent = chosen ? "字幕：" + chosen.name : "选择字幕文件";
    });
    this.hint.hidden = pendingKeys().length === 0;
    var processing = load(PROCESSING_KEY);
    if (processing) { this.poll(processing.status_url); }
  }

  Widget.prototype.request = function (method, url, body, headers) {
    var options = { method: method, credentials: "same-origin", headers: headers || {} };
    options.headers["X-CSRFToken"] = this.csrf;
    if (body !== undefined) { options.body = body; }
    return fetch(url, options);
  };

  Widget.prototype.json = function (method, url, payload) {
    return this.request(method, url, payload === undefined ? undefined : JSON.stringify(payload),
      { "Content-Type": "application/json", "Accept": "application/json" });
  };

  Widget.prototype.show = function (fraction, text, isError) {
    var percent = Math.round(fraction * 100);
    this.progress.hidden = false;
    this.bar.querySelector("span").style.width = percent + "%";
    this.bar.setAttribute("aria-valuenow", String(percent));
    this.status.textContent = text;
    this.status.classList.toggle("is-error", !!isError);
  };

  Widget.prototype.fail = function (message) {
    this.show(0, message || "上传失败，请稍后重试。", true);
  };

  Widget.prototype.start = async function (file) {
    this.cancelled = false;
    this.hint.hidden = true;
    this.jobs.innerHTML = "";
    this.key = fileKey(file);
    var session = load(this.key);
    if (session) {
      var existing = await this.request("GET", session.url, undefined, { "Accept": "application/json" });
      session = existing.ok ? await existing.json() : null;
      if (!session) { forget(this.key); }
    }
    if (!session) {
      var title = this.root.querySelector(".pufa-upload__title").value;
      var created = await this.json("POST", this.createUrl, { filename: file.name, size: file.size, title: title });
      var data = await created.json().catch(function () { return {}; });
      if (!created.ok) { return this.fail(data.error); }
      session = data;
      save(this.key, session);
    }
    this.session = session;
    try {
      if (session.mode === "s3") { await this.sendParts(file, session); } else { await this.sendChunks(file, session); }
    } catch (error) {
      if (!this.cancelled) { this.fail(error.message); }
      return;
    }
    await this.complete();
  };

  Widget.prototype.sendChunks = async function (file, session) {
    var offset = session.offset;
    var retries = 0;
    this.show(offset / file.size, "正在上传…");
    while (offset < file.size) {
      if (this.cancelled) { throw new Error("cancelled"); }
      var chunk = file.slice(offset, Math.min(offset + session.chunk_size, file.size));
      var response;
      try {
        response = await this.request("PATCH", session.url, chunk,
          { "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" });
      } catch (networkError) {
        response = null;
      }
      if (response && (response.status === 204 || response.status === 409)) {
        offset = parseInt(response.headers.get("Upload-Offset"), 10);
        retries = 0;
        this.show(offset / file.size, "正在上传… " + Math.round(offset / file.size * 100) + "%");
        continue;
      }
      if (response && response.status < 500) {
        var data = await response.json().catch(function () { return {}; });
        throw new Error(data.error || "上传被拒绝。");
      }
      if (++retries > MAX_RETRIES) { throw new Error("网络中断，请稍后再次选择该文件继续上传。"); }
      this.show(offset / file.size, "网络中断，正在重试…");
      await sleep(Math.min(30000, 1000 * Math.pow(2, retries)));
      var head = await this.request("HEAD", session.url).catch(function () { return null; });
      if (head && head.ok) { offset = parseInt(head.headers.get("Upload-Offset"), 10); }
    }
  };

  Widget.prototype.sendParts = async function (file, session) {
    var size = session.chunk_size;
    var done = {};
    (session.parts || []).forEach(function (part) { done[part.number] = part.size; });
    var total = Math.ceil(file.size / size);
    var sent = Object.keys(done).reduce(function (sum, n) { return sum + done[n]; }, 0);
    this.show(sent / file.size, "正在上传…");
    for (var number = 1; number <= total; number++) {
      if (this.cancelled) { throw new Error("cancelled"); }
      if (done[number]) { continue; }
      var blob = file.slice((number - 1) * size, Math.min(number * size, file.size));
      for (var attempt = 0; ; attempt++) {
        try {
          var presigned = await (await this.json("POST", session.parts_url, { number: number })).json();
          var put = await fetch(presigned.url, { method: "PUT", body: blob });
          if (put.ok) { break; }
        } catch (networkError) { /* retried below */ }
        if (attempt >= MAX_RETRIES) { throw new Error("网络中断，请稍后再次选择该文件继续上传。"); }
        await sleep(Math.min(30000, 1000 * Math.pow(2, attempt)));
      }
      sent += blob.size;
      this.show(sent / file.size, "正在上传… " + Math.round(sent / file.size * 100) + "%");
    }
  };

  Widget.prototype.complete = async function () {
    var response = await this.json("POST", this.session.complete_url);
    var data = await response.json().catch(function () { return {}; });
    if (!response.ok) { return this.fail(data.error); }
    forget(this.key);
    save(PROCESSING_KEY, { status_url: data.status_url });
    var subtitles = this.root.querySelector(".pufa-upload__subtitles").files[0];
    if (subtitles && data.status !== "rejected") {
      var form = new FormData();
      form.append("subtitles", subtitles);
      var url = this.root.dataset.subtitlesUrl.replace("/0/", "/" + data.id + "/");
      var sent = await this.request("POST", url, form);
      if (!sent.ok) {
        var problem = await sent.json().catch(function () { return {}; });
        this.status.textContent = "字幕未能保存：" + (problem.error || "请稍后在后台重新上传。");
      }
    }
    this.render(data);
    if (!FINAL[data.status]) { this.poll(data.status_url); }
  };

  Widget.prototype.poll = async function (url) {
    while (true) {
      var response = await this.request("GET", url, undefined, { "Accept": "application/json" }).catch(function () { return null; });
      if (response && response.status === 404) { forget(PROCESSING_KEY); return; }
      if (response && response.ok) {
        var data = await response.json();
        this.render(data);
        if (FINAL[data.status]) { forget(PROCESSING_KEY); return; }
      }
      await sleep(1500);
    }
  };

  Widget.prototype.render = function (data) {
    var text = "「" + data.title + "」" + data.status_label + (data.message ? "：" + data.message : "");
    var failed = data.status === "rejected" || data.status === "failed";
    this.show(1, text, failed);
    this.root.querySelector(".pufa-upload__cancel").hidden = true;
    this.jobs.innerHTML = "";
    var self = this;
    (data.jobs || []).forEach(function (job) {
      var item = document.createElement("li");
      if (job.state === "failed") { item.className = "is-failed"; }
      var name = document.createElement("span");
      name.textContent = job.kind_label;
      var bar = document.createElement("div");
      bar.className = "pufa-upload__job-bar";
      bar.setAttribute("role", "progressbar");
      bar.setAttribute("aria-label", job.kind_label);
      bar.setAttribute("aria-valuenow", String(Math.round(job.progress * 100)));
      var fill = document.createElement("span");
      fill.style.width = Math.round(job.progress * 100) + "%";
      bar.appendChild(fill);
      var state = document.createElement("span");
      state.textContent = job.state_label;
      if (job.error) { state.title = job.error; }
      item.append(name, bar, state);
      self.jobs.appendChild(item);
    });
  };

  Widget.prototype.cancel = async function () {
    this.cancelled = true;
    if (this.session) {
      await this.request("DELETE", this.session.url).catch(function () { return null; });
    }
    if (this.key) { forget(this.key); }
    this.show(0, "已取消上传。");
  };

  function init() {
    document.querySelectorAll(".pufa-upload").forEach(function (root) {
      if (!root.dataset.ready) { root.dataset.ready = "1"; new Widget(root); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
