// The dashboard works without this script; it adds two things:
// live refresh (poll the views' position, re-render the page's main part when it moves)
// and a timeline slider that shows each version without a full reload.
"use strict";
(function () {
  const POLL_MS = 4000;
  const main = document.getElementById("main");
  if (!main || !main.hasAttribute("data-live")) return;

  async function fetchPage(url) {
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } });
    if (!response.ok || response.redirected) return null;
    return new DOMParser().parseFromString(await response.text(), "text/html");
  }

  function swap(doc, selectors) {
    for (const selector of selectors) {
      const fresh = doc.querySelector(selector);
      const old = document.querySelector(selector);
      if (fresh && old) old.replaceWith(document.importNode(fresh, true));
    }
    const freshMain = doc.getElementById("main");
    if (freshMain) main.dataset.position = freshMain.dataset.position;
    for (const span of document.querySelectorAll(".position")) span.textContent = main.dataset.position;
  }

  async function poll() {
    try {
      const response = await fetch(positionUrl(), { credentials: "same-origin" });
      if (response.ok) {
        const { position } = await response.json();
        if (position > Number(main.dataset.position) && !sliding) {
          const doc = await fetchPage(location.href);
          if (doc) { swapMain(doc); }
        }
      }
    } catch (error) { /* offline for a moment: try again at the next tick */ }
    setTimeout(poll, POLL_MS);
  }

  function positionUrl() {
    const link = document.querySelector("a.brand");
    return (link ? link.getAttribute("href") : "/dashboard") + "/position";
  }

  function swapMain(doc) {
    const fresh = doc.getElementById("main");
    if (!fresh) return;
    main.innerHTML = fresh.innerHTML;
    main.dataset.position = fresh.dataset.position;
    for (const span of document.querySelectorAll(".position")) span.textContent = main.dataset.position;
    bindSlider();
  }

  let sliding = false;
  let timer = null;
  function bindSlider() {
    const slider = document.getElementById("version-slider");
    if (!slider) return;
    const shown = document.getElementById("version-shown");
    slider.addEventListener("input", function () {
      sliding = true;
      shown.textContent = slider.value + " of " + slider.max;
      slider.setAttribute("aria-valuetext", "version " + slider.value + " of " + slider.max);
      clearTimeout(timer);
      timer = setTimeout(async function () {
        const url = new URL(location.href);
        url.searchParams.set("version", slider.value);
        url.searchParams.delete("as_of");
        history.replaceState(null, "", url);
        const doc = await fetchPage(url);
        if (doc) swap(doc, ["#state", "#timeline"]);
        sliding = false;
      }, 120);
    });
  }

  bindSlider();
  setTimeout(poll, POLL_MS);
})();
