// The collective goal's bar follows the figures without a reload (every 30 s; the JSON is cached).
(function () {
  document.querySelectorAll("[data-goal-url]").forEach((card) => {
    const url = card.dataset.goalUrl;
    const set = (sel, v) => { const el = card.querySelector(sel); if (el && v !== undefined) el.textContent = v; };
    async function refresh() {
      try {
        const r = await fetch(url, {headers: {Accept: "application/json"}});
        if (!r.ok) return;
        const g = await r.json();
        set("[data-goal-minutes]", g.minutes);
        set("[data-goal-percent]", g.percent);
        set("[data-goal-target]", g.target);
        const bar = card.querySelector("progress");
        if (bar) bar.value = g.percent;
      } catch (e) { /* offline for a moment: try again later */ }
    }
    card.refreshGoal = refresh;
    setInterval(refresh, 30000);
  });
})();
