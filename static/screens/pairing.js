/* Pufa screen pairing: how a screen without a keyboard gets its device token.
 *
 * The page keeps a random hardware key and a random claim secret (256 bits) in
 * localStorage, registers them, shows the pairing code the server assigns and
 * polls the claim endpoint. Once a 屏幕运维 member has approved the device in
 * 屏幕监控, the claim answers the device token, exactly once: the page keeps it
 * and opens the player with it. A player whose token is refused reloads, gets
 * this page again (with `rejected`), forgets that token and waits to be paired.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("pufa-pairing-config").textContent);
  const KEYS = {
    hardware: "pufa-screens:hardware-key",
    secret: "pufa-screens:claim-secret",
    token: "pufa-screens:token",
  };
  const codeBox = document.getElementById("pairing-code");
  const screenBox = document.getElementById("pairing-screen");
  const statusBox = document.getElementById("pairing-status");
  const statusLine = statusBox.parentElement;
  const memory = {};

  const state = { code: "", status: "starting", polls: 0 };
  window.pufaPairing = state;

  function load(key) {
    try {
      return window.localStorage.getItem(key) || memory[key] || "";
    } catch (error) {
      return memory[key] || "";
    }
  }

  function save(key, value) {
    memory[key] = value;
    try {
      window.localStorage.setItem(key, value);
    } catch (error) {
      /* No storage: the identity lasts as long as this page. */
    }
  }

  function forget(key) {
    delete memory[key];
    try {
      window.localStorage.removeItem(key);
    } catch (error) {
      /* Nothing stored. */
    }
  }

  function randomHex(bytes) {
    const data = new Uint8Array(bytes);
    window.crypto.getRandomValues(data);
    return Array.from(data, (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  function identity() {
    if (!load(KEYS.hardware) || !load(KEYS.secret)) {
      save(KEYS.hardware, "web-" + randomHex(16));
      save(KEYS.secret, randomHex(32));
    }
    return { hardware_key: load(KEYS.hardware), claim_secret: load(KEYS.secret) };
  }

  /* Another player holds this key, or the server no longer knows our secret. */
  function newIdentity() {
    forget(KEYS.hardware);
    forget(KEYS.secret);
    return identity();
  }

  function detectScreen() {
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(window.innerWidth * ratio);
    const height = Math.round(window.innerHeight * ratio);
    const orientation = height > width ? "portrait" : "landscape";
    return { orientation: orientation, width: width, height: height };
  }

  function showScreen(screen) {
    const label = screen.orientation === "portrait" ? "竖屏" : "横屏";
    screenBox.textContent = "本屏：" + label + " · " + screen.width + "×" + screen.height;
  }

  function showCode(code) {
    if (!code || code === state.code) {
      return;
    }
    state.code = code;
    codeBox.dataset.code = code;
    const gap = document.createElement("span");
    gap.className = "pairing-gap";
    codeBox.replaceChildren(code.slice(0, 3), gap, code.slice(3));
  }

  function showStatus(status, text, tone) {
    state.status = status;
    statusBox.textContent = text;
    statusLine.classList.toggle("is-done", tone === "done");
    statusLine.classList.toggle("is-error", tone === "error");
  }

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      cache: "no-store",
    });
    let answer = {};
    try {
      answer = await response.json();
    } catch (error) {
      /* A proxy's error page: the status code says enough. */
    }
    return { code: response.status, answer: answer };
  }

  async function register() {
    const screen = detectScreen();
    showScreen(screen);
    let reply = await post(config.register, Object.assign({}, identity(), screen));
    if (reply.code === 409) {
      reply = await post(config.register, Object.assign({}, newIdentity(), screen));
    }
    if (reply.code !== 200 && reply.code !== 201) {
      throw new Error("register HTTP " + reply.code);
    }
    showCode(reply.answer.pairing_code);
  }

  function play(token, playerUrl) {
    save(KEYS.token, token);
    showStatus("approved", "已通过审核，正在进入播放……", "done");
    window.location.replace(playerUrl);
  }

  /* One claim; returns true when the page should register again first. */
  async function claim() {
    const reply = await post(config.claim, identity());
    const answer = reply.answer;
    state.polls += 1;
    showCode(answer.pairing_code);
    if (reply.code === 200 && answer.token) {
      play(answer.token, answer.player);
    } else if (reply.code === 202) {
      showStatus("pending", "等待审核……审核通过后自动开始播放");
    } else if (reply.code === 403 && answer.status === "revoked") {
      showStatus("revoked", "本设备已停用。请在后台重新审核后自动恢复播放", "error");
    } else if (reply.code === 409) {
      showStatus(
        "claimed",
        "播放令牌已被领取。如本屏幕没有在播放，请在后台停用本设备后重新审核",
        "error",
      );
    } else if (reply.code === 404) {
      return true;
    } else if (reply.code === 403) {
      newIdentity();
      return true;
    } else {
      throw new Error("claim HTTP " + reply.code);
    }
    return false;
  }

  async function step(mustRegister) {
    let again = mustRegister;
    try {
      if (again) {
        await register();
      }
      again = await claim();
    } catch (error) {
      showStatus("offline", "无法连接服务器，正在重试……", "error");
    }
    if (state.status !== "approved") {
      setTimeout(() => step(again), config.pollSeconds * 1000);
    }
  }

  function start() {
    const stored = load(KEYS.token);
    const refused = config.rejected ? new URLSearchParams(window.location.search).get("device") : null;
    if (stored && stored === refused) {
      forget(KEYS.token);
    } else if (stored) {
      // An old start URL may carry a dead token while this screen holds a live one.
      window.location.replace(config.player + "?device=" + encodeURIComponent(stored));
      return;
    }
    showScreen(detectScreen());
    step(true);
  }

  start();
})();
