// Battery MES browser helpers (served by the app; no CDN).
window.batteryMes = window.batteryMes || {};
window.batteryMes.focus = function (selector) {
    const el = document.querySelector(selector);
    if (el) { el.focus(); if (el.select) { el.select(); } }
};
// Loads a script once per page (later callers share the same promise): plotly.js is fetched only where a chart needs it.
window.batteryMes.loadScript = function (src) {
    const loads = window.batteryMes.scriptLoads = window.batteryMes.scriptLoads || {};
    if (!loads[src]) {
        loads[src] = new Promise(function (resolve, reject) {
            const script = document.createElement('script');
            script.src = src;
            script.onload = function () { resolve(); };
            script.onerror = function () { delete loads[src]; script.remove(); reject(new Error('Could not load ' + src)); };
            document.head.appendChild(script);
        });
    }
    return loads[src];
};
