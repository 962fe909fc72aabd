/* Pufa screen player: a kiosk page that loops the group's manifest.
 *
 * It keeps every media file of the playlist in Cache Storage, so it plays on
 * when the server is unreachable; it polls the manifest for a new version,
 * drops a retracted item at once, and reports in heartbeats what it plays
 * (current item, playlist version) plus proof of play, queued while offline.
 * When a heartbeat says the device token is no longer valid (the device was
 * stopped), the page reloads and the server shows the pairing page instead.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("pufa-player-config").textContent);
  const SHELL_CACHE = "pufa-screens-shell-v1";
  const MEDIA_CACHE = "pufa-screens-media-v1";
  const storeKey = "pufa-screens:" + config.group + ":manifest";
  const playsKey = "pufa-screens:" + config.device + ":plays";
  const stage = document.getElementById("stage");
  const idle = document.getElementById("idle");
  const caption = document.getElementById("caption");
  const statusBox = document.getElementById("status");

  const state = {
    manifest: null,
    version: "",
    index: -1,
    current: null,
    online: true,
    plays: 0,
    played: [],
    timer: null,
    blobUrls: [],
  };
  window.pufaPlayer = state;

  function loadJson(key, fallback) {
    try {
      const raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : fallback;
    } catch (error) {
      return fallback;
    }
  }

  function saveJson(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      /* Storage full: proof of play is best effort on the device side. */
    }
  }

  function setOnline(online) {
    state.online = online;
    statusBox.hidden = online;
    statusBox.textContent = online ? "" : "离线播放中";
  }

  function mediaRef(item) {
    return item.media[config.orientation] || item.media.landscape || item.media.portrait;
  }

  function mediaUrl(item) {
    return "/screens/media/" + mediaRef(item).name;
  }

  /* Local wall-clock time in the playlist's time zone: "HH:MM:SS" and the ISO
   * weekday (Monday=1 … Sunday=7). */
  function clockAt(now, offset) {
    const sign = offset[0] === "-" ? -1 : 1;
    const minutes = sign * (parseInt(offset.slice(1, 3), 10) * 60 + parseInt(offset.slice(3, 5), 10));
    const shifted = new Date(now.getTime() + minutes * 60000);
    return { time: shifted.toISOString().slice(11, 19), weekday: shifted.getUTCDay() || 7 };
  }

  /* Whether a daypart is on at a local clock. A band that crosses midnight
   * belongs to the day it starts on, so after midnight it asks about the day
   * before. A manifest without weekdays (older versions) means every day. */
  function inDaypart(part, clock) {
    const start = part.start;
    const end = part.end;
    let day = clock.weekday;
    if (start < end) {
      if (clock.time < start || clock.time >= end) {
        return false;
      }
    } else if (clock.time < end) {
      day = day === 1 ? 7 : day - 1;
    } else if (clock.time < start) {
      return false;
    }
    return !part.weekdays || part.weekdays.indexOf(day) !== -1;
  }

  function isOn(item, now) {
    if (item.flight_start && now < new Date(item.flight_start)) {
      return false;
    }
    if (item.flight_end && now >= new Date(item.flight_end)) {
      return false;
    }
    if (item.daypart) {
      return inDaypart(item.daypart, clockAt(now, state.manifest.timezone || "+0800"));
    }
    return true;
  }

  async function cacheMedia(manifest) {
    if (!("caches" in window)) {
      return;
    }
    const cache = await caches.open(MEDIA_CACHE);
    const items = manifest.loop.concat(manifest.emergency || []);
    const wanted = new Set(items.map(mediaUrl));
    for (const url of wanted) {
      if (!(await cache.match(url))) {
        try {
          await cache.add(url);
        } catch (error) {
          /* Retried on the next poll. */
        }
      }
    }
    for (const request of await cache.keys()) {
      if (!wanted.has(new URL(request.url).pathname)) {
        await cache.delete(request);
      }
    }
  }

  async function cacheShell() {
    if (!("caches" in window)) {
      return;
    }
    const cache = await caches.open(SHELL_CACHE);
    const assets = Array.from(document.querySelectorAll("script[src], link[rel=stylesheet]"))
      .map((node) => node.src || node.href);
    try {
      await cache.addAll([window.location.href].concat(assets));
    } catch (error) {
      /* Offline at start: the service worker's copy is used. */
    }
  }

  async function sourceFor(item) {
    const url = mediaUrl(item);
    if ("caches" in window) {
      const cached = await caches.match(url);
      if (cached) {
        const objectUrl = URL.createObjectURL(await cached.blob());
        state.blobUrls.push(objectUrl);
        return objectUrl;
      }
    }
    return url;
  }

  function releaseBlobs() {
    while (state.blobUrls.length > 1) {
      URL.revokeObjectURL(state.blobUrls.shift());
    }
  }

  function adopt(manifest, store) {
    const previous = state.manifest;
    state.manifest = manifest;
    state.version = manifest.version;
    if (store) {
      saveJson(storeKey, manifest);
    }
    cacheMedia(manifest);
    if (!state.current) {
      return;
    }
    const stillThere = manifest.loop.concat(manifest.emergency || [])
      .some((item) => item.key === state.current.key);
    const emergencyNow = (manifest.emergency || []).some((item) => isOn(item, new Date()));
    const wasEmergency = previous && (previous.emergency || []).some((i) => i.key === state.current.key);
    // A retracted item leaves the screen at once; an emergency interrupts the loop.
    if (!stillThere || (emergencyNow && !wasEmergency)) {
      next();
    }
  }

  async function poll() {
    try {
      const response = await fetch(config.manifest, { cache: "no-cache" });
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      const manifest = await response.json();
      setOnline(true);
      if (manifest.version !== state.version) {
        adopt(manifest, true);
      }
    } catch (error) {
      setOnline(false);
    }
  }

  function finishPlay(entry) {
    if (!entry) {
      return;
    }
    entry.duration = Math.round((Date.now() - Date.parse(entry.started_at)) / 100) / 10;
    const queue = loadJson(playsKey, []);
    queue.push(entry);
    saveJson(playsKey, queue.slice(-2000));
    state.plays += 1;
    state.played.push(entry.key);
  }

  function pickNext() {
    const manifest = state.manifest;
    const now = new Date();
    const urgent = (manifest.emergency || []).filter((item) => isOn(item, now));
    if (urgent.length) {
      return urgent[0];
    }
    const loop = manifest.loop;
    for (let step = 1; step <= loop.length; step += 1) {
      const index = (state.index + step) % loop.length;
      if (isOn(loop[index], now)) {
        state.index = index;
        return loop[index];
      }
    }
    return null;
  }

  let playToken = 0;
  let openPlay = null;

  async function next() {
    playToken += 1;
    const token = playToken;
    clearTimeout(state.timer);
    finishPlay(openPlay);
    openPlay = null;
    const item = state.manifest ? pickNext() : null;
    state.current = item;
    if (!item) {
      stage.replaceChildren();
      caption.hidden = true;
      idle.hidden = false;
      state.timer = setTimeout(next, 5000);
      return;
    }
    idle.hidden = true;
    const src = await sourceFor(item);
    if (token !== playToken) {
      return;
    }
    let element;
    if (item.kind === "video") {
      element = document.createElement("video");
      element.muted = true;
      element.autoplay = true;
      element.playsInline = true;
      element.addEventListener("ended", next);
      element.addEventListener("error", () => { state.timer = setTimeout(next, 1000); });
      // A stalled video must not freeze the screen.
      state.timer = setTimeout(next, (item.duration + 5) * 1000);
    } else {
      element = document.createElement("img");
      element.alt = item.title;
      state.timer = setTimeout(next, item.duration * 1000);
    }
    element.src = src;
    element.dataset.key = item.key;
    stage.replaceChildren(element);
    releaseBlobs();
    caption.textContent = item.caption || "";
    caption.hidden = !item.caption;
    openPlay = {
      id: (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Math.random()).slice(2),
      key: item.key,
      title: item.title,
      started_at: new Date().toISOString(),
      playlist_version: state.version,
    };
  }

  /* The server refused our token (停用): reload, and the server answers the
   * pairing page instead of the player. Only our own JSON answer counts, so a
   * proxy's 403 page cannot take a screen off the air. */
  async function leaveIfRevoked(response) {
    let answer = {};
    try {
      answer = await response.clone().json();
    } catch (error) {
      return;
    }
    if (answer.status === "unauthorised") {
      window.location.reload();
    }
  }

  async function heartbeat() {
    const queue = loadJson(playsKey, []);
    const batch = queue.slice(0, 200);
    try {
      const response = await fetch(config.heartbeat, {
        method: "POST",
        headers: {
          "Content-Type": "application/json",
          "Authorization": "Bearer " + config.token,
        },
        body: JSON.stringify({
          playlist_version: state.version,
          current_item: state.current ? state.current.key : "",
          plays: batch,
        }),
      });
      if (response.status === 401 || response.status === 403) {
        await leaveIfRevoked(response);
      }
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      const answer = await response.json();
      const accepted = new Set(answer.accepted_plays || []);
      saveJson(playsKey, loadJson(playsKey, []).filter((play) => !accepted.has(play.id)));
      setOnline(true);
      if (answer.playlist_version && answer.playlist_version !== state.version) {
        poll();
      }
    } catch (error) {
      setOnline(false);
    }
  }

  async function start() {
    if ("serviceWorker" in navigator) {
      try {
        await navigator.serviceWorker.register("/screens/player-sw.js", { scope: "/screens/" });
      } catch (error) {
        /* Cache Storage alone still keeps media offline. */
      }
    }
    cacheShell();
    const stored = loadJson(storeKey, null);
    if (stored) {
      adopt(stored, false);
    }
    await poll();
    next();
    setInterval(poll, config.pollSeconds * 1000);
    setInterval(heartbeat, config.heartbeatSeconds * 1000);
    heartbeat();
  }

  start();
})();
